// Turns a bound Nest handler into an engine ServerHandler, giving it the arguments its decorator promises.
import { isObservable } from 'rxjs';
import type { Observable } from 'rxjs';
import type { CallContext, ServerHandler } from '../server/call-context.js';
import { CompatDuplexCall, CompatServerCall } from './compat.js';
import type { BoundHandler } from './handler-binding.js';

/** The engine handler for one bound Nest handler. */
export function adaptHandler(bound: BoundHandler): ServerHandler {
  const { handler, style } = bound;
  switch (style) {
    case 'native':
      return (request: unknown, context: CallContext) => handler(request, context);
    case 'unary':
    case 'rx':
      return (request: unknown, context: CallContext) =>
        handler(request, context.metadata, new CompatServerCall(style === 'unary' ? request : undefined, context));
    case 'passthrough':
      return bound.method.responseStream ? passthroughStream(bound) : passthroughUnary(bound);
  }
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
    const callback = (err: unknown, value?: unknown): void => (err === null || err === undefined ? resolve(value) : reject(err));
    surfaceFailure(bound.handler(call, callback), reject);
  });
}

/** Nest's RPC proxy reports a failure as a rejected promise or an Observable that errors. */
function surfaceFailure(result: unknown, fail: (err: unknown) => void): void {
  Promise.resolve(result).then((value) => {
    if (isObservable(value)) value.subscribe({ error: fail });
  }, fail);
}
