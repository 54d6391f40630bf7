// The four call shapes: request messages in, the handler's answer (value, Promise, Observable,
// async iterable or iterable) out, with HTTP/2 flow control pacing what iterables produce.
import { isObservable } from 'rxjs';
import type { Observable } from 'rxjs';
import type { EncodingName } from '../protocol/compression.js';
import { GrpcError } from '../protocol/grpc-error.js';
import { Status } from '../protocol/status.js';
import { isAsyncIterable, isIterable } from '../streams/iterables.js';
import type { CallContext } from './call-context.js';
import { grpcErrorOf } from './error-registry.js';
import type { ErrorDetailOptions } from './error-registry.js';
import { ServerRequestStream } from './request-stream.js';
import type { Route } from './router.js';
import type { RequestReceiver } from './request-reader.js';
import type { ServerCall } from './server-call.js';

/**
 * Reads the call's request(s), runs the route's handler and sends its answer; what the handler throws
 * becomes a status by grpcErrorOf with the server's `errors` options.
 */
export function dispatch(call: ServerCall, route: Route, context: CallContext, errors: ErrorDetailOptions = {}): void {
  if (route.method.requestStream) {
    invoke(call, route, new ServerRequestStream<unknown>(call), context, errors);
  } else {
    call.readRequests(new UnaryReceiver(call, route, context, errors));
  }
}

