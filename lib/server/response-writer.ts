// A call's streamed response messages onto its HTTP/2 stream. A write per small message costs more than the
// message, so the uncompressed messages of one tick are framed into one buffer and reach the stream as one write
// (at the end of the tick, or every BATCH_BYTES); compressed ones are framed one by one, after what is batched.
import type { ServerHttp2Stream } from 'node:http2';
import { GrpcError } from '../protocol/grpc-error.js';
import { BufferPool } from '../schema/buffer-pool.js';
import { FrameBatch } from '../schema/frame-batch.js';
import type { ResponseEncoder } from './message-io.js';

/** Where streamed responses' large bytes fields are copied, for every call of every server in this process. */
export const COPIES = new BufferPool();

/** Uncompressed response bytes gathered before they are handed to the stream within one tick. */
const BATCH_BYTES = 16 * 1024;

/** Bytes a streaming response may buffer before its producer is paused. */
const WRITE_AHEAD = 1024 * 1024;

export class ResponseWriter {
  #batch: FrameBatch | undefined;
  #flushScheduled = false;

  /** `beforeSend` runs for each message once it is encoded, before it goes anywhere: the first time, the call sends its headers. */
  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly encoder: ResponseEncoder,
    private readonly beforeSend: () => void,
  ) {}

  /** Queues one message; the error to end the call with when it cannot be encoded (nothing of it is sent). */
  write(value: unknown): GrpcError | undefined {
    if (this.encoder.messageCodec !== undefined) {
      const frame = this.encoder.encode(value);
      if (frame instanceof GrpcError) return frame;
      this.beforeSend();
      this.flush();
      this.stream.write(frame);
      return undefined;
    }
    const batch = (this.#batch ??= new FrameBatch(COPIES));
    const error = this.encoder.append(value, batch);
    if (error !== undefined) return error;
    this.beforeSend();
    if (batch.byteLength >= BATCH_BYTES) {
      this.flush();
    } else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      process.nextTick(this.#flushAtTickEnd);
    }
    return undefined;
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
