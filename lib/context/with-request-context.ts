// A handler wrapped to run in its call's GrpcRequestContext (GrpcServer's requestContext option): the handler
// itself, the request messages it receives and the answer it produces later all see the context.

import { isObservable, Observable } from 'rxjs';
import type { PropagationPolicy } from './propagation-policy.js';
import { GrpcRequestContext } from './request-context.js';
import type { ServedCall } from './request-context.js';

/** A served call as the wrapper reads it: ServedCall, and whether the method streams responses. */
export interface ContextCall extends ServedCall {
  readonly method: { readonly path: string; readonly responseStream: boolean };
}

/** A GrpcServer handler's shape, restated here so that lib/context does not import lib/server. */
export type ContextHandler<C extends ContextCall> = (request: never, call: C) => unknown;

/**
 * `handler`, run in a GrpcRequestContext built for each call under `policy`. Request
 * messages arrive from the connection's events, and the server subscribes to an Observable answer or pulls an
 * iterable one after the handler returned: both are rebound, so calls made there inherit the context too.
 */
export function withRequestContext<C extends ContextCall>(handler: ContextHandler<C>, policy: PropagationPolicy): ContextHandler<C> {
  return (request: unknown, call: C): unknown => {
    const scope = new GrpcRequestContext(call.method.path, call.metadata, policy, call);
    return runInScope(scope, request, call.method.responseStream, (input) => handler(input as never, call));
  };
}

/** Something that runs a function in an async context: a GrpcRequestContext, or a server interceptor's runHandler. */
export interface RunScope {
  run<T>(fn: () => T): T;
}

/**
 * Runs `handler` in `scope`, with the request stream it reads and the answer the server consumes after it returned
 * (an Observable subscribed to, an iterable pulled) bound to the same scope.
 */
export function runInScope(scope: RunScope, request: unknown, responseStream: boolean, handler: (request: unknown) => unknown): unknown {
  const input = isObservable(request) ? bindToContext(request, scope) : request;
  const answer = scope.run(() => handler(input));
  return isPromise(answer)
    ? answer.then((value) => bindAnswer(value, scope, responseStream))
    : bindAnswer(answer, scope, responseStream);
}

/**
 * The same stream, each notification delivered with `scope` current. A request stream that can also be pulled
 * (`for await`) stays pullable, its steps run in `scope` too.
 */
export function bindToContext<T>(source: Observable<T>, scope: RunScope): Observable<T> {
  const bound = new Observable<T>((subscriber) => source.subscribe({
    next: (value) => scope.run(() => subscriber.next(value)),
    error: (err: unknown) => scope.run(() => subscriber.error(err)),
    complete: () => scope.run(() => subscriber.complete()),
  }));
  if (Symbol.asyncIterator in source) {
    const pullable = source as Observable<T> & AsyncIterable<T>;
    Object.defineProperty(bound, Symbol.asyncIterator, { value: () => bindIterator(pullable[Symbol.asyncIterator](), scope) });
  }
  return bound;
}

// Only what the server consumes after the handler returned: an Observable it subscribes to, an iterable it pulls
// (an async one for any method, a sync one only as a response stream; a unary answer is the message itself).
function bindAnswer(answer: unknown, scope: RunScope, responseStream: boolean): unknown {
  if (isObservable(answer)) return new Observable((subscriber) => scope.run(() => answer.subscribe(subscriber)));
  if (typeof answer !== 'object' || answer === null) return answer;
  if (Symbol.asyncIterator in answer) return { [Symbol.asyncIterator]: () => bindIterator((answer as AsyncIterable<unknown>)[Symbol.asyncIterator](), scope) };
  if (responseStream && Symbol.iterator in answer && !ArrayBuffer.isView(answer)) {
    return { [Symbol.iterator]: () => bindIterator((answer as Iterable<unknown>)[Symbol.iterator](), scope) };
  }
  return answer;
}

/** Each step of a generator runs its body up to the next yield: run them in the context. */
function bindIterator<I extends Iterator<unknown> | AsyncIterator<unknown>>(iterator: I, scope: RunScope): I {
  const bound = {} as Record<'next' | 'return' | 'throw', unknown>;
  for (const step of ['next', 'return', 'throw'] as const) {
    const original = iterator[step] as ((...args: unknown[]) => unknown) | undefined;
    if (original !== undefined) bound[step] = (...args: unknown[]) => scope.run(() => original.apply(iterator, args));
  }
  return bound as I;
}

function isPromise(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}
