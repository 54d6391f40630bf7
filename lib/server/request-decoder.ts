// A call's request bytes -> decoded messages (PROTOCOL-HTTP2 "Length-Prefixed-Message"): frames, grpc-encoding,
// the receive limit, and the method's protobuf codec.
import type { Codec } from '../protocol/compression.js';
import { FrameDecoder } from '../protocol/framing.js';
import type { Frame } from '../protocol/framing.js';
import { errorMessageOf, GrpcError } from '../protocol/grpc-error.js';
import { Status } from '../protocol/status.js';
import type { MethodDescriptor } from '../schema/descriptors.js';

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
  end(): undefined | GrpcError {
    return this.#frames.end();
  }

  /** One frame's message (protobufjs gives an object), or the error to end the call with. */
  decode(frame: Frame): object | GrpcError {
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
      return this.method.deserializeRequest(data) as object;
    } catch (err) {
      return new GrpcError(Status.INTERNAL, `Failed to parse request: ${errorMessageOf(err)}`, { cause: err });
    }
  }
}
