// A call's streamed response messages onto its HTTP/2 stream. A write per small message costs more than the
// message, so the uncompressed messages of one tick are framed into one buffer and reach the stream as one write
// (at the end of the tick, or every BATCH_BYTES); compressed ones are framed one by one, after what is batched.
import type { ServerHttp2Stream } from 'node:http2';
import { BufferPool } from '../memory/buffer-pool.js';
import { FrameBatch } from '../protocol/frame-batch.js';
import { FRAME_PREFIX_LENGTH } from '../protocol/framing.js';
import { GrpcError } from '../protocol/grpc-error.js';
import type { ResponseEncoder } from './response-encoder.js';

/** Where streamed responses' large bytes fields are copied, for every call of every server in this process. */
export const COPIES = new BufferPool();

/** Uncompressed response bytes gathered before they are handed to the stream within one tick. */
const BATCH_BYTES = 16 * 1024;

/**
 * Bytes a streaming response may buffer before an iterable producer is paused: what an unread stream costs on top
 * of the flow-control window. Observables are not paused (they are push): they buffer all they emit.
 */
const WRITE_AHEAD = 256 * 1024;

/** Two steps per message, so the call can send its headers in between: queue() encodes, send() hands over. */
export class ResponseWriter {
  #batch: FrameBatch | undefined;
  /** A compressed frame queued and not sent yet: compressed messages are written one by one. */
  #frame: Buffer | undefined;
  #flushScheduled = false;
  /** The payload bytes (after compression, without the frame prefix) of the message queued last. */
  queuedBytes = 0;

  constructor(private readonly stream: ServerHttp2Stream, private readonly encoder: ResponseEncoder) {}

  /** Encodes one message; the error to end the call with when it cannot be (nothing of it is kept). */
  queue(value: unknown): undefined | GrpcError {
    if (this.encoder.compresses) {
      const frame = this.encoder.encode(value);
      if (frame instanceof GrpcError) return frame;
      this.#frame = frame;
      this.queuedBytes = frame.length - FRAME_PREFIX_LENGTH;
      return undefined;
    }
    const batch = (this.#batch ??= new FrameBatch(COPIES));
    const before = batch.byteLength;
    const error = this.encoder.append(value, batch);
    this.queuedBytes = batch.byteLength - before - FRAME_PREFIX_LENGTH;
    return error;
  }

  /** Hands the message queued last to the stream: a compressed frame after what is batched, else with the batch. */
  send(): void {
    const frame = this.#frame;
    if (frame !== undefined) {
      this.#frame = undefined;
      this.flush();
      this.stream.write(frame);
    } else if (this.#batch!.byteLength >= BATCH_BYTES) {
      this.flush();
    } else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      process.nextTick(this.#flushAtTickEnd);
    }
  }

  /**
   * Whether the producer may go on. A stream's high-water mark is 16 KiB: waiting for 'drain' at it would keep
   * one large message in flight at a time, so producers may run up to WRITE_AHEAD bytes ahead of the socket.
   */
  get ready(): boolean {
    return this.stream.writableLength < WRITE_AHEAD;
  }

  /**
   * Hands the batched frames to the stream: one write, or one corked run when large fields are parts of their
   * own. A part copied into the pool goes back to it once the stream has written it.
   */
  flush(): void {
    const batch = this.#batch;
    if (batch === undefined || batch.byteLength === 0) return;
    const parts = batch.take();
    const stream = this.stream;
    if (stream.destroyed) {
      releaseCopies(parts);
      return;
    }
    const corked = parts.length > 1;
    if (corked) stream.cork();
    for (const part of parts) {
      if (COPIES.owns(part)) stream.write(part, () => COPIES.release(part));
      else stream.write(part);
    }
    if (corked) stream.uncork();
  }

  readonly #flushAtTickEnd = (): void => {
    this.#flushScheduled = false;
    // After a status the batch is empty (sending it flushed); after a cancel the stream is destroyed and
    // flush() only releases the copies.
    this.flush();
  };
}

function releaseCopies(parts: readonly Buffer[]): void {
  for (const part of parts) if (COPIES.owns(part)) COPIES.release(part);
}
