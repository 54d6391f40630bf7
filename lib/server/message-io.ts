// A call's messages in both directions (PROTOCOL-HTTP2 "Length-Prefixed-Message"): request bytes to decoded
// messages, response messages to frames, with grpc-encoding, the size limits and the method's protobuf codec.
import type { Codec } from '../protocol/compression.js';
import { FrameDecoder, frameMessage } from '../protocol/framing.js';
import type { Frame } from '../protocol/framing.js';
import { GrpcError } from '../protocol/grpc-error.js';
import { Status } from '../protocol/status.js';
import type { MethodDescriptor } from '../schema/descriptors.js';
import type { FrameBatch } from '../schema/frame-batch.js';

/** Request bytes -> messages. Decoding problems come back as GrpcError values for the call to send. */
export class RequestDecoder {
  readonly #frames: FrameDecoder;
  /** Whether the message decoded last arrived compressed (what CallContext.requestCompressed reports). */
  compressed = false;

  constructor(private readonly method: MethodDescriptor, private readonly codec: Codec | undefined, private readonly maxLength: number) {
    this.#frames = new FrameDecoder(maxLength);
  }

  /** The frames `chunk` completes; a length over the limit is refused before its body is buffered. */
  push(chunk: Buffer): Frame[] | GrpcError {
    return this.#frames.push(chunk);
  }

  /** At half-close: an error when a frame was cut off. */
  end(): GrpcError | undefined {
    return this.#frames.end();
  }

  /** One frame's message, or the error to end the call with. */
  decode(frame: Frame): unknown {
    let data = frame.data;
    this.compressed = frame.compressed;
    if (frame.compressed) {
      if (this.codec === undefined) {
        return new GrpcError(Status.INTERNAL, 'Received a compressed message but grpc-encoding is identity');
      }
      // The limit applies after decompression, so a small gzip bomb is refused without inflating it.
      const inflated = this.codec.decompress(data, this.maxLength);
      if (inflated instanceof GrpcError) return inflated;
      data = inflated;
    }
    try {
      return this.method.deserializeRequest(data);
    } catch (err) {
      return new GrpcError(Status.INTERNAL, `Failed to parse request: ${errorText(err)}`, { cause: err });
    }
  }
}

/** Response messages -> frames, compressed with the codec in force. */
export class ResponseEncoder {
  /** The codec the response headers name (grpc-encoding); fixed once they are sent. */
  headerCodec: Codec | undefined;
  /** The codec of the next message: the header codec unless the handler turned compression off. */
  messageCodec: Codec | undefined;

  constructor(private readonly method: MethodDescriptor, private readonly maxLength: number) {}

  /** One message's frame, or the error to end the call with. */
  encode(value: unknown): Buffer | GrpcError {
    let frame: Buffer | number;
    try {
      frame = frameMessage(this.method.serializeResponse, value ?? {}, this.messageCodec, this.maxLength);
    } catch (err) {
      return new GrpcError(Status.INTERNAL, `Failed to serialize response: ${errorText(err)}`, { cause: err });
    }
    return typeof frame === 'number' ? tooLarge(frame, this.maxLength) : frame;
  }

  /** Appends one uncompressed message's frame to `batch`; the error to end the call with, if any. */
  append(value: unknown, batch: FrameBatch): GrpcError | undefined {
    let length: number;
    try {
      length = this.method.serializeResponseFrame(value ?? {}, batch, this.maxLength);
    } catch (err) {
      return new GrpcError(Status.INTERNAL, `Failed to serialize response: ${errorText(err)}`, { cause: err });
    }
    return length > this.maxLength ? tooLarge(length, this.maxLength) : undefined;
  }
}

function tooLarge(length: number, maxLength: number): GrpcError {
  return new GrpcError(Status.RESOURCE_EXHAUSTED, `Sent message larger than max (${length} vs. ${maxLength})`);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
