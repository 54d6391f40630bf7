// The request messages of a retried or hedged client- or bidi-streaming call (gRFC A6 "Memory Management
// (Buffering)"): the caller's source is read once and its messages kept until the call commits, so that each
// attempt replays what earlier ones sent and then follows; past the retry buffers the call must commit, as grpc-js.

import { isObservable } from 'rxjs';
import type { Observable, Subscription } from 'rxjs';
import type { MethodDescriptor } from '../../schema/descriptors.js';
import { isAsyncIterable, isIterable } from '../../streams/iterables.js';
import type { RequestStream } from '../request-writer.js';
import { requestSize } from './method-policy.js';
import type { RetryBuffer } from './retry-throttle.js';

/** What the retrying call learns from the request side. */
export interface ReplayOwner {
  /** A message did not fit the retry buffers: the call commits now, nothing will be replayed. */
  onOverflow(): void;
  /** The caller's request stream failed. */
  onSourceError(err: unknown): void;
}

/**
 * Reading the caller's source: not yet (it is read at the first attempt's first pull, as an unretried call reads it
 * when its stream opens), pulled one message at a time, subscribed, or over.
 */
type Source<Req> =
  | { readonly kind: 'unread'; readonly stream: Req | RequestStream<Req> }
  | { readonly kind: 'pulled'; readonly iterator: Iterator<Req> | AsyncIterator<Req>; pulling: boolean }
  | { readonly kind: 'subscribed'; subscription: Subscription | undefined }
  | { readonly kind: 'ended' }
  | { readonly kind: 'stopped' };

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** One attempt's request stream: what the call's earlier attempts sent, then the caller's messages as they come. */
export class ReplayView<Req> implements AsyncIterableIterator<Req, undefined> {
  /** Index of the next message this attempt sends; the number it has sent. */
  sent: number;
  waiting: ((result: IteratorResult<Req, undefined>) => void) | undefined;
  detached = false;

  constructor(private readonly replay: RequestReplay<Req>, start: number) {
    this.sent = start;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Pulled by the attempt's RequestWriter only while its HTTP/2 stream is writable. */
  next(): Promise<IteratorResult<Req, undefined>> {
    return this.replay.take(this);
  }

  /** The attempt stopped sending (it ended or was cancelled). */
  return(): Promise<IteratorResult<Req, undefined>> {
    this.replay.detach(this);
    return Promise.resolve(DONE);
  }
}

/** The request side of one retried streaming call, shared by its attempts. */
export class RequestReplay<Req> {
  private source: Source<Req>;
  /** Messages attempts may still need; messages[0] is message number `offset`. */
  private messages: Req[] = [];
  private offset = 0;
  private readonly views = new Set<ReplayView<Req>>();
  /** Bytes held in the client's retry buffer. */
  private held = 0;
  /** undefined while buffering; after commit, the one attempt still sending (null: none, messages are dropped). */
  private committed: ReplayView<Req> | null | undefined;
  owner: ReplayOwner | undefined;

  constructor(
    private readonly method: MethodDescriptor<Req, unknown>,
    stream: Req | RequestStream<Req>,
    private readonly buffer: RetryBuffer,
    private readonly perCallBytes: number,
  ) {
    this.source = { kind: 'unread', stream };
  }

  /** A new attempt's request stream, from the first message: nothing was dropped while the call was uncommitted. */
  view(): ReplayView<Req> {
    const view = new ReplayView(this, this.offset);
    this.views.add(view);
    return view;
  }

  take(view: ReplayView<Req>): Promise<IteratorResult<Req, undefined>> {
    const result = this.nextFor(view);
    if (result !== undefined) return Promise.resolve(result);
    return new Promise((resolve) => {
      view.waiting = resolve;
      this.pull();
    });
  }

  detach(view: ReplayView<Req>): void {
    view.detached = true;
    this.views.delete(view);
    this.settle(view, DONE);
  }

  /**
   * Only `view`'s attempt goes on (null: none will): the bytes held are released and each message is kept only until
   * that attempt has sent it.
   */
  commit(view: ReplayView<Req> | null): void {
    if (this.committed !== undefined) return;
    this.committed = view;
    this.buffer.release(this.held);
    this.held = 0;
    const keepFrom = view === null ? this.offset + this.messages.length : view.sent;
    this.messages = this.messages.slice(keepFrom - this.offset);
    this.offset = keepFrom;
  }

