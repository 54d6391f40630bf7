// The request half of a client call: serialize -> compress -> encodeFrame -> stream, with backpressure for iterables.
// PROTOCOL-HTTP2 "Length-Prefixed-Message"; size and serialization errors use grpc-js's codes and wording.

import { isObservable } from 'rxjs';
import type { Observable, Subscription } from 'rxjs';
import type { ClientHttp2Stream } from 'node:http2';
import type { Codec } from '../protocol/compression.js';
import { FRAME_PREFIX_LENGTH, frameMessage } from '../protocol/framing.js';
import { GrpcError } from '../protocol/grpc-error.js';
import { Status } from '../protocol/status.js';
import type { MethodDescriptor } from '../schema/descriptors.js';
import { messageOf } from './node-errors.js';

/** Request messages of a client- or bidi-streaming call; arrays are Iterables. */
export type RequestStream<T> = Observable<T> | AsyncIterable<T> | Iterable<T>;

type AnyIterator<T> = Iterator<T> | AsyncIterator<T>;

/** True for an async iterable request stream (async generators included). */
export function isAsyncIterable<T>(value: unknown): value is AsyncIterable<T> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** True for a synchronous iterable request stream (arrays included). */
export function isIterable<T>(value: unknown): value is Iterable<T> {
  return typeof value === 'object' && value !== null && Symbol.iterator in value;
}

// Messages marked by sendUncompressed. A WeakSet, not a flag on the message: the caller's object is
// left as it is, and calls that do not compress never look here.
const UNCOMPRESSED = new WeakSet<object>();

/**
 * Marks a request message to be sent uncompressed even when its call compresses (grpc-js's
 * WriteFlags.NoCompress, per message); returns the message. Marks the object, so every call that sends it.
 */
export function sendUncompressed<T extends object>(message: T): T {
  UNCOMPRESSED.add(message);
  return message;
}

/** One request message as a gRPC frame: serialize -> size check -> compress -> prefix; failures as grpc-js words them. */
export function encodeRequest<Req>(method: MethodDescriptor<Req, unknown>, value: Req, codec: Codec | undefined,
  maxSendMessageLength: number): Buffer | GrpcError {
  if (codec !== undefined && UNCOMPRESSED.has(value as object)) codec = undefined;
  try {
    return frameMessage(method.serializeRequest, value, codec, maxSendMessageLength, 'client');
  } catch (err) {
    return new GrpcError(Status.INTERNAL, `Request message serialization failure: ${messageOf(err)}`, { cause: err });
  }
}

/**
 * Request bytes a call keeps to send again on a refused stream; past them it is not retried. grpc-js's
 * grpc.per_rpc_retry_buffer_size default (1 MiB), so the same calls are retried.
 */
export const RETRY_BUFFER_BYTES = 1024 * 1024;

/**
 * Writes a streaming call's request messages; stops for good at stop() or the first failure (reported through
 * `fail`). Until commit() it keeps the frames written, up to RETRY_BUFFER_BYTES, so moveTo() can replay them.
 */
export class RequestWriter<Req> {
  private stopped = false;
  private subscription: Subscription | undefined;
  private iterator: AnyIterator<Req> | undefined;
  private resumeAfterDrain: (() => void) | undefined;
  /** Frames written so far, while the call may still be sent again; undefined once committed. */
  private replay: Buffer[] | undefined = [];
  private replayBytes = 0;
  /** The request stream finished: a stream moved to is half-closed after the replay. */
  private ended = false;
  /** Told each request frame's payload size, when attempt interceptors follow the call. */
  onFrame: ((bytes: number) => void) | undefined;

  constructor(
    private readonly method: MethodDescriptor<Req, unknown>,
    private stream: ClientHttp2Stream,
    private readonly codec: Codec | undefined,
    private readonly maxSendMessageLength: number,
    private readonly fail: (err: GrpcError) => void,
  ) {}

