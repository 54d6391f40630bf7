// A Connect unary call (protocol "Unary-Request"/"Unary-Response") onto a ServerCall: the whole body becomes one
// gRPC frame (compressed when content-encoding says so); the call's one response frame becomes the body, its
// status an HTTP status with the error JSON, trailers 'trailer-' headers.
import { findCodec } from '../../protocol/compression.js';
import { connectContentType, connectErrorOf, httpStatusOfCode } from '../../protocol/connect.js';
import type { ConnectContentType } from '../../protocol/connect.js';
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
import { metadataHeaders } from './web-metadata.js';

/** How a Connect unary request arrived: its kind, body encoding, and the JSON transcoder when JSON. */
export interface ConnectUnaryRequest {
  readonly kind: ConnectContentType;
  readonly encoding: string;
  readonly transcoder: MessageTranscoder | undefined;
  readonly maxLength: number;
  /** GET: the message from the query string, already decoded; undefined for POST. */
  readonly message?: Buffer;
}

/** One Connect unary call as a ServerCall's stream. */
export class ConnectUnaryStream extends WebCallStream {
  readonly #request: ConnectUnaryRequest;
  readonly #body: Buffer[] = [];
  #bodyLength = 0;
  #headers: OutgoingHeaders | undefined;
  readonly #out: Buffer[] = [];

  constructor(exchange: WebExchange, extraHeaders: Readonly<WebHeaders>, request: ConnectUnaryRequest) {
    super(exchange, extraHeaders);
    this.#request = request;
  }

  protected receive(chunk: Buffer): void {
    this.#bodyLength += chunk.length;
    if (this.#bodyLength > this.#request.maxLength) {
      this.refuse(Status.RESOURCE_EXHAUSTED, `Received a message larger than max (${this.#bodyLength} vs. ${this.#request.maxLength})`);
      return;
    }
    this.#body.push(chunk);
  }

  protected receiveEnd(): void {
    const frame = this.#requestFrame(this.#request.message ?? Buffer.concat(this.#body));
    if (frame instanceof GrpcError) {
      this.refuse(frame.code, frame.message);
      return;
    }
    this.emit('data', frame);
    this.emit('end');
  }

  #requestFrame(body: Buffer): Buffer | GrpcError {
    const { transcoder, encoding } = this.#request;
    if (transcoder === undefined) return frameOf(body, encoding !== 'identity' && body.length > 0);
    let json = body;
    if (encoding !== 'identity') {
      const codec = findCodec(encoding);
      if (codec === undefined) return new GrpcError(Status.UNIMPLEMENTED, `Unsupported content-encoding: ${encoding}`);
      const inflated = codec.decompress(body, this.#request.maxLength);
      if (inflated instanceof GrpcError) return inflated;
      json = inflated;
    }
    const bytes = transcoder.request(json);
    return bytes instanceof GrpcError ? bytes : frameOf(bytes, false);
  }

  respond(headers: OutgoingHeaders, options: RespondOptions = {}): void {
    if (options.endStream === true) this.#finish(headers, headers);
    else this.#headers = headers;
  }

  write(chunk: Buffer, callback?: () => void): boolean {
    this.#out.push(chunk);
    callback?.();
    return true;
  }

  end(chunk?: Buffer): void {
    if (chunk !== undefined) this.#out.push(chunk);
    this.emit('wantTrailers');
  }

  sendTrailers(trailers: OutgoingHeaders): void {
    this.#finish(this.#headers ?? {}, trailers);
  }

  #finish(headers: OutgoingHeaders, trailers: OutgoingHeaders): void {
    const status = statusFromTrailers(trailers as Record<string, string | string[]>)
      ?? { code: Status.UNKNOWN, message: 'The call ended without a status', metadata: new Metadata() };
    const metadata = { ...metadataHeaders(headers), ...metadataHeaders(trailers, 'trailer-') };
    const output = this.exchange.output;
    if (status.code !== Status.OK) {
      this.exchange.respond({ ...metadata, ...this.responseHeaders({}, httpStatusOfCode(status.code), 'application/json') }, false);
      output.end(JSON.stringify(connectErrorOf(status)));
      return;
    }
    const all = Buffer.concat(this.#out);
    const compressed = all[0] === 1;
    const message = all.subarray(5, 5 + (all.length >= 5 ? all.readUInt32BE(1) : 0));
    const out: WebHeaders = { ...metadata, ...this.responseHeaders({}, 200, connectContentType(this.#request.kind)) };
    const transcoder = this.#request.transcoder;
    if (compressed) out['content-encoding'] = String(headers[GRPC_ENCODING_HEADER]);
    this.exchange.respond(out, false);
    output.end(transcoder === undefined ? message : transcoder.response(message));
  }
}

function frameOf(message: Buffer, compressed: boolean): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.length);
  frame[0] = compressed ? 1 : 0;
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}
