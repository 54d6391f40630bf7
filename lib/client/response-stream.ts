// The pull form of a call's responses: an async iterator that reads from HTTP/2 only as fast as the caller pulls,
// the counterpart of grpc-js's ClientReadableStream (a Node Readable) under `for await`.

import type { CallSink } from './client-call.js';

/** What the iterator needs of its call: pausing reads, and cancelling. */
export interface PausableCall {
  pauseResponses(): void;
  resumeResponses(): void;
  /** Cancels the call (RST_STREAM CANCEL) unless it has ended. */
  unsubscribe(): void;
}

/**
 * Undelivered messages held before the stream is paused; Node's own object-mode Readable holds 16, as grpc-js's
 * stream does. What the server sends beyond them waits in the HTTP/2 windows, then at the server.
 */
const HIGH_WATER_MARK = 16;
const LOW_WATER_MARK = HIGH_WATER_MARK / 2;

type Outcome = { readonly kind: 'running' } | { readonly kind: 'completed' } | { readonly kind: 'failed'; readonly error: unknown };

const RUNNING: Outcome = { kind: 'running' };
const COMPLETED: Outcome = { kind: 'completed' };
const DONE_RESULT: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

interface Pending<Res> {
  resolve(result: IteratorResult<Res, undefined>): void;
  reject(err: unknown): void;
}

/**
 * A call's responses, pulled: the call starts at the first next(); breaking out of `for await` (return()) cancels
 * it; its failure is the GrpcError the next pull rejects with. Iterable once, as a grpc-js stream is.
 */
export class ResponseStream<Res> implements AsyncIterableIterator<Res, undefined> {
  private readonly queue: Res[] = [];
  private outcome: Outcome = RUNNING;
  private call: PausableCall | undefined;
  private started = false;
  private paused = false;
  private pending: Pending<Res> | undefined;

  /** `start` begins the call, delivering into the given sink; it may throw (bad options), which fails the stream. */
  constructor(private readonly start: (sink: CallSink<Res>) => PausableCall) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Res, undefined>> {
    if (!this.started) this.begin();
    if (this.queue.length > 0) {
      const value = this.queue.shift() as Res;
      if (this.paused && this.queue.length <= LOW_WATER_MARK) {
        this.paused = false;
        this.call?.resumeResponses();
      }
      return Promise.resolve({ done: false, value });
    }
    const outcome = this.outcome;
    if (outcome.kind === 'failed') {
      // Reported once; the iterator is finished after it, as an async generator's is.
      this.outcome = COMPLETED;
      return Promise.reject(outcome.error);
    }
    if (outcome.kind === 'completed') return Promise.resolve(DONE_RESULT);
    return new Promise((resolve, reject) => { this.pending = { resolve, reject }; });
  }

  /** Leaving the loop early: the call is cancelled and its undelivered messages dropped. */
  return(): Promise<IteratorResult<Res, undefined>> {
    this.started = true;
    this.queue.length = 0;
    if (this.outcome.kind === 'running') {
      this.outcome = COMPLETED;
      this.call?.unsubscribe();
    } else {
      this.outcome = COMPLETED;
    }
    this.settle(DONE_RESULT);
    return Promise.resolve(DONE_RESULT);
  }

  private push(value: Res): void {
    const pending = this.pending;
    if (pending !== undefined) {
      this.pending = undefined;
      pending.resolve({ done: false, value });
      return;
    }
    this.queue.push(value);
    if (!this.paused && this.queue.length >= HIGH_WATER_MARK) {
      this.paused = true;
      this.call?.pauseResponses();
    }
  }

  private end(): void {
    if (this.outcome.kind !== 'running') return;
    this.outcome = COMPLETED;
    this.settle(DONE_RESULT);
  }

  /** Queued messages are still delivered first. */
  private fail(err: unknown): void {
    if (this.outcome.kind !== 'running') return;
    const pending = this.pending;
    if (pending !== undefined) {
      this.pending = undefined;
      this.outcome = COMPLETED;
      pending.reject(err);
      return;
    }
    this.outcome = { kind: 'failed', error: err };
  }

  private begin(): void {
    this.started = true;
    // The iterator's own next() is the caller's pull, so the call delivers into a sink of its own.
    const sink: CallSink<Res> = { next: (value) => this.push(value), error: (err) => this.fail(err), complete: () => this.end() };
    try {
      this.call = this.start(sink);
    } catch (err) {
      this.fail(err);
    }
  }

  private settle(result: IteratorReturnResult<undefined>): void {
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    pending.resolve(result);
  }
}
