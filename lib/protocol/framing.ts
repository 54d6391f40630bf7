// gRPC Length-Prefixed-Message framing: 1 flag byte, 4-byte big-endian length, body.
// Follows PROTOCOL-HTTP2 "Length-Prefixed-Message". Hot path: at most one copy per message.
import type { Codec } from './compression.js';
import { GrpcError } from './grpc-error.js';
import { Status } from './status.js';

const PREFIX_LENGTH = 5;

/** Bytes of the Length-Prefixed-Message prefix: flag and big-endian length. */
export const FRAME_PREFIX_LENGTH = PREFIX_LENGTH;
const MAX_FRAME_LENGTH = 0xffffffff;

export interface Frame {
  compressed: boolean;
  data: Buffer;
}

/** Which side sends a message: the two answer an oversized one with grpc-js's own wording for that side. */
export type MessageSender = 'client' | 'server';

/**
 * Writes the prefix (flag, big-endian length) at `offset` of `target`: the one place a prefix is spelled,
 * for frames built whole and for frames patched in place inside a batch.
 */
export function writeFramePrefix(target: Uint8Array, offset: number, length: number, compressed: boolean): void {
  if (!(length >= 0 && length <= MAX_FRAME_LENGTH)) throw new RangeError(`gRPC message length out of range: ${length}`);
  target[offset] = compressed ? 1 : 0;
  target[offset + 1] = length >>> 24;
  target[offset + 2] = (length >>> 16) & 0xff;
  target[offset + 3] = (length >>> 8) & 0xff;
  target[offset + 4] = length & 0xff;
}

/**
 * Fills the prefix of `frame`, whose first FRAME_PREFIX_LENGTH bytes were reserved for it and the rest
 * is the message: framing without copying the message at all.
 */
function writeFrameHeader(frame: Buffer, compressed: boolean): Buffer {
  writeFramePrefix(frame, 0, frame.length - PREFIX_LENGTH, compressed);
  return frame;
}

/**
 * RESOURCE_EXHAUSTED for a message over the send limit, in the words grpc-js uses on that side (its server
 * names both sizes, its client only the limit), so both engines answer as grpc-js does.
 */
export function messageTooLarge(sender: MessageSender, length: number, maxLength: number): GrpcError {
  return new GrpcError(Status.RESOURCE_EXHAUSTED, sender === 'server'
    ? `Sent message larger than max (${length} vs. ${maxLength})`
    : `Attempted to send message with a size larger than ${maxLength}`);
}

/**
 * One message as a frame, serialized by `serialize(value, reserve)`: uncompressed, behind `reserve` bytes left for
 * the prefix, so framing copies nothing; with a codec, serialized then compressed. A message over `maxLength`
 * (measured before compression) gives messageTooLarge instead of a frame; what `serialize` throws goes to the caller.
 */
export function frameMessage<T>(serialize: (value: T, reserve: number) => Buffer, value: T, codec: Codec | undefined,
  maxLength: number, sender: MessageSender): Buffer | GrpcError {
  const reserve = codec === undefined ? PREFIX_LENGTH : 0;
  const bytes = serialize(value, reserve);
  const length = bytes.length - reserve;
  if (length > maxLength) return messageTooLarge(sender, length, maxLength);
  return codec === undefined ? writeFrameHeader(bytes, false) : encodeFrame(codec.compress(bytes), true);
}

/** One framed message: one allocation, one copy of `message`. */
export function encodeFrame(message: Uint8Array, compressed: boolean): Buffer {
  const length = message.byteLength;
  if (length > MAX_FRAME_LENGTH) throw new RangeError(`gRPC message length out of range: ${length}`);
  const frame = Buffer.allocUnsafe(PREFIX_LENGTH + length);
  writeFramePrefix(frame, 0, length, compressed);
  frame.set(message, PREFIX_LENGTH);
  return frame;
}

// A held part costs a Buffer object (about 100 bytes of heap) besides its bytes: a peer trickling 1-byte DATA
// frames would make memory grow ten times faster than its bytes. A run of this many parts averaging under
// SMALL_PART bytes is copied into one; every byte is copied so at most once before the final join.
const COALESCE_RUN = 64;
const SMALL_PART = 256;

/**
 * Incremental decoder for one direction of one stream. A frame that lies inside a single chunk is returned as a
 * subarray of it (zero-copy). One that spans chunks is held as the slices of chunks that arrived and joined once
 * when complete (one copy; none when its body came in one chunk; runs of tiny slices are merged on the way):
 * memory follows the bytes received, never the length a prefix announces, so five bytes cannot reserve
 * megabytes. After an error the decoder stays failed.
 */
