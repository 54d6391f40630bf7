// grpc-js glue: the example service definition, metadata conversion, and a handler adapter that
// turns grpc-js server calls into ExampleCalls for the behaviour in example-service.ts.
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import type { EventEmitter } from 'node:events';
import { ExampleFailure, PROTO_PATH, SERVICE_NAME } from './example-service.js';
import type { ExampleCall, ExampleImpl, ExampleRequest, MetadataMap, ReplyInit } from './example-service.js';

/** The example service as proto-loader defines it (keepCase, defaults: the shapes our schema uses). */
export function loadGrpcJsService(): grpc.ServiceDefinition {
  const definition = protoLoader.loadSync(PROTO_PATH, { keepCase: true, longs: String, enums: String, defaults: true });
  return definition[SERVICE_NAME] as grpc.ServiceDefinition;
}

export function toGrpcJsMetadata(map: MetadataMap = {}): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [key, values] of Object.entries(map)) for (const value of values) metadata.add(key, value);
  return metadata;
}

export function fromGrpcJsMetadata(metadata: grpc.Metadata): MetadataMap {
  return Object.fromEntries(Object.entries(metadata.toJSON()).map(([key, values]) => [key, [...values]]));
}

type SurfaceCall = grpc.ServerUnaryCall<ExampleRequest, ReplyInit> | grpc.ServerReadableStream<ExampleRequest, ReplyInit>
  | Writable;
type Writable = grpc.ServerWritableStream<ExampleRequest, ReplyInit> | grpc.ServerDuplexStream<ExampleRequest, ReplyInit>;

interface Adapted { call: ExampleCall; trailer(): grpc.Metadata }

function adapt(surface: SurfaceCall): Adapted {
  const controller = new AbortController();
  // grpc-js emits 'cancelled' for client cancels and deadlines, and also after any status is sent.
  if (surface.cancelled) controller.abort();
  else (surface as EventEmitter).once('cancelled', () => controller.abort());
  const deadline = surface.getDeadline();
  const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
  let trailer: MetadataMap = {};
  const call: ExampleCall = {
    metadata: fromGrpcJsMetadata(surface.metadata),
    signal: controller.signal,
    timeRemaining: deadlineMs - Date.now(),
    sendMetadata: (metadata) => surface.sendMetadata(toGrpcJsMetadata(metadata)),
    setTrailer: (metadata) => { trailer = metadata; },
  };
  return { call, trailer: () => toGrpcJsMetadata(trailer) };
}

function toServiceError(err: unknown): grpc.ServerErrorResponse {
  if (err instanceof ExampleFailure) {
    return Object.assign(new Error(err.message), { code: err.code, details: err.message, metadata: toGrpcJsMetadata(err.trailer) });
  }
  return err instanceof Error ? err : new Error(String(err));
}

async function writeAll(replies: AsyncIterable<ReplyInit>, stream: Writable, signal: AbortSignal): Promise<void> {
  for await (const reply of replies) {
    if (signal.aborted) return;
    if (!stream.write(reply)) {
      await new Promise<void>((resolve) => {
        const done = (): void => { stream.off('drain', done); signal.removeEventListener('abort', done); resolve(); };
        stream.once('drain', done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }
}

/** The request stream; the default async iterator would destroy a duplex (and its reply side) at the end. */
function requestsOf(call: grpc.ServerReadableStream<ExampleRequest, ReplyInit>
  | grpc.ServerDuplexStream<ExampleRequest, ReplyInit>): AsyncIterable<ExampleRequest> {
  return call.iterator({ destroyOnReturn: false });
}

function finishStream(stream: Writable, adapted: Adapted, work: Promise<void>): void {
  work.then(() => stream.end(adapted.trailer()), (err: unknown) => stream.emit('error', toServiceError(err)));
}

/** grpc-js handlers for every implemented method, checked against the definition's streaming flags. */
export function toGrpcJsHandlers(impl: ExampleImpl, service: grpc.ServiceDefinition): grpc.UntypedServiceImplementation {
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(impl)) {
    const definition = service[name];
    const kind = definition.requestStream
      ? (definition.responseStream ? 'bidi' : 'clientStream')
      : (definition.responseStream ? 'serverStream' : 'unary');
    if (kind !== method.kind) throw new Error(`${name}: the .proto says ${kind}, the service says ${method.kind}`);
    switch (method.kind) {
      case 'unary': {
        const handle: grpc.handleUnaryCall<ExampleRequest, ReplyInit> = (call, callback) => {
          const adapted = adapt(call);
          method.run(call.request, adapted.call).then(
            (reply) => callback(null, reply, adapted.trailer()), (err: unknown) => callback(toServiceError(err)));
        };
        handlers[name] = handle;
        break;
      }
      case 'clientStream': {
        const handle: grpc.handleClientStreamingCall<ExampleRequest, ReplyInit> = (call, callback) => {
          const adapted = adapt(call);
          method.run(requestsOf(call), adapted.call).then(
            (reply) => callback(null, reply, adapted.trailer()), (err: unknown) => callback(toServiceError(err)));
        };
        handlers[name] = handle;
        break;
      }
      case 'serverStream': {
        const handle: grpc.handleServerStreamingCall<ExampleRequest, ReplyInit> = (call) => {
          const adapted = adapt(call);
          finishStream(call, adapted, writeAll(method.run(call.request, adapted.call), call, adapted.call.signal));
        };
        handlers[name] = handle;
        break;
      }
      case 'bidi': {
        const handle: grpc.handleBidiStreamingCall<ExampleRequest, ReplyInit> = (call) => {
          const adapted = adapt(call);
          finishStream(call, adapted, writeAll(method.run(requestsOf(call), adapted.call), call, adapted.call.signal));
        };
        handlers[name] = handle;
        break;
      }
    }
  }
  return handlers;
}
