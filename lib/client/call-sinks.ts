// The two CallSinks the client adds between a call and its caller: one that delivers in the subscriber's own async
// context, and one that settles the promise of a unary response (callForResponse) without an Observable.
import { AsyncResource } from 'node:async_hooks';
import type { CallSink } from './client-call.js';

/**
 * Response events run in the context of whoever opened the shared HTTP/2 session, often another served call: a
 * call made while serving delivers its results in its subscriber's own async context, so nothing downstream reads
 * a foreign one.
 */
export class ScopedSink<Res> implements CallSink<Res> {
  private readonly scope = new AsyncResource('GrpcClientCall');

  constructor(private readonly sink: CallSink<Res>) {}

  next(value: Res): void {
    this.scope.runInAsyncScope(this.sink.next, this.sink, value);
  }

  error(err: unknown): void {
    this.scope.runInAsyncScope(this.sink.error, this.sink, err);
  }

  complete(): void {
    this.scope.runInAsyncScope(this.sink.complete, this.sink);
  }
}

/** A unary response delivered to a promise: ClientCall always sends next() before complete() on OK. */
export class ResponseSink<Res> implements CallSink<Res> {
  private response: Res | undefined;

  constructor(private readonly resolve: (value: Res) => void, readonly error: (err: unknown) => void) {}

  next(value: Res): void {
    this.response = value;
  }

  complete(): void {
    this.resolve(this.response as Res);
  }
}