/** Collects exactly one request message and starts the handler at half-close. */
class UnaryReceiver implements RequestReceiver {
  #count = 0;
  #request: unknown;
  constructor(private readonly call: ServerCall, private readonly route: Route, private readonly context: CallContext,
    private readonly errors: ErrorDetailOptions) {}
  message(value: unknown): undefined | GrpcError {
    if (++this.#count > 1) return new GrpcError(Status.UNIMPLEMENTED, 'Received a second request message for a unary request');
    this.#request = value;
    return undefined;
  }
  end(): undefined | GrpcError {
    if (this.#count === 0) return new GrpcError(Status.UNIMPLEMENTED, 'Received no request message for a unary request');
    invoke(this.call, this.route, this.#request, this.context, this.errors);
    return undefined;
  }
  // A unary handler has not started before half-close: nothing to stop.
  cancelled(): void {}
  failed(): void {}
}

function invoke(call: ServerCall, route: Route, request: unknown, context: CallContext, errors: ErrorDetailOptions): void {
  let result: unknown;
  try {
    result = route.handler(request as never, context);
  } catch (err) {
    fail(call, err, errors);
    return;
  }
  if (isPromiseLike(result)) {
    result.then((value) => answer(call, value, errors), (err: unknown) => fail(call, err, errors));
  } else {
    answer(call, result, errors);
  }
}

function answer(call: ServerCall, result: unknown, errors: ErrorDetailOptions): void {
  if (call.closed) return;
  if (call.method.responseStream) sendStream(call, result, errors);
  else sendSingle(call, result, errors);
}

/** A unary response: the value itself, or the last value an Observable or async iterable produces. */
function sendSingle(call: ServerCall, result: unknown, errors: ErrorDetailOptions): void {
  if (isObservable(result)) {
    let last: unknown;
    let received = false;
    const subscription = result.subscribe({
      next: (value) => { last = value; received = true; },
      error: (err: unknown) => fail(call, err, errors),
      complete: () => (received ? call.finishWith(last) : fail(call, noResponse(), errors)),
    });
    call.signal.addEventListener('abort', () => subscription.unsubscribe(), { once: true });
  } else if (isAsyncIterable(result)) {
    void lastOf(result).then(
      (outcome) => (outcome.received ? call.finishWith(outcome.last) : fail(call, noResponse(), errors)),
      (err: unknown) => fail(call, err, errors));
  } else {
    call.finishWith(result);
  }
}

function sendStream(call: ServerCall, result: unknown, errors: ErrorDetailOptions): void {
  if (isObservable(result)) {
    sendObservable(call, result, errors);
  } else if (isAsyncIterable(result)) {
    void pumpAsync(call, result[Symbol.asyncIterator](), errors);
  } else if (isIterable(result)) {
    void pumpSync(call, result[Symbol.iterator](), errors);
  } else {
    if (result !== undefined && result !== null) call.write(result);
    call.finish();
  }
}

/**
 * Observables have no backpressure. What one emits while the stream has no room waits here as the values it made,
 * and is serialized only as the stream drains, as Transport.GRPC writes Observables: a burst (a 64 MiB download
 * from `from(chunks)`) then holds no serialized copy of itself, which cost 4x the CPU of an iterable answer. Each
 * waiting value keeps the compression the handler had chosen when it was emitted, as it would have gone out with had
 * the stream had room. The end, or the error, goes out after the values that came before it.
 */
function sendObservable(call: ServerCall, source: Observable<unknown>, errors: ErrorDetailOptions): void {
  let waiting: unknown[] = [];
  let next = 0;
  let blocked = false;
  let ending: (() => void) | undefined;
  // The compression of the waiting values: the one the next to go was emitted under (`headUnder`), and where the
  // handler changed it (index -> encoding). Without changes, a waiting value costs one comparison.
  let headUnder: EncodingName = 'identity';
  let tailUnder: EncodingName = 'identity';
  let changes: Map<number, EncodingName> | undefined;
  const wait = (): void => {
    blocked = true;
    void call.drained().then(flush);
  };
  const hold = (value: unknown): void => {
    const under = call.responseCompression;
    if (next === waiting.length) headUnder = tailUnder = under;
    else if (under !== tailUnder) (changes ??= new Map()).set(waiting.length, tailUnder = under);
    waiting.push(value);
  };
  const flush = (): void => {
    blocked = false;
    const latest = call.responseCompression;
    let under = latest;
    const use = (encoding: EncodingName): void => {
      if (encoding !== under) call.setResponseCompression(under = encoding);
    };
    use(headUnder);
    while (next < waiting.length) {
      if (call.closed) return;
      const change = changes?.get(next);
      if (change !== undefined) use(headUnder = change);
      const value = waiting[next];
      waiting[next++] = undefined;
      if (!call.write(value)) {
        use(latest);
        return wait();
      }
    }
    // The handler's latest choice is in force again for what it emits next.
    use(latest);
    waiting = [];
    next = 0;
    changes = undefined;
    if (!call.closed) ending?.();
  };
  const subscription = source.subscribe({
    next: (value) => {
      if (blocked) hold(value);
      else if (!call.write(value) && !call.closed) wait();
    },
    error: (err: unknown) => {
      ending = () => fail(call, err, errors);
      if (!blocked) ending();
    },
    complete: () => {
      ending = () => call.finish();
      if (!blocked) ending();
    },
  });
  call.signal.addEventListener('abort', () => subscription.unsubscribe(), { once: true });
}

/** Pulls the next value only when HTTP/2 flow control has room for it. */
async function pumpAsync(call: ServerCall, iterator: AsyncIterator<unknown>, errors: ErrorDetailOptions): Promise<void> {
  try {
    while (!call.closed) {
      const next = await iterator.next();
      if (next.done === true) {
        call.finish();
        return;
      }
      if (!call.write(next.value)) await call.drained();
    }
    // Cancelled or failed mid-stream: let the generator run its finally blocks.
    await iterator.return?.();
  } catch (err) {
    fail(call, err, errors);
  }
}

async function pumpSync(call: ServerCall, iterator: Iterator<unknown>, errors: ErrorDetailOptions): Promise<void> {
  try {
    while (!call.closed) {
      const next = iterator.next();
      if (next.done === true) {
        call.finish();
        return;
      }
      if (!call.write(next.value)) await call.drained();
    }
    iterator.return?.();
  } catch (err) {
    fail(call, err, errors);
  }
}

async function lastOf(iterable: AsyncIterable<unknown>): Promise<{ received: boolean; last: unknown }> {
  let received = false;
  let last: unknown;
  for await (const value of iterable) {
    received = true;
    last = value;
  }
  return { received, last };
}

/** Ends the call with the error's status (grpcErrorOf); messages already written are delivered first. */
function fail(call: ServerCall, err: unknown, errors: ErrorDetailOptions): void {
  if (call.closed) return;
  call.fail(grpcErrorOf(err, errors));
}

function noResponse(): GrpcError {
  return new GrpcError(Status.INTERNAL, 'The handler completed without a response message');
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

