// A call's request bytes -> decoded messages (PROTOCOL-HTTP2 "Length-Prefixed-Message"): frames, grpc-encoding,
// the receive limit, the connection's budget of buffered bytes, and the method's protobuf codec.
import type { Codec } from '../protocol/compression.js';
import { FRAME_PREFIX_LENGTH, FrameDecoder } from '../protocol/framing.js';
import type { Frame } from '../protocol/framing.js';
import { errorMessageOf, GrpcError } from '../protocol/grpc-error.js';
import { Status } from '../protocol/status.js';
import type { MethodDescriptor } from '../schema/descriptors.js';

/**
 * The request bytes one connection may hold received but not yet decoded into messages (partial frames), shared
 * by its calls: a call that would go over it ends with RESOURCE_EXHAUSTED.
 */
export interface RequestBudget {
  /** Counts `bytes` in; false (counting nothing) when that would pass the budget. */
  take(bytes: number): boolean;
  give(bytes: number): void;
  readonly limit: number;
}

/** No budget: for calls outside a tracked connection. */
export const UNLIMITED_BUDGET: RequestBudget = { take: () => true, give: () => {}, limit: Infinity };

/**
 * Messages inflating to more than this are inflated off the event loop: about a millisecond of zlib, so other calls
 * never wait long behind a small message that inflates to MiBs.
 */
export const SYNC_INFLATE_BYTES = 256 * 1024;

/** Request bytes -> messages. Decoding problems come back as GrpcError values for the call to send. */
export class RequestDecoder {
  readonly #frames: FrameDecoder;
  /** Whether the message decoded last arrived compressed (what CallContext.requestCompressed reports). */
  compressed = false;

  /** Bytes received and counted in the budget that no complete frame holds yet. */
  #held = 0;

  constructor(private readonly method: MethodDescriptor, private readonly codec: Codec | undefined, private readonly maxLength: number,
    private readonly budget: RequestBudget) {
    this.#frames = new FrameDecoder(maxLength);
  }

  /**
   * The frames `chunk` completes; a length over the limit is refused before its body is buffered, and a chunk that
   * would pass the connection's budget with RESOURCE_EXHAUSTED.
   */
  push(chunk: Buffer): Frame[] | GrpcError {
    const budget = this.budget;
    if (!budget.take(chunk.length)) {
      return new GrpcError(Status.RESOURCE_EXHAUSTED, `Request bytes buffered on this connection exceed ${budget.limit}`);
    }
    this.#held += chunk.length;
    const frames = this.#frames.push(chunk);
    if (frames instanceof GrpcError || frames.length === 0) return frames;
    // Whole frames are handed on now: only a partial frame stays buffered.
    let framed = 0;
    for (const frame of frames) framed += frame.data.length + FRAME_PREFIX_LENGTH;
    this.#held -= framed;
    budget.give(framed);
    return frames;
  }

  /** The call ended: what it still held goes back to the connection's budget. */
  release(): void {
    this.budget.give(this.#held);
    this.#held = 0;
  }

  /** At half-close: an error when a frame was cut off. */
  end(): undefined | GrpcError {
    return this.#frames.end();
  }

  /**
   * One frame's message (protobufjs gives an object), or the error to end the call with; a Promise of either when
   * the message inflates to more than SYNC_INFLATE_BYTES (see Codec.decompressBounded).
   */
  decode(frame: Frame): object | GrpcError | Promise<object | GrpcError> {
    this.compressed = frame.compressed;
    if (!frame.compressed) return this.#deserialize(frame.data);
    if (this.codec === undefined) {
      return new GrpcError(Status.INTERNAL, 'Received a compressed message but grpc-encoding is identity');
    }
    // The limit applies after decompression, so a small gzip bomb is refused without inflating it.
    const inflated = this.codec.decompressBounded(frame.data, this.maxLength, SYNC_INFLATE_BYTES);
    if (inflated instanceof Promise) return inflated.then((data) => (data instanceof GrpcError ? data : this.#deserialize(data)));
    return inflated instanceof GrpcError ? inflated : this.#deserialize(inflated);
  }

  #deserialize(data: Buffer): object | GrpcError {
    try {
      return this.method.deserializeRequest(data) as object;
    } catch (err) {
      return new GrpcError(Status.INTERNAL, `Failed to parse request: ${errorMessageOf(err)}`, { cause: err });
    }
  }
}
