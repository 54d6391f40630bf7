// What a request-streaming handler reads: an Observable (push, as Nest's @GrpcStreamMethod gives) that is also an
// async iterable (pull, as a grpc-js call is). Pulling reads HTTP/2 only as fast as the handler takes messages, so
// HTTP/2 flow control holds a fast client back; subscribing takes every message as it arrives, unbounded.
import { Observable } from 'rxjs';
import type { Subscriber } from 'rxjs';
import type { GrpcError } from '../protocol/grpc-error.js';
import type { RequestReceiver } from './request-reader.js';

/** The part of a ServerCall a request stream drives. */
export interface RequestSource {
  /** Starts reading request frames into `receiver`; once per call. */
  readRequests(receiver: RequestReceiver): void;
  /** Stops / restarts reading the HTTP/2 stream (so the client's flow-control window closes / opens). */
  pauseRequests(): void;
  resumeRequests(): void;
}

/**
 * Messages decoded but not yet pulled before reading stops: as a Node object-mode Readable (a grpc-js call)
 * buffers, so memory stays near this many messages plus the flow-control windows.
 */
export const PULL_HIGH_WATER = 16;

/**
 * A call's request messages, read once, either way: `subscribe` (push: every message as it arrives, however slow the
 * handler) or `for await` (pull: at most PULL_HIGH_WATER messages ahead of the handler).
 */
export class ServerRequestStream<T> extends Observable<T> implements AsyncIterable<T> {
  readonly #source: RequestSource;

  constructor(source: RequestSource) {
    // Unicast and lazy: frames are read only once the handler subscribes or pulls, so until then
    // HTTP/2 flow control holds the client back instead of a buffer growing here.
    super((subscriber) => source.readRequests(new PushReceiver(subscriber)));
    this.#source = source;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    const receiver = new PullReceiver<T>(this.#source);
    this.#source.readRequests(receiver);
    return receiver;
  }
}

/** Hands request messages to the Observable's subscriber as they arrive. */
class PushReceiver implements RequestReceiver {
  constructor(private readonly subscriber: Subscriber<unknown>) {}
  message(value: unknown): undefined {
    this.subscriber.next(value);
    return undefined;
  }
  end(): undefined {
    this.subscriber.complete();
    return undefined;
  }
  cancelled(): void {
    this.subscriber.complete();
  }
  failed(error: GrpcError): void {
    this.subscriber.error(error);
  }
}

type Waiter<T> = { resolve(result: IteratorResult<T>): void; reject(error: unknown): void };

// 'reading': messages may come. 'ended': every message arrived, the call was cancelled, or the handler stopped
// pulling. 'failed': the request stream could not be read.
type PullState = { kind: 'reading' } | { kind: 'ended' } | { kind: 'failed'; error: GrpcError };

const READING: PullState = { kind: 'reading' };
const ENDED: PullState = { kind: 'ended' };
const DONE: IteratorResult<never> = Object.freeze({ done: true, value: undefined });

/** Queues what arrived ahead of the handler's pulls; stops reading the stream while the queue is full. */
class PullReceiver<T> implements RequestReceiver, AsyncIterator<T> {
  readonly #queue: T[] = [];
  #waiter: Waiter<T> | undefined;
  #state: PullState = READING;
  #paused = false;

  constructor(private readonly source: RequestSource) {}

  message(value: unknown): undefined {
    if (this.#state !== READING) return undefined;
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.resolve({ done: false, value: value as T });
    } else if (this.#queue.push(value as T) >= PULL_HIGH_WATER && !this.#paused) {
      this.#paused = true;
      this.source.pauseRequests();
    }
    return undefined;
  }

  end(): undefined {
    this.#settle(ENDED, false);
    return undefined;
  }

  // The call is over: what was not pulled yet will not be answered.
  cancelled(): void {
    this.#settle(ENDED, true);
  }

  failed(error: GrpcError): void {
    this.#settle({ kind: 'failed', error }, true);
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#queue.length > 0) {
      const value = this.#queue.shift() as T;
      if (this.#paused && this.#queue.length < PULL_HIGH_WATER / 2) {
        this.#paused = false;
        this.source.resumeRequests();
      }
      return Promise.resolve({ done: false, value });
    }
    const state = this.#state;
    if (state.kind === 'ended') return Promise.resolve(DONE);
    if (state.kind === 'failed') return Promise.reject(state.error);
    return new Promise((resolve, reject) => { this.#waiter = { resolve, reject }; });
  }

  /**
   * The handler left its loop early: the rest is not wanted. Reading stays stopped, so the client is held by flow
   * control until the call ends (its status then asks the client to stop sending).
   */
  return(): Promise<IteratorResult<T>> {
    this.#queue.length = 0;
    this.#state = ENDED;
    if (!this.#paused) {
      this.#paused = true;
      this.source.pauseRequests();
    }
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this;
  }

  #settle(state: PullState, discard: boolean): void {
    if (this.#state !== READING) return;
    this.#state = state;
    if (discard) this.#queue.length = 0;
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    this.#waiter = undefined;
    if (state.kind === 'failed') waiter.reject(state.error);
    else waiter.resolve(DONE);
  }
}
