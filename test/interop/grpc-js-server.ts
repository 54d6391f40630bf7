// The reference interop server in-process: TestService on @grpc/grpc-js, as grpc-node's
// test/interop/interop_server.js writes it (echo metadata, echo status, interval_us). grpc-js handlers
// cannot see or set a message's compressed flag, so CompressedRequest/CompressedResponse are absent, as there.
import grpc from '@grpc/grpc-js';
import { setTimeout as sleep } from 'node:timers/promises';
import { ECHO_INITIAL_KEY, ECHO_TRAILING_KEY, MAX_MESSAGE_BYTES, zeroPayload } from './interop-messages.js';
import type {
  EchoStatus, ResponseParameters, SimpleRequest, SimpleResponse, StreamingInputCallRequest, StreamingInputCallResponse,
  StreamingOutputCallRequest, StreamingOutputCallResponse,
} from './interop-messages.js';
import { grpcJsTesting } from './grpc-js-definitions.js';
import type { InteropServer } from './test-service.controller.js';
import { grpcJsServerCredentials } from '../fixtures/tls.js';
import type { ServerTls } from '../fixtures/tls.js';

type Call = Pick<grpc.ServerUnaryCall<unknown, unknown>, 'metadata' | 'sendMetadata'>;
type OutputStream = Pick<grpc.ServerWritableStream<unknown, StreamingOutputCallResponse>, 'write' | 'cancelled'>;

function echoHeader(call: Call): void {
  const initial = call.metadata.get(ECHO_INITIAL_KEY);
  if (initial.length === 0) return;
  const metadata = new grpc.Metadata();
  metadata.set(ECHO_INITIAL_KEY, initial[0]!);
  call.sendMetadata(metadata);
}

function echoTrailer(call: Call): grpc.Metadata {
  const trailing = call.metadata.get(ECHO_TRAILING_KEY);
  const metadata = new grpc.Metadata();
  if (trailing.length > 0) metadata.set(ECHO_TRAILING_KEY, trailing[0]!);
  return metadata;
}

function statusOf(status: EchoStatus, call: Call): Partial<grpc.StatusObject> {
  return { code: status.code, details: status.message, metadata: echoTrailer(call) };
}

/** Writes one response per parameter, each after its interval_us, behind whatever `queue` already holds. */
function enqueueResponses(queue: Promise<void>, call: OutputStream, parameters: readonly ResponseParameters[]): Promise<void> {
  return parameters.reduce((chain, parameter) => chain.then(async () => {
    if ((parameter.interval_us ?? 0) > 0) await sleep(parameter.interval_us! / 1000);
    if (!call.cancelled) call.write({ payload: zeroPayload(parameter.size) });
  }), queue);
}

const handlers: grpc.UntypedServiceImplementation = {
  EmptyCall(call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
    echoHeader(call);
    callback(null, {}, echoTrailer(call));
  },
  UnaryCall(call: grpc.ServerUnaryCall<SimpleRequest, SimpleResponse>, callback: grpc.sendUnaryData<SimpleResponse>) {
    echoHeader(call);
    const request = call.request;
    if (request.response_status != null && request.response_status.code !== 0) {
      callback(statusOf(request.response_status, call));
      return;
    }
    callback(null, { payload: zeroPayload(request.response_size ?? 0) }, echoTrailer(call));
  },
  CacheableUnaryCall(call: grpc.ServerUnaryCall<SimpleRequest, SimpleResponse>, callback: grpc.sendUnaryData<SimpleResponse>) {
    callback(null, { payload: { type: 'COMPRESSABLE', body: Buffer.from(process.hrtime.bigint().toString()) } });
  },
  StreamingOutputCall(call: grpc.ServerWritableStream<StreamingOutputCallRequest, StreamingOutputCallResponse>) {
    echoHeader(call);
    const request = call.request;
    if (request.response_status != null && request.response_status.code !== 0) {
      call.emit('error', statusOf(request.response_status, call));
      return;
    }
    void enqueueResponses(Promise.resolve(), call, request.response_parameters ?? []).then(() => call.end(echoTrailer(call)));
  },
  StreamingInputCall(call: grpc.ServerReadableStream<StreamingInputCallRequest, StreamingInputCallResponse>,
    callback: grpc.sendUnaryData<StreamingInputCallResponse>) {
    echoHeader(call);
    let total = 0;
    call.on('data', (request: StreamingInputCallRequest) => { total += request.payload?.body.length ?? 0; });
    call.on('end', () => callback(null, { aggregated_payload_size: total }, echoTrailer(call)));
  },
  FullDuplexCall(call: grpc.ServerDuplexStream<StreamingOutputCallRequest, StreamingOutputCallResponse>) {
    echoHeader(call);
    let queue = Promise.resolve();
    let failed = false;
    call.on('data', (request: StreamingOutputCallRequest) => {
      if (failed) return;
      if (request.response_status != null && request.response_status.code !== 0) {
        failed = true;
        call.emit('error', statusOf(request.response_status, call));
        return;
      }
      queue = enqueueResponses(queue, call, request.response_parameters ?? []);
    });
    call.on('end', () => void queue.then(() => { if (!failed) call.end(echoTrailer(call)); }));
  },
  HalfDuplexCall(call: grpc.ServerDuplexStream<StreamingOutputCallRequest, StreamingOutputCallResponse>) {
    echoHeader(call);
    const requests: StreamingOutputCallRequest[] = [];
    call.on('data', (request: StreamingOutputCallRequest) => requests.push(request));
    call.on('end', () => {
      const parameters = requests.flatMap((request) => request.response_parameters ?? []);
      void enqueueResponses(Promise.resolve(), call, parameters).then(() => call.end(echoTrailer(call)));
    });
  },
};

/** grpc-js's TestService on 127.0.0.1 (port 0 picks one), serving TLS with the test certificates when `tls` is set. */
export async function startGrpcJsInteropServer(port = 0, tls?: ServerTls): Promise<InteropServer> {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES });
  server.addService(grpcJsTesting.TestService.service, handlers);
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`127.0.0.1:${port}`, grpcJsServerCredentials(tls), (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    port: bound,
    stop: () => new Promise<void>((resolve) => {
      const force = setTimeout(() => { server.forceShutdown(); resolve(); }, 1000);
      server.tryShutdown(() => { clearTimeout(force); resolve(); });
    }),
  };
}
