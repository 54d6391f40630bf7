// A Connect streaming call (protocol "Streaming-Request"/"Streaming-Response") onto a ServerCall. Its envelopes
// are gRPC's frames (flag 0x01 = compressed), so protobuf passes through; JSON is transcoded frame by frame. The
// status goes in the end-stream envelope (flag 0x02) with the trailing metadata, after HTTP 200.
import { connectContentType, encodeEndStream } from '../../protocol/connect.js';
import type { ConnectContentType } from '../../protocol/connect.js';
import { findCodec } from '../../protocol/compression.js';
import { FrameDecoder } from '../../protocol/framing.js';
import { GrpcError } from '../../protocol/grpc-error.js';
import { GRPC_ENCODING_HEADER } from '../../protocol/headers.js';
import { Metadata } from '../../protocol/metadata.js';
import type { OutgoingHeaders } from '../../protocol/response-headers.js';
import { Status } from '../../protocol/status.js';
import { statusFromTrailers } from '../../protocol/trailers.js';
import type { MessageTranscoder } from './message-transcoder.js';
import { WebCallStream } from './web-call-stream.js';
import type { RespondOptions } from './web-call-stream.js';
import type { WebExchange, WebHeaders } from './web-exchange.js';
import { metadataHeaders, metadataLists } from './web-metadata.js';

/** One Connect streaming call as a ServerCall's stream. */
export class ConnectStreamingStream extends WebCallStream {
  readonly #kind: ConnectContentType;
  readonly #transcoder: MessageTranscoder | undefined;
  readonly #requests: FrameDecoder | undefined;
  readonly #responses: FrameDecoder | undefined;
  readonly #maxLength: number;
  readonly #encoding: string;

  constructor(exchange: WebExchange, extraHeaders: Readonly<WebHeaders>, kind: ConnectContentType,
    transcoder: MessageTranscoder | undefined, maxLength: number, encoding: string) {
    super(exchange, extraHeaders);
    this.#maxLength = maxLength;
    this.#encoding = encoding;
    this.#kind = kind;
    this.#transcoder = transcoder;
    // JSON needs whole frames to transcode; protobuf frames pass as they are.
    this.#requests = transcoder === undefined ? undefined : new FrameDecoder(maxLength);
    this.#responses = transcoder === undefined ? undefined : new FrameDecoder(Infinity);
  }

  protected receive(chunk: Buffer): void {
    const requests = this.#requests;
    if (requests === undefined) {
      this.emit('data', chunk);
      return;
    }
    const frames = requests.push(chunk);
    if (frames instanceof GrpcError) {
      this.refuse(frames.code, frames.message);
      return;
    }
    for (const frame of frames) {
      const json = frame.compressed ? this.#inflate(frame.data) : frame.data;
      const bytes = json instanceof GrpcError ? json : this.#transcoder!.request(json);
      if (bytes instanceof GrpcError) {
        this.refuse(bytes.code, bytes.message);
        return;
      }
      this.emit('data', envelope(0, bytes));
    }
  }

  // JSON messages are transcoded here, so a compressed one is inflated here too (connect-content-encoding).
  #inflate(data: Buffer): Buffer | GrpcError {
    const codec = findCodec(this.#encoding);
    if (codec === undefined) return new GrpcError(Status.UNIMPLEMENTED, `Unsupported connect-content-encoding: ${this.#encoding}`);
    return codec.decompress(data, this.#maxLength);
  }

  protected receiveEnd(): void {
    const error = this.#requests?.end();
    if (error !== undefined) this.refuse(error.code, error.message);
    else this.emit('end');
  }

  respond(headers: OutgoingHeaders, options: RespondOptions = {}): void {
    const out = this.responseHeaders(metadataHeaders(headers), 200, connectContentType(this.#kind));
    const encoding = headers[GRPC_ENCODING_HEADER];
    if (encoding !== undefined) out['connect-content-encoding'] = encoding;
    this.exchange.respond(out, false);
    if (options.endStream === true) this.#endWith(headers);
  }

  write(chunk: Buffer, callback?: () => void): boolean {
    const responses = this.#responses;
    if (responses === undefined) return this.exchange.output.write(chunk, callback);
    const frames = responses.push(chunk) as Exclude<ReturnType<FrameDecoder['push']>, GrpcError>;
    const out = frames.map((frame) => envelope(0, this.#transcoder!.response(frame.data)));
    return this.exchange.output.write(Buffer.concat(out), callback);
  }

  end(chunk?: Buffer): void {
    if (chunk !== undefined) this.write(chunk);
    this.emit('wantTrailers');
  }

  sendTrailers(trailers: OutgoingHeaders): void {
    this.#endWith(trailers);
  }

  #endWith(trailers: OutgoingHeaders): void {
    const status = statusFromTrailers(trailers as Record<string, string | string[]>)
      ?? { code: Status.UNKNOWN, message: 'The call ended without a status', metadata: new Metadata() };
    this.exchange.output.end(encodeEndStream(status, metadataLists(trailers)));
  }
}

function envelope(flags: number, message: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.length);
  frame[0] = flags;
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}
