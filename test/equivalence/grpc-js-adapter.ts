// grpc-js glue: the example service definition, metadata conversion, and a handler adapter that
// turns grpc-js server calls into ExampleCalls for the behaviour in example-service.ts.
import grpc from '@grpc/grpc-js';
import type { EventEmitter } from 'node:events';
import { ExampleFailure, OutOfTokens, outOfTokensStatus } from './example-failures.js';
import type { RichStatus } from './example-failures.js';
import type { ExampleCall, ExampleImpl, ExampleRequest, MetadataMap, ReplyInit } from './example-service.js';
import { GRPC_IO_LOADER, grpcJsService } from './loader-variants.js';
import type { LoaderVariant } from './loader-variants.js';
import { referenceEncodeStatus } from './rpc-status-reference.js';

/** The example service as proto-loader defines it; by default with grpc.io's options, the shapes our schema uses. */
export function loadGrpcJsService(loader: LoaderVariant = GRPC_IO_LOADER): grpc.ServiceDefinition {
  return grpcJsService(loader);
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

/** `failure()`: the status set through the call, as the error grpc-js sends; undefined when none was set. */
interface Adapted { call: ExampleCall; trailer(): grpc.Metadata; failure(): grpc.ServerErrorResponse | undefined }

function adapt(surface: SurfaceCall): Adapted {
  const controller = new AbortController();
  // grpc-js emits 'cancelled' for client cancels and deadlines, and also after any status is sent.
  if (surface.cancelled) controller.abort();
  else (surface as EventEmitter).once('cancelled', () => controller.abort());
  const deadline = surface.getDeadline();
  const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
  let trailer: MetadataMap = {};
  let status: RichStatus | undefined;
  const call: ExampleCall = {
    metadata: fromGrpcJsMetadata(surface.metadata),
    signal: controller.signal,
    timeRemaining: deadlineMs - Date.now(),
    sendMetadata: (metadata) => surface.sendMetadata(toGrpcJsMetadata(metadata)),
    setTrailer: (metadata) => { trailer = metadata; },
    setStatus: (code, message, details) => { status = { code, message, details }; },
  };
  // grpc-js has no context status: a handler that wants one ends the call with an error instead.
  const failure = (): grpc.ServerErrorResponse | undefined => (status === undefined ? undefined : serviceError(status, trailer));
  return { call, trailer: () => toGrpcJsMetadata(trailer), failure };
}

/** A grpc-js status error; rich details go in grpc-status-details-bin, encoded as grpc-js users do (protobufjs). */
function serviceError(status: RichStatus, trailer: MetadataMap): grpc.ServerErrorResponse {
  const metadata = toGrpcJsMetadata(trailer);
  if (status.details.length > 0) {
    metadata.set('grpc-status-details-bin', referenceEncodeStatus(status.code, status.message, status.details));
  }
  return Object.assign(new Error(status.message), { code: status.code, details: status.message, metadata });
}

function toServiceError(err: unknown): grpc.ServerErrorResponse {
  if (err instanceof ExampleFailure) return serviceError(err, err.trailer);
  // The 'registered mapping' scenario: grpc-js has no registry, so the adapter maps as a user's code would.
  if (err instanceof OutOfTokens) return serviceError(outOfTokensStatus(err), {});
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
  work.then(() => {
    const failure = adapted.failure();
    if (failure === undefined) stream.end(adapted.trailer());
    else stream.emit('error', failure);
  }, (err: unknown) => stream.emit('error', toServiceError(err)));
}

/** The unary callback: the reply, the status set through the call, or the thrown error's status. */
function answerUnary(adapted: Adapted, work: Promise<ReplyInit>, callback: grpc.sendUnaryData<ReplyInit>): void {
  work.then((reply) => {
    const failure = adapted.failure();
    if (failure === undefined) callback(null, reply, adapted.trailer());
    else callback(failure);
  }, (err: unknown) => callback(toServiceError(err)));
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
          answerUnary(adapted, method.run(call.request, adapted.call), callback);
        };
        handlers[name] = handle;
        break;
      }
      case 'clientStream': {
        const handle: grpc.handleClientStreamingCall<ExampleRequest, ReplyInit> = (call, callback) => {
          const adapted = adapt(call);
          answerUnary(adapted, method.run(requestsOf(call), adapted.call), callback);
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
