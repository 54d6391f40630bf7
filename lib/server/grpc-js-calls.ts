// The call objects code written for grpc-js receives, over our CallContext: the members of grpc-js's ServerUnaryCall
// and ServerDuplexStream (which also serves as ServerReadableStream and ServerWritableStream) such code uses. Nest
// controllers written for Transport.GRPC get them, and so do grpc-js service implementations (grpc-js-service.ts).
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { Observable } from 'rxjs';
import type { Subscriber, Subscription } from 'rxjs';
import type { Metadata, MetadataInit } from '../protocol/metadata.js';
import type { CallContext } from './call-context.js';

const CONTEXT = Symbol('context');

/**
 * grpc-js's ServerSurfaceCall members over our CallContext. Both call classes below take them (copied onto
 * their prototypes after the classes, typed by interface merging), since one extends EventEmitter and the
 * other Duplex.
 */
class SurfaceCall {
  declare readonly [CONTEXT]: CallContext;
  get metadata(): Metadata {
    return this[CONTEXT].metadata;
  }
  get cancelled(): boolean {
    return this[CONTEXT].cancelled;
  }
  getPeer(): string {
    return this[CONTEXT].peer;
  }
  getDeadline(): number {
    return this[CONTEXT].deadline ?? Infinity;
  }
  getPath(): string {
    return this[CONTEXT].method.path;
  }
  sendMetadata(metadata: MetadataInit): void {
    this[CONTEXT].sendMetadata(metadata);
  }
}

/** The call object of @GrpcMethod and @GrpcStreamMethod handlers: grpc-js's ServerUnaryCall members. */
export interface CompatServerCall extends SurfaceCall {}
export class CompatServerCall extends EventEmitter {
  #cancelHooked = false;

  constructor(readonly request: unknown, context: CallContext) {
    super();
    (this as { [CONTEXT]: CallContext })[CONTEXT] = context;
  }

  // 'cancelled' is hooked when first listened to: reading `signal` costs an AbortController, and few handlers
  // listen. Overriding the adders (once() and prependOnceListener() go through them) spares every call the
  // 'newListener' listener that did this. on and addListener are one function in EventEmitter: both are replaced.
  override on(event: string | symbol, listener: (...args: unknown[]) => void): this {
    this.#hookCancel(event);
    return super.on(event, listener);
  }

  override addListener(event: string | symbol, listener: (...args: unknown[]) => void): this {
    this.#hookCancel(event);
    return super.addListener(event, listener);
  }

  override prependListener(event: string | symbol, listener: (...args: unknown[]) => void): this {
    this.#hookCancel(event);
    return super.prependListener(event, listener);
  }

  #hookCancel(event: string | symbol): void {
    if (event !== 'cancelled' || this.#cancelHooked) return;
    this.#cancelHooked = true;
    forwardCancel(this, this[CONTEXT]);
  }
}

/**
 * A duplex stream for @GrpcStreamCall handlers and grpc-js streaming implementations: read requests from it,
 * write responses to it, end() it to finish; emitting or destroying with an error ends the call with that error.
 */
export interface CompatDuplexCall extends SurfaceCall {}
export class CompatDuplexCall extends Duplex {
  /** What the handler writes, for the transport to send; buffered until the transport subscribes. */
  readonly responses: Observable<unknown>;
  readonly #outbox = new Outbox();
  #requests: Observable<unknown> | undefined;
  #reading: Subscription | undefined;
  #iterator: AsyncIterator<unknown> | undefined;
  #pulling = false;

