// Our GrpcServer glue: the example service's descriptors, metadata conversion, and handlers that turn a
// CallContext (and a request Observable) into the ExampleCall the behaviour in example-service.ts expects.
import type { Observable } from 'rxjs';
import { encodeRpcStatus, GrpcError, loadProtos, Metadata, packDetail, registerErrorHandler } from '../../lib/index.js';
import type { CallContext, ProtoAny, ServerHandler, ServiceDescriptor, StandardDetailName } from '../../lib/index.js';
import { ExampleFailure, OutOfTokens, outOfTokensStatus } from './example-failures.js';
import type { DetailSpec } from './rpc-status-reference.js';
import { PROTO_PATH, SERVICE_NAME } from './example-service.js';
import type { ExampleCall, ExampleMethod, ExampleRequest, MetadataMap, ReplyInit } from './example-service.js';

/** The example service as our schema loader describes it. */
export function loadOurService(): ServiceDescriptor {
  return loadProtos(PROTO_PATH).service(SERVICE_NAME);
}

export function fromOurMetadata(metadata: Metadata): MetadataMap {
  const map: MetadataMap = {};
  for (const [key, value] of metadata.entries()) (map[key] ??= []).push(value);
  return map;
}

/** Details packed with the library's helpers. */
function packAll(details: readonly DetailSpec[]): ProtoAny[] {
  return details.map((detail) => packDetail(detail.type as StandardDetailName, detail.value));
}

// The 'registered mapping' scenario: registered once, applied by the engine (and GrpcExceptionFilter under Nest).
registerErrorHandler(OutOfTokens, (error) => {
  const status = outOfTokensStatus(error);
  return new GrpcError(status.code, status.message, { details: packAll(status.details) });
});

function adapt(context: CallContext): ExampleCall {
  return {
    metadata: fromOurMetadata(context.metadata),
    signal: context.signal,
    timeRemaining: context.timeRemaining(),
    sendMetadata: (metadata) => context.sendMetadata(metadata),
    setTrailer: (metadata) => context.setTrailingMetadata(metadata),
    setStatus: (code, message, details) => {
      context.setCode(code);
      context.setMessage(message);
      // As a grpc (Python) handler does: the encoded google.rpc.Status as trailing metadata.
      const bytes = encodeRpcStatus({ code, message, details: packAll(details) });
      if (details.length > 0) context.setTrailingMetadata({ 'grpc-status-details-bin': bytes });
    },
  };
}

function toOurError(err: unknown): unknown {
  if (!(err instanceof ExampleFailure)) return err;
  const details = err.details.length > 0 ? packAll(err.details) : undefined;
  return new GrpcError(err.code, err.message, { metadata: new Metadata(err.trailer), details });
}

async function* mapErrors(replies: AsyncIterable<ReplyInit>): AsyncIterable<ReplyInit> {
  try {
    yield* replies;
  } catch (err) {
    throw toOurError(err);
  }
}

/** Pulls an Observable as an async iterable: subscribes on the first pull, buffers what arrives early. */
async function* pull<T>(source: Observable<T>): AsyncIterable<T> {
  const buffered: T[] = [];
  let ended: { error?: unknown } | undefined;
  let wake: (() => void) | undefined;
  const subscription = source.subscribe({
    next: (value) => { buffered.push(value); wake?.(); },
    error: (error: unknown) => { ended = { error }; wake?.(); },
    complete: () => { ended = {}; wake?.(); },
  });
  try {
    for (;;) {
      const next = buffered.shift();
      if (next !== undefined) yield next;
      else if (ended) {
        if ('error' in ended) throw ended.error;
        return;
      } else await new Promise<void>((resolve) => { wake = resolve; });
    }
  } finally {
    subscription.unsubscribe();
  }
}

/** A handler for our GrpcServer running one example method. */
export function toOurHandler(method: ExampleMethod): ServerHandler {
  switch (method.kind) {
    case 'unary':
      return (request: ExampleRequest, context: CallContext) =>
        method.run(request, adapt(context)).catch((err: unknown) => { throw toOurError(err); });
    case 'serverStream':
      return (request: ExampleRequest, context: CallContext) => mapErrors(method.run(request, adapt(context)));
    case 'clientStream':
      return (requests: Observable<ExampleRequest>, context: CallContext) =>
        method.run(pull(requests), adapt(context)).catch((err: unknown) => { throw toOurError(err); });
    case 'bidi':
      return (requests: Observable<ExampleRequest>, context: CallContext) =>
        mapErrors(method.run(pull(requests), adapt(context)));
  }
}
