// A call's response messages -> frames (PROTOCOL-HTTP2 "Length-Prefixed-Message") under the send limit, and the
// response-compression rule: which grpc-encoding the headers name, and which codec each message uses.
import { findCodec } from '../protocol/compression.js';
import type { Codec, EncodingName } from '../protocol/compression.js';
import type { FrameBatch } from '../protocol/frame-batch.js';
import { frameMessage } from '../protocol/framing.js';
import { errorMessageOf, GrpcError } from '../protocol/grpc-error.js';
import { Status } from '../protocol/status.js';
import type { MethodDescriptor } from '../schema/descriptors.js';

// 'choosing': the headers are not out, any encoding the client accepts may still be picked.
// 'fixed': the headers named grpc-encoding; messages use it or none. 'done': the call ended, changes are moot.
type EncodingPhase = 'choosing' | 'fixed' | 'done';

/** Response messages -> frames, compressed with the codec in force. */
export class ResponseEncoder {
  #headerCodec: Codec | undefined;
  #messageCodec: Codec | undefined;
  #phase: EncodingPhase = 'choosing';

  /**
   * `codec`: the encoding negotiated from the request headers (undefined for identity); `accepted`: the
   * encodings the client reads, which a handler's later choice must be one of.
   */
  constructor(private readonly method: MethodDescriptor, private readonly maxLength: number, codec: Codec | undefined,
    private readonly accepted: readonly string[]) {
    this.#headerCodec = this.#messageCodec = codec;
  }

  /** The encoding the next message goes out with. */
  get compression(): EncodingName {
    return this.#messageCodec?.name ?? 'identity';
  }

  /** Whether the next message is compressed (framed alone) rather than batched uncompressed. */
  get compresses(): boolean {
    return this.#messageCodec !== undefined;
  }

  /**
   * A handler's choice of `encoding` for the following messages ('identity': uncompressed). Before the headers go
   * out any encoding the client accepts may be chosen (one it does not accept means identity); after, only
   * theirs or 'identity'. An unsupported name or a second encoding is the handler's bug: it throws.
   */
  setCompression(encoding: EncodingName): void {
    const codec = encoding === 'identity' ? undefined : findCodec(encoding);
    if (codec === undefined && encoding !== 'identity') throw new TypeError(`Unsupported compression: ${String(encoding)}`);
    if (this.#phase === 'done') return;
    if (this.#phase === 'choosing') {
      this.#headerCodec = this.#messageCodec = codec !== undefined && this.accepted.includes(codec.name) ? codec : undefined;
    } else if (codec === undefined || codec === this.#headerCodec) {
      this.#messageCodec = codec;
    } else {
      throw new Error(`The response headers already name grpc-encoding ${this.#headerCodec?.name ?? 'identity'}, not ${codec.name}`);
    }
  }

  /** The headers are going out: the grpc-encoding they name (undefined for identity), fixed from now on. */
  fixEncoding(): EncodingName | undefined {
    this.#phase = 'fixed';
    return this.#headerCodec?.name;
  }

  /** The call ended: later choices are ignored. */
  finish(): void {
    this.#phase = 'done';
  }

  /** One message's frame, compressed when a codec is in force; or the error to end the call with. */
  encode(value: unknown): Buffer | GrpcError {
    try {
      return frameMessage(this.method.serializeResponse, value ?? {}, this.#messageCodec, this.maxLength, 'server');
    } catch (err) {
      return serializeFailure(err);
    }
  }

  /** Appends one uncompressed message's frame to `batch`; the error to end the call with, if any. */
  append(value: unknown, batch: FrameBatch): undefined | GrpcError {
    let appended: number | GrpcError;
    try {
      appended = this.method.serializeResponseFrame(value ?? {}, batch, this.maxLength);
    } catch (err) {
      return serializeFailure(err);
    }
    return appended instanceof GrpcError ? appended : undefined;
  }
}

function serializeFailure(err: unknown): GrpcError {
  return new GrpcError(Status.INTERNAL, `Failed to serialize response: ${errorMessageOf(err)}`, { cause: err });
}
