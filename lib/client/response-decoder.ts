// The response half of a client call, the mirror of the server's RequestDecoder: response bytes -> frames ->
// decompress -> deserialize (PROTOCOL-HTTP2 "Length-Prefixed-Message"); failures use grpc-js's codes and wording.

import type { Codec } from '../protocol/compression.js';
import { findCodec } from '../protocol/compression.js';
import { FrameDecoder } from '../protocol/framing.js';
import type { Frame } from '../protocol/framing.js';
import { errorMessageOf, GrpcError } from '../protocol/grpc-error.js';
import { Status } from '../protocol/status.js';
import type { MethodDescriptor } from '../schema/descriptors.js';

/**
 * Response bytes -> messages: push() gives the frames a chunk completes (a length over the limit is refused before
 * its body is buffered), end() an error when a frame was cut off, decode() each frame's message. Problems come back
 * as GrpcError values that end the call. A FrameDecoder itself rather than holding one: one object less per call.
 */
export class ResponseDecoder<Res> extends FrameDecoder {
  #encoding = 'identity';
  #codec: Codec | undefined;

  constructor(private readonly method: MethodDescriptor<unknown, Res>, private readonly maxLength: number) {
    super(maxLength);
  }

  /** The grpc-encoding the response headers named; compressed frames are read with it. */
  useEncoding(encoding: string): void {
    if (encoding === 'identity') return;
    this.#encoding = encoding;
    this.#codec = findCodec(encoding);
  }

  /** One frame's message, or the error to end the call with. */
  decode(frame: Frame): Res | GrpcError {
    let bytes: Uint8Array = frame.data;
    if (frame.compressed) {
      const codec = this.#codec;
      if (codec === undefined) {
        // grpc-js's compression-filter messages.
        const message = this.#encoding === 'identity'
          ? 'Received compressed message but "grpc-encoding" header was identity'
          : `Compression method not supported: ${this.#encoding}`;
        return new GrpcError(Status.INTERNAL, message);
      }
      // The limit applies after decompression, so a small gzip bomb is refused without inflating it.
      const inflated = codec.decompress(bytes, this.maxLength);
      if (inflated instanceof GrpcError) return inflated;
      bytes = inflated;
    }
    try {
      return this.method.deserializeResponse(bytes);
    } catch (err) {
      return new GrpcError(Status.INTERNAL, `Response message parsing error: ${errorMessageOf(err)}`, { cause: err });
    }
  }
}
