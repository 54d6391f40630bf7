// Turns a bound Nest handler into an engine ServerHandler, giving it the arguments its decorator promises.
import { isObservable, map } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcError } from '../../protocol/grpc-error.js';
import { isStatus, Status } from '../../protocol/status.js';
import type { CallContext, ServerHandler } from '../../server/call-context.js';
import { takesNoValue } from '../../schema/descriptors.js';
import { CompatDuplexCall, CompatServerCall } from '../../server/grpc-js-calls.js';
import { expandAnswers } from './expand-answers.js';
import type { BoundHandler } from './handler-binding.js';

/** The engine handler for one bound Nest handler. */
export function adaptHandler(bound: BoundHandler): ServerHandler {
  const { handler, style } = bound;
  switch (style) {
    case 'native':
      return (request: unknown, context: CallContext) => settle(handler(request, context));
    case 'unary':
    case 'rx': {
      const answer = bound.method.responseStream || takesNoValue(bound.method) ? settle : settleSingle;
      return (request: unknown, context: CallContext) =>
        answer(handler(request, context.metadata, new CompatServerCall(style === 'unary' ? request : undefined, context)));
    }
    case 'passthrough':
      return bound.method.responseStream ? passthroughStream(bound) : passthroughUnary(bound);
  }
}

const NO_MESSAGE = 'Error serializing response';

/**
 * Transport.GRPC hands a unary handler's undefined (a "not found" path that forgot to throw) to grpc-js, which
 * fails to serialize it: INTERNAL 'Error serializing response'. Answer the same, never an empty success; except
 * for a response type without fields (google.protobuf.Empty), which proto-loader serializes from nothing.
 */
function settleSingle(answer: unknown): Promise<unknown> {
  // One promise hop per call, as settle: the check rides on its callbacks rather than a second then().
  return Promise.resolve(answer).then(
    (value) => (isObservable(value) ? expandAnswers(value, fromNestPayload).pipe(map(requireMessage)) : requireMessage(value)),
    (err: unknown) => { throw fromNestPayload(err); });
}

function requireMessage(value: unknown): unknown {
  if (value === undefined || value === null) throw new GrpcError(Status.INTERNAL, NO_MESSAGE);
  return value;
}

/** @GrpcStreamCall with a streamed response: what the handler writes to the duplex is the response. */
function passthroughStream(bound: BoundHandler): ServerHandler {
  return (requests: unknown, context: CallContext) => {
    const call = new CompatDuplexCall(requests as Observable<unknown>, context);
    surfaceFailure(bound.handler(call), (err) => call.fail(err));
    return call.responses;
  };
}

/** @GrpcStreamCall with a unary response: the handler answers through grpc-js's callback(err, value). */
function passthroughUnary(bound: BoundHandler): ServerHandler {
  return (requests: unknown, context: CallContext) => new Promise((resolve, reject) => {
    const call = new CompatDuplexCall(requests as Observable<unknown>, context);
    const callback = (err: unknown, value?: unknown): void => {
      if (err !== null && err !== undefined) reject(err);
      else if ((value === undefined || value === null) && !takesNoValue(bound.method)) reject(new GrpcError(Status.INTERNAL, NO_MESSAGE));
      else resolve(value);
    };
    surfaceFailure(bound.handler(call, callback), reject);
  });
}

/**
 * What Nest's RPC proxy resolves to, made ready for the engine. With an interceptor, Nest wraps the
 * handler's answer in an Observable of one value: an async iterable or array answer arrives as that one
 * value and is expanded here (a message is never iterable). Nest's default exception filter fails with
 * `{ status: 'error', message }`: that becomes UNKNOWN with the message as is, as Transport.GRPC sends it.
 */
function settle(answer: unknown): Promise<unknown> {
  return Promise.resolve(answer).then(
    (value) => (isObservable(value) ? expandAnswers(value, fromNestPayload) : value),
    (err: unknown) => { throw fromNestPayload(err); });
}

function fromNestPayload(err: unknown): unknown {
  if (typeof err !== 'object' || err === null || err instanceof Error) return err;
  const { status, message, code } = err as { status?: unknown; message?: unknown; code?: unknown };
  if (status === 'error' && typeof message === 'string' && !isStatus(code)) return new GrpcError(Status.UNKNOWN, message, { cause: err });
  return err;
}

/** Nest's RPC proxy reports a failure as a rejected promise or an Observable that errors. */
function surfaceFailure(result: unknown, fail: (err: unknown) => void): void {
  Promise.resolve(result).then((value) => {
    if (isObservable(value)) value.subscribe({ error: fail });
  }, fail);
}