  /** `request`: the one request message of a server-streaming call (grpc-js's ServerWritableStream.request). */
  constructor(requests: Observable<unknown>, context: CallContext, readonly request?: unknown) {
    super({ objectMode: true });
    (this as { [CONTEXT]: CallContext })[CONTEXT] = context;
    this.#requests = requests;
    this.responses = new Observable((subscriber) => this.#outbox.attach(subscriber));
    // grpc-js handlers signal failure with call.emit('error', err); that must not crash the process.
    this.on('error', (err: unknown) => this.#outbox.fail(err));
    forwardCancel(this, context);
  }

  /** Ends the call with `error` as it is (a GrpcError, or a `{ code, message }` payload). */
  fail(error: unknown): void {
    this.#outbox.fail(error);
    this.destroy();
  }

  override _read(): void {
    if (this.#pulling) return;
    const requests = this.#requests;
    if (requests !== undefined && Symbol.asyncIterator in requests) {
      // Pulled as Node's Readable asks (below its high-water mark), so a slow handler holds the client back
      // through HTTP/2 flow control, as a grpc-js call does.
      this.#requests = undefined;
      this.#iterator = (requests as Observable<unknown> & AsyncIterable<unknown>)[Symbol.asyncIterator]();
    }
    if (this.#iterator !== undefined) {
      void this.#pull(this.#iterator);
      return;
    }
    if (requests === undefined) return;
    // An Observable that cannot be pulled: subscribe once and push what comes.
    this.#requests = undefined;
    this.#reading = requests.subscribe({
      next: (request) => { this.push(request); },
      error: (err: unknown) => this.destroy(err instanceof Error ? err : new Error(String(err))),
      complete: () => { this.push(null); },
    });
  }

  async #pull(iterator: AsyncIterator<unknown>): Promise<void> {
    this.#pulling = true;
    try {
      for (;;) {
        const next = await iterator.next();
        if (this.destroyed) return;
        if (next.done === true) {
          this.push(null);
          return;
        }
        if (!this.push(next.value)) return;
      }
    } catch (err) {
      this.destroy(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.#pulling = false;
    }
  }

  override _write(response: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#outbox.next(response);
    callback();
  }

  /** As grpc-js's end(metadata?): metadata given here is sent with the status, never written as a message. */
  override end(...args: unknown[]): this {
    const [first] = args;
    if (typeof first === 'object' && first !== null && typeof (first as { getMap?: unknown }).getMap === 'function') {
      this[CONTEXT].setTrailingMetadata(first as MetadataInit);
      return super.end();
    }
    return super.end(...(args as Parameters<Duplex['end']>));
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#outbox.complete();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#reading?.unsubscribe();
    void this.#iterator?.return?.();
    if (error !== null) this.#outbox.fail(error);
    else this.#outbox.complete();
    callback(null);
  }
}

for (const target of [CompatServerCall.prototype, CompatDuplexCall.prototype]) {
  for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(SurfaceCall.prototype))) {
    if (name !== 'constructor') Object.defineProperty(target, name, descriptor);
  }
}

/** Emits grpc-js's 'cancelled' event when the call is cancelled or times out. */
function forwardCancel(emitter: EventEmitter, context: CallContext): void {
  context.signal.addEventListener('abort', () => emitter.emit('cancelled', 'cancelled'), { once: true });
}

/** Holds values until one subscriber attaches, then passes them through; settles at most once. */
class Outbox {
  #queue: Array<{ value: unknown } | { error: unknown } | 'complete'> = [];
  #subscriber: Subscriber<unknown> | undefined;
  #settled = false;

  attach(subscriber: Subscriber<unknown>): void {
    this.#subscriber = subscriber;
    for (const item of this.#queue) this.#deliver(item);
    this.#queue = [];
  }
  next(value: unknown): void {
    this.#push({ value });
  }
  fail(error: unknown): void {
    this.#push({ error });
  }
  complete(): void {
    this.#push('complete');
  }

  #push(item: { value: unknown } | { error: unknown } | 'complete'): void {
    if (this.#settled) return;
    if (item === 'complete' || 'error' in item) this.#settled = true;
    if (this.#subscriber === undefined) this.#queue.push(item);
    else this.#deliver(item);
  }

  #deliver(item: { value: unknown } | { error: unknown } | 'complete'): void {
    const subscriber = this.#subscriber!;
    if (item === 'complete') subscriber.complete();
    else if ('error' in item) subscriber.error(item.error);
    else subscriber.next(item.value);
  }
}
