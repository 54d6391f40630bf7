// Uncompressed gRPC frames (PROTOCOL-HTTP2 "Length-Prefixed-Message") of many messages encoded into one growing
// buffer, so a burst of small writes reaches the HTTP/2 stream as one write: no Buffer and no write call per message.
import { BufferWriter, Writer } from 'protobufjs';
import type { Message, Type } from 'protobufjs';
import type { BufferPool } from '../memory/buffer-pool.js';
import { FRAME_PREFIX_LENGTH, messageTooLarge, writeFramePrefix } from './framing.js';
import type { GrpcError } from './grpc-error.js';

/** With a pool, top-level bytes fields from this size on are copied into it rather than into the frame. */
export const POOLED_BYTES = 16 * 1024;

/**
 * A protobufjs writer that copies large top-level bytes fields into a pool instead of its own buffer: the
 * bytes encoded so far become a finished part, the field's copy the next one, and encoding goes on in a fresh
 * buffer. Without a pool it is a plain BufferWriter.
 */
class PartsWriter extends BufferWriter {
  parts: Buffer[] = [];
  /** Bytes in `parts`. */
  partBytes = 0;

  constructor(private readonly pool: BufferPool | undefined) {
    super();
  }

  override bytes(value: Uint8Array | string): this {
    // Inside a nested message (an open fork) the length prefix is patched in place later: copy as usual.
    if (this.pool === undefined || typeof value === 'string' || value.length < POOLED_BYTES
      || (this.states !== null && this.states.length > 0)) {
      return super.bytes(value) as this;
    }
    this.uint32(value.length);
    this.cut();
    this.parts.push(this.pool.copy(value));
    this.partBytes += value.length;
    return this;
  }

  /**
   * Moves what is encoded so far into `parts`. The writer keeps no memory of it: it writes on into an empty
   * buffer, which its next write grows, or `ensureBuffer()` replaces at the next frame.
   */
  cut(): void {
    const buf = this.buf;
    this.parts.push(Buffer.from(buf.buffer, buf.byteOffset, this.pos));
    this.partBytes += this.pos;
    this.buf = EMPTY;
    this.pos = 0;
    this.view = null;
  }

  /** Before a frame: a buffer of the usual starting size, rather than growing one from nothing byte by byte. */
  ensureBuffer(): void {
    if (this.buf.length === 0) this.buf = BufferWriter.alloc(Writer.initialBufferSize);
  }

  /** The parts so far; the writer starts over empty (its buffer was cut, so none of it is shared). */
  takeParts(): Buffer[] {
    if (this.pos > 0) this.cut();
    const parts = this.parts;
    this.parts = [];
    this.partBytes = 0;
    return parts;
  }
}

const EMPTY = Buffer.alloc(0);

/** What writes one message's body: a protobufjs Type, or RAW_BODY for bytes already encoded. */
interface Encoder<M> {
  encode(message: M, writer: Writer): unknown;
}
const RAW_BODY: Encoder<Uint8Array> = { encode: (body, writer) => writer.raw(body) };

/**
 * Frames appended through a MethodDescriptor's serialize*Frame; `take()` hands them over and leaves the batch
 * empty. Messages are encoded straight behind their prefix, one copy of their bytes in all; what the caller
 * appended may change as soon as append() returns.
 */
export class FrameBatch {
  #writer: PartsWriter | undefined;

  /**
   * `pool`: where large top-level bytes fields are copied; the parts take() hands over that the pool owns are
   * the taker's to release to it.
   */
  constructor(private readonly pool?: BufferPool) {}

  /** Bytes of the frames appended since the last take(). */
  get byteLength(): number {
    const writer = this.#writer;
    return writer === undefined ? 0 : writer.partBytes + writer.pos;
  }

  /**
   * Encodes `message` as one frame (flag 0, big-endian length, body) and returns the body's length. A body
   * longer than `maxLength` is not kept: the server's RESOURCE_EXHAUSTED (messageTooLarge) comes back instead.
   */
  append(type: Type, message: Message<{}> | Record<string, never>, maxLength: number): number | GrpcError {
    return this.#append(type, message, maxLength);
  }

  /** As append(), for a body some other serializer already encoded (a grpc-js service definition's, say). */
  appendEncoded(body: Uint8Array, maxLength: number): number | GrpcError {
    return this.#append(RAW_BODY, body, maxLength);
  }

  // Takes the encoder and its message apart, so no closure is made per message.
  #append<M>(encoder: Encoder<M>, message: M, maxLength: number): number | GrpcError {
    const writer = (this.#writer ??= new PartsWriter(this.pool));
    writer.ensureBuffer();
    const [start, parts, before] = [writer.pos, writer.parts.length, this.byteLength];
    // Placeholders, patched below: a zero varint is one byte, and fixed32 reserves four.
    writer.uint32(0).fixed32(0);
    try {
      encoder.encode(message, writer);
    } catch (err) {
      // Nothing of a message that failed half-way stays in the batch.
      rewind(writer, start, parts, before, this.pool);
      throw err;
    }
    const length = this.byteLength - before - FRAME_PREFIX_LENGTH;
    if (length > maxLength) {
      rewind(writer, start, parts, before, this.pool);
      return messageTooLarge('server', length, maxLength);
    }
    // The prefix is in the writer's buffer, or in the first part cut off since (the writer may also have moved
    // to a larger buffer while encoding: patch the current one).
    const prefix = writer.parts.length > parts ? writer.parts[parts]! : writer.buf;
    writeFramePrefix(prefix, start, length, false);
    return length;
  }

  /** The frames so far, in order: one Buffer, or several when large bytes fields went into the pool. */
  take(): Buffer[] {
    return this.#writer?.takeParts() ?? [];
  }
}

/** Back to the state before a frame: the writer's own bytes up to `start`, and the first `parts` parts. */
function rewind(writer: PartsWriter, start: number, parts: number, byteLength: number, pool: BufferPool | undefined): void {
  if (writer.parts.length > parts) {
    if (pool !== undefined) {
      for (const dropped of writer.parts.slice(parts)) if (pool.owns(dropped)) pool.release(dropped);
    }
    const kept = writer.parts[parts]!.subarray(0, start);
    writer.parts.length = parts;
    writer.buf = BufferWriter.alloc(Math.max(kept.length, Writer.initialBufferSize));
    writer.buf.set(kept, 0);
    writer.view = null;
  }
  writer.pos = start;
  writer.partBytes = byteLength - start;
}
