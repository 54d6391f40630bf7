// @grpc/grpc-js as an interop client (grpc-node's test/interop/interop_client.js, in-process): typed
// TestService clients on a plain and a gzip channel, behind a WireTap so cases can see response flags.
import grpc from '@grpc/grpc-js';
import type { CallFailure } from './case-checks.js';
import { grpcJsTesting } from './grpc-js-definitions.js';
import { MAX_MESSAGE_BYTES } from './interop-messages.js';
import type {
  SimpleRequest, SimpleResponse, StreamingInputCallRequest, StreamingInputCallResponse,
  StreamingOutputCallRequest, StreamingOutputCallResponse,
} from './interop-messages.js';
import { DEFAULT_SOAK, readResponseFlags } from './our-client.js';
import type { SoakOptions } from './our-client.js';
import { WireTap } from './wire-tap.js';

type Callback<Res> = (error: grpc.ServiceError | null, response?: Res) => void;
type UnaryMethod<Req, Res> = (request: Req, metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback<Res>) => grpc.ClientUnaryCall;

/** The lowerCamelCase methods grpc-js gives a loaded TestService client. */
export interface GrpcJsTestClient extends grpc.Client {
  emptyCall: UnaryMethod<object, object>;
  unaryCall: UnaryMethod<SimpleRequest, SimpleResponse>;
  streamingOutputCall(request: StreamingOutputCallRequest, metadata?: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<StreamingOutputCallResponse>;
  streamingInputCall(metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback<StreamingInputCallResponse>): grpc.ClientWritableStream<StreamingInputCallRequest>;
  fullDuplexCall(metadata?: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<StreamingOutputCallRequest, StreamingOutputCallResponse>;
  unimplementedCall: UnaryMethod<object, object>;
}

/** What a grpc-js case gets. */
export interface GrpcJsCaseEnv {
  readonly test: GrpcJsTestClient;
  /** A client whose channel compresses every message with gzip ('grpc.default_compression_algorithm'). */
  readonly compressing: GrpcJsTestClient;
  readonly unimplemented: Pick<GrpcJsTestClient, 'unimplementedCall'> & grpc.Client;
  readonly soak: SoakOptions;
  takeResponseFlags(): boolean[];
  openChannel(): GrpcJsTestClient;
}

/** grpc-js's WriteFlags.NoCompress (not exported): a write whose message is sent uncompressed. */
export const NO_COMPRESS = 2;

/** grpc-js errors carry the bare status message in `details`. */
export const readServiceError = (err: unknown): CallFailure | undefined => {
  const { code, details } = (err ?? {}) as Partial<grpc.ServiceError>;
  return typeof code === 'number' ? { code, message: details ?? '' } : undefined;
};

/** A unary call as a promise, with the call object for its events. */
export function unary<Req, Res>(method: UnaryMethod<Req, Res>, client: grpc.Client, request: Req, metadata = new grpc.Metadata()): { call: grpc.ClientUnaryCall; result: Promise<Res> } {
  let call!: grpc.ClientUnaryCall;
  const result = new Promise<Res>((resolve, reject) => {
    call = method.call(client, request, metadata, {}, (error, response) => (error === null ? resolve(response!) : reject(error)));
  });
  return { call, result };
}

/** Every message of a response stream, or its error. */
export function collectResponses<Res>(stream: grpc.ClientReadableStream<Res>): Promise<Res[]> {
  const responses: Res[] = [];
  return new Promise((resolve, reject) => {
    stream.on('data', (response: Res) => responses.push(response));
    stream.on('error', reject);
    stream.on('end', () => resolve(responses));
  });
}

/** TLS for the grpc-js interop client: its credentials, and the name to check (grpc.ssl_target_name_override). */
export interface GrpcJsTls {
  readonly credentials: grpc.ChannelCredentials;
  readonly serverHostOverride: string;
}

/**
 * Connects grpc-js clients to `host:port` through a wire tap; close() ends them all. With `tls` they connect
 * directly, as our client does (see connectOurClient).
 */
export async function connectGrpcJsClient(host: string, port: number, soak: SoakOptions = DEFAULT_SOAK, tls?: GrpcJsTls): Promise<{ env: GrpcJsCaseEnv; close(): Promise<void> }> {
  const tap = tls === undefined ? await WireTap.start(host, port) : undefined;
  const address = tap?.address ?? `${host}:${port}`;
  const opened: grpc.Client[] = [];
  const open = (Ctor: grpc.ServiceClientConstructor, options: grpc.ChannelOptions = {}): GrpcJsTestClient => {
    const client = new Ctor(address, tls?.credentials ?? grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      ...(tls && { 'grpc.ssl_target_name_override': tls.serverHostOverride }),
      ...options,
    }) as unknown as GrpcJsTestClient;
    opened.push(client);
    return client;
  };
  const env: GrpcJsCaseEnv = {
    test: open(grpcJsTesting.TestService),
    compressing: open(grpcJsTesting.TestService, { 'grpc.default_compression_algorithm': grpc.compressionAlgorithms.gzip }),
    unimplemented: open(grpcJsTesting.UnimplementedService),
    soak,
    takeResponseFlags: () => readResponseFlags(tap),
    // A local subchannel pool, so grpc-js does not hand back its shared connection: a new one each time.
    openChannel: () => open(grpcJsTesting.TestService, { 'grpc.use_local_subchannel_pool': 1 }),
  };
  return {
    env,
    async close() {
      for (const client of opened) client.close();
      await tap?.stop();
    },
  };
}
