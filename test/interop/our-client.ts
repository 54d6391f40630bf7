// Our standalone GrpcClient as an interop client: typed TestService stubs, connected through a WireTap
// so the cases can check each response message's compressed flag on the wire (plaintext only).
import type { SecureClientSessionOptions } from 'node:http2';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import type { StubMethod, UnaryResponseStubMethod } from '../../lib/client/stub.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { loadProtos } from '../../lib/schema/load-protos.js';
import type { Schema } from '../../lib/schema/descriptors.js';
import { LOADER_OPTIONS, MAX_MESSAGE_BYTES, TEST_PROTO } from './interop-messages.js';
import type {
  SimpleRequest, SimpleResponse, StreamingInputCallRequest, StreamingInputCallResponse,
  StreamingOutputCallRequest, StreamingOutputCallResponse,
} from './interop-messages.js';
import type { CallFailure } from './case-checks.js';
import { WireTap } from './wire-tap.js';

type Empty = Record<string, never>;

export interface TestServiceStub {
  EmptyCall: UnaryResponseStubMethod<Empty, Empty>;
  UnaryCall: UnaryResponseStubMethod<SimpleRequest, SimpleResponse>;
  StreamingOutputCall: StubMethod<StreamingOutputCallRequest, StreamingOutputCallResponse>;
  StreamingInputCall: UnaryResponseStubMethod<StreamingInputCallRequest, StreamingInputCallResponse>;
  FullDuplexCall: StubMethod<StreamingOutputCallRequest, StreamingOutputCallResponse>;
  HalfDuplexCall: StubMethod<StreamingOutputCallRequest, StreamingOutputCallResponse>;
  UnimplementedCall: UnaryResponseStubMethod<Empty, Empty>;
}

export interface UnimplementedServiceStub {
  UnimplementedCall: UnaryResponseStubMethod<Empty, Empty>;
}

/** Bounds of rpc_soak and channel_soak, named after the official client's --soak_* flags. */
export interface SoakOptions {
  readonly iterations: number;
  readonly maxFailures: number;
  readonly perIterationMaxAcceptableLatencyMs: number;
  readonly overallTimeoutSeconds: number;
}

export const DEFAULT_SOAK: SoakOptions = { iterations: 10, maxFailures: 0, perIterationMaxAcceptableLatencyMs: 1000, overallTimeoutSeconds: 10 };

/** What a case on our client gets. */
export interface OurCaseEnv {
  readonly test: TestServiceStub;
  readonly unimplemented: UnimplementedServiceStub;
  readonly soak: SoakOptions;
  /** The compressed flag of each response message that reached the client since the last call. */
  takeResponseFlags(): boolean[];
  /** A new client (a new connection) to the same server, for channel_soak. */
  openChannel(): { test: TestServiceStub; close(): Promise<void> };
}

/** Our client's failures are GrpcErrors. */
export const readGrpcError = (err: unknown): CallFailure | undefined => (err instanceof GrpcError ? err : undefined);

let schema: Schema | undefined;

/** The tap's response flags; without a tap (TLS) there are none to read. */
export function readResponseFlags(tap: WireTap | undefined): boolean[] {
  if (tap === undefined) throw new Error('response compressed flags cannot be read through TLS; run this case with --use_tls=false');
  return tap.takeResponseFlags();
}

function clientOf(address: string, tls: SecureClientSessionOptions | undefined): { client: GrpcClient; test: TestServiceStub; unimplemented: UnimplementedServiceStub } {
  schema ??= loadProtos(TEST_PROTO, LOADER_OPTIONS);
  const client = new GrpcClient(address, { maxReceiveMessageLength: MAX_MESSAGE_BYTES, tls });
  return {
    client,
    test: client.getService<TestServiceStub>(schema.service('grpc.testing.TestService')),
    unimplemented: client.getService<UnimplementedServiceStub>(schema.service('grpc.testing.UnimplementedService')),
  };
}

/**
 * Connects our client to `host:port` through a wire tap; close() ends both. With `tls` it connects directly:
 * the tap would see only ciphertext, so the cases that read response flags fail saying so.
 */
export async function connectOurClient(host: string, port: number, soak: SoakOptions = DEFAULT_SOAK, tls?: SecureClientSessionOptions): Promise<{ env: OurCaseEnv; close(): Promise<void> }> {
  const tap = tls === undefined ? await WireTap.start(host, port) : undefined;
  const address = tap?.address ?? (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
  const { client, test, unimplemented } = clientOf(address, tls);
  const env: OurCaseEnv = {
    test,
    unimplemented,
    soak,
    takeResponseFlags: () => readResponseFlags(tap),
    openChannel() {
      const channel = clientOf(address, tls);
      return { test: channel.test, close: () => channel.client.close({ force: true }) };
    },
  };
  return {
    env,
    async close() {
      await client.close({ force: true });
      await tap?.stop();
    },
  };
}
