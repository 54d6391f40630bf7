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

/**
 * Incremental decoder for one direction of one stream. A frame that lies inside a single chunk is returned as a
 * subarray of it (zero-copy); one that spans chunks is copied once into a buffer of its exact size, allocated
 * only after its length passed the max check. After an error the decoder stays failed.
 */
export class FrameDecoder {
  private readonly maxMessageLength: number;
  private failure: GrpcError | undefined;
  // A prefix split across chunks is gathered here (allocated the first time that happens: most calls never
  // split one, and a decoder is made per call); prefixFilled counts its bytes so far.
  private prefix: Buffer | undefined;
  private prefixFilled = 0;
  // The body of a frame that spans chunks, and how much of it has arrived.
  private body: Buffer | undefined;
  private bodyFilled = 0;
  private bodyCompressed = false;

  constructor(maxMessageLength = Infinity) {
    this.maxMessageLength = maxMessageLength;
  }

  /** Feeds one chunk; returns the frames it completed, in order, or the error that failed the stream. */
  push(chunk: Buffer): Frame[] | GrpcError {
    if (this.failure !== undefined) return this.failure;
    const frames: Frame[] = [];
    const end = chunk.length;
    let offset = 0;
    while (offset < end) {
      if (this.body !== undefined) {
        const take = Math.min(this.body.length - this.bodyFilled, end - offset);
        chunk.copy(this.body, this.bodyFilled, offset, offset + take);
        this.bodyFilled += take;
        offset += take;
        if (this.bodyFilled < this.body.length) break;
        frames.push({ compressed: this.bodyCompressed, data: this.body });
        this.body = undefined;
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
        this.body = Buffer.allocUnsafe(length);
        this.bodyFilled = 0;
        this.bodyCompressed = flag === 1;
      }
    }
    return frames;
  }

  /** Call at end of stream: INTERNAL if a frame (prefix or body) was left incomplete. */
  end(): GrpcError | undefined {
    if (this.failure !== undefined) return this.failure;
    if (this.prefixFilled > 0 || this.body !== undefined) {
      this.failure = new GrpcError(Status.INTERNAL, 'Stream ended in the middle of a gRPC message');
    }
    return this.failure;
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