  /** The call is over: release the buffer and the caller's source (generators run their finally blocks). */
  stop(): void {
    const source = this.source;
    this.source = { kind: 'stopped' };
    this.commit(null);
    this.messages = [];
    for (const view of this.views) this.detach(view);
    if (source.kind === 'subscribed') source.subscription?.unsubscribe();
    if (source.kind === 'pulled' && source.iterator.return !== undefined) {
      try {
        const result = source.iterator.return();
        if (result instanceof Promise) result.catch(() => undefined);
      } catch {
        // The source's own cleanup failed; the call is over either way.
      }
    }
  }

  /** The next message for `view`, the end, or undefined when it must wait for the source. */
  private nextFor(view: ReplayView<Req>): IteratorResult<Req, undefined> | undefined {
    if (view.detached) return DONE;
    const at = view.sent - this.offset;
    if (at < this.messages.length) {
      const value = this.messages[at]!;
      view.sent++;
      // Committed: no other attempt will need it.
      if (this.committed === view) {
        this.messages.shift();
        this.offset++;
      }
      return { done: false, value };
    }
    const kind = this.source.kind;
    return kind === 'ended' || kind === 'stopped' ? DONE : undefined;
  }

  /** Reads one more message from the source (an Observable emits on its own once subscribed). */
  private pull(): void {
    const source = this.source;
    if (source.kind === 'unread') return this.open(source.stream);
    if (source.kind !== 'pulled' || source.pulling) return;
    source.pulling = true;
    let step: IteratorResult<Req> | Promise<IteratorResult<Req>>;
    try {
      step = source.iterator.next();
    } catch (err) {
      return this.fail(err);
    }
    if (step instanceof Promise) step.then((result) => this.pulled(source, result), (err: unknown) => this.fail(err));
    else this.pulled(source, step);
  }

  private open(stream: Req | RequestStream<Req>): void {
    if (isObservable(stream)) {
      const subscribed: Source<Req> = { kind: 'subscribed', subscription: undefined };
      this.source = subscribed;
      const subscription = (stream as Observable<Req>).subscribe({
        next: (value) => this.arrive(value),
        error: (err: unknown) => this.fail(err),
        complete: () => this.end(),
      });
      // The source may have finished (or the call stopped) synchronously inside subscribe().
      if (this.source === subscribed) subscribed.subscription = subscription;
      else subscription.unsubscribe();
    } else if (isAsyncIterable<Req>(stream)) {
      this.source = { kind: 'pulled', iterator: stream[Symbol.asyncIterator](), pulling: false };
      this.pull();
    } else if (isIterable<Req>(stream)) {
      this.source = { kind: 'pulled', iterator: stream[Symbol.iterator](), pulling: false };
      this.pull();
    } else {
      // A lone message for a streaming method, as RequestWriter reads it: a one-message stream.
      this.source = { kind: 'ended' };
      this.arrive(stream as Req);
    }
  }

  private pulled(source: Extract<Source<Req>, { kind: 'pulled' }>, result: IteratorResult<Req>): void {
    source.pulling = false;
    if (this.source !== source) return;
    if (result.done === true) return this.end();
    this.arrive(result.value);
  }

  private arrive(value: Req): void {
    if (this.committed === null || this.source.kind === 'stopped') return;
    this.messages.push(value);
    if (this.committed === undefined) {
      const size = requestSize(this.method, value);
      if (this.held + size <= this.perCallBytes && this.buffer.hold(size)) this.held += size;
      // The owner commits the attempt that has sent the most (or none), which takes this message next.
      else this.owner?.onOverflow();
    }
    this.wake();
  }

  private end(): void {
    if (this.source.kind === 'stopped') return;
    this.source = { kind: 'ended' };
    this.wake();
  }

  private fail(err: unknown): void {
    if (this.source.kind === 'stopped' || this.source.kind === 'ended') return;
    this.source = { kind: 'ended' };
    this.owner?.onSourceError(err);
  }

  private wake(): void {
    for (const view of this.views) {
      if (view.waiting === undefined) continue;
      const result = this.nextFor(view);
      if (result !== undefined) this.settle(view, result);
    }
  }

  private settle(view: ReplayView<Req>, result: IteratorResult<Req, undefined>): void {
    const waiting = view.waiting;
    view.waiting = undefined;
    waiting?.(result);
  }
}