  /** Observables are written as they emit (no backpressure exists); iterables are pulled only while writable. */
  sendStream(source: Req | RequestStream<Req>): void {
    if (isObservable(source)) {
      const subscription = source.subscribe({
        next: (value) => this.write(value),
        error: (err: unknown) => this.failFromRequest(err),
        complete: () => this.end(),
      });
      // The source may have finished (or the call failed) synchronously inside subscribe().
      if (this.stopped) subscription.unsubscribe();
      else this.subscription = subscription;
    } else if (isAsyncIterable<Req>(source)) {
      void this.pump(source[Symbol.asyncIterator]());
    } else if (isIterable<Req>(source)) {
      void this.pump(source[Symbol.iterator]());
    } else {
      // A lone message for a streaming method: a one-message stream is the only sensible reading.
      this.write(source as Req);
      this.end();
    }
  }

  /** The server has the call (response headers came): it is never sent again, so nothing is kept. */
  commit(): void {
    this.replay = undefined;
  }

  /** True while every frame written so far is kept. */
  canReplay(): boolean {
    return this.replay !== undefined;
  }

  /** Goes on on a new stream, the old one refused: what was written is written again, then the source resumes. */
  moveTo(stream: ClientHttp2Stream): void {
    this.stream = stream;
    for (const frame of this.replay ?? []) stream.write(frame);
    if (this.ended) stream.end();
    // A pump waiting for the refused stream's 'drain' would wait for good.
    this.resumeAfterDrain?.();
  }

  /** Called once the call has a final status or was cancelled: no more writes, release the source. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    const iterator = this.iterator;
    this.iterator = undefined;
    if (iterator?.return !== undefined) {
      try {
        // Lets generators run their finally blocks; async ones queue this after their pending next().
        const result = iterator.return();
        if (result instanceof Promise) result.catch(() => undefined);
      } catch {
        // The source's own cleanup failed; the call is over either way.
      }
    }
    this.resumeAfterDrain?.();
  }

  private async pump(iterator: AnyIterator<Req>): Promise<void> {
    this.iterator = iterator;
    try {
      while (!this.stopped) {
        const step = iterator.next();
        const result = step instanceof Promise ? await step : (step as IteratorResult<Req>);
        if (this.stopped) return;
        if (result.done === true) {
          this.iterator = undefined;
          return this.end();
        }
        if (!this.write(result.value) && !this.stopped) {
          await new Promise<void>((resolve) => {
            this.resumeAfterDrain = resolve;
            this.stream.once('drain', resolve);
          });
          this.resumeAfterDrain = undefined;
        }
      }
    } catch (err) {
      this.iterator = undefined;
      this.failFromRequest(err);
    }
  }

  /** Returns false when the stream wants a 'drain' first (or the call is over). */
  private write(value: Req): boolean {
    if (this.stopped) return false;
    const frame = this.encode(value);
    if (frame === undefined) return false;
    const replay = this.replay;
    if (replay !== undefined) {
      this.replayBytes += frame.length;
      if (this.replayBytes <= RETRY_BUFFER_BYTES) replay.push(frame);
      else this.replay = undefined;
    }
    if (this.onFrame !== undefined) this.onFrame(frame.length - FRAME_PREFIX_LENGTH);
    return this.stream.write(frame);
  }

  private end(): void {
    this.ended = true;
    if (!this.stopped && !this.stream.writableEnded) this.stream.end();
  }

  private encode(value: Req): Buffer | undefined {
    const frame = encodeRequest(this.method, value, this.codec, this.maxSendMessageLength);
    if (frame instanceof GrpcError) {
      this.fail(frame);
      return undefined;
    }
    return frame;
  }

  /** The caller's request stream failed: the call is cancelled (RST_STREAM CANCEL) and reports CANCELLED. */
  private failFromRequest(err: unknown): void {
    if (this.stopped) return;
    this.fail(new GrpcError(Status.CANCELLED, `Request stream failed: ${messageOf(err)}`, { cause: err }));
  }
}