export class FrameDecoder {
  private readonly maxMessageLength: number;
  private failure: GrpcError | undefined;
  // A prefix split across chunks is gathered here (allocated the first time that happens: most calls never
  // split one, and a decoder is made per call); prefixFilled counts its bytes so far.
  private prefix: Buffer | undefined;
  private prefixFilled = 0;
  // The body of a frame that spans chunks: the slices that arrived (undefined when none is pending), their
  // total length, and what its prefix announced. parts[runStart..] is the run not yet considered for
  // coalescing, runLength its bytes.
  private parts: Buffer[] | undefined;
  private partsLength = 0;
  private runStart = 0;
  private runLength = 0;
  private bodyLength = 0;
  private bodyCompressed = false;

  constructor(maxMessageLength = Infinity) {
    this.maxMessageLength = maxMessageLength;
  }

  /** Bytes of an incomplete frame held now (prefix and body); never more than the bytes pushed. */
  get bufferedLength(): number {
    return this.prefixFilled + this.partsLength;
  }

  /** Feeds one chunk; returns the frames it completed, in order, or the error that failed the stream. */
  push(chunk: Buffer): Frame[] | GrpcError {
    if (this.failure !== undefined) return this.failure;
    const frames: Frame[] = [];
    const end = chunk.length;
    let offset = 0;
    while (offset < end) {
      if (this.parts !== undefined) {
        const take = Math.min(this.bodyLength - this.partsLength, end - offset);
        this.holdPart(this.parts, take === end ? chunk : chunk.subarray(offset, offset + take));
        offset += take;
        if (this.partsLength < this.bodyLength) break;
        frames.push({ compressed: this.bodyCompressed, data: this.joinParts(this.parts) });
        this.parts = undefined;
        this.partsLength = 0;
        this.runStart = 0;
        this.runLength = 0;
        continue;
      }
      let flag: number;
      let length: number;
      if (this.prefixFilled === 0 && end - offset >= PREFIX_LENGTH) {
        flag = chunk[offset]!;
        length = chunk.readUInt32BE(offset + 1);
        offset += PREFIX_LENGTH;
      } else {
        const take = Math.min(PREFIX_LENGTH - this.prefixFilled, end - offset);
        const prefix = (this.prefix ??= Buffer.allocUnsafe(PREFIX_LENGTH));
        chunk.copy(prefix, this.prefixFilled, offset, offset + take);
        this.prefixFilled += take;
        offset += take;
        if (this.prefixFilled < PREFIX_LENGTH) break;
        // Complete: the prefix buffer is free again for the next frame.
        this.prefixFilled = 0;
        flag = prefix[0]!;
        length = prefix.readUInt32BE(1);
      }
      const error = this.check(flag, length);
      if (error !== undefined) return error;
      if (length <= end - offset) {
        frames.push({ compressed: flag === 1, data: chunk.subarray(offset, offset + length) });
        offset += length;
      } else {
        // Only the announced length is remembered; the body's bytes are held as they come.
        this.parts = [];
        this.bodyLength = length;
        this.bodyCompressed = flag === 1;
      }
    }
    return frames;
  }

  /** Call at end of stream: INTERNAL if a frame (prefix or body) was left incomplete. */
  end(): GrpcError | undefined {
    if (this.failure !== undefined) return this.failure;
    if (this.prefixFilled > 0 || this.parts !== undefined) {
      this.failure = new GrpcError(Status.INTERNAL, 'Stream ended in the middle of a gRPC message');
    }
    return this.failure;
  }

  private holdPart(parts: Buffer[], part: Buffer): void {
    parts.push(part);
    this.partsLength += part.length;
    this.runLength += part.length;
    if (parts.length - this.runStart < COALESCE_RUN) return;
    if (this.runLength < COALESCE_RUN * SMALL_PART) parts.push(Buffer.concat(parts.splice(this.runStart), this.runLength));
    this.runStart = parts.length;
    this.runLength = 0;
  }

  // A body that arrived in one slice (its prefix ended a chunk) is that slice, uncopied; else one exact-size copy.
  private joinParts(parts: Buffer[]): Buffer {
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.bodyLength);
  }

  private check(flag: number, length: number): GrpcError | undefined {
    if (flag > 1) {
      this.failure = new GrpcError(Status.INTERNAL, `Invalid gRPC message flag byte ${flag}`);
    } else if (length > this.maxMessageLength) {
      this.failure = new GrpcError(
        Status.RESOURCE_EXHAUSTED,
        `Received message larger than max (${length} vs. ${this.maxMessageLength})`,
      );
    }
    return this.failure;
  }
}
