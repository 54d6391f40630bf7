// gRPC-Web (PROTOCOL-WEB.md) onto a ServerCall: the body's frames are gRPC's, the trailers become a last frame
// flagged 0x80, and the text forms are base64 both ways. Trailers-only answers stay in the headers, as the spec
// allows.
import { Base64ChunkDecoder, encodeTrailerFrame, grpcWebContentType } from '../../protocol/grpc-web.js';
import type { GrpcWebFormat } from '../../protocol/grpc-web.js';
import type { OutgoingHeaders } from '../../protocol/response-headers.js';
import { Status } from '../../protocol/status.js';
import { WebCallStream } from './web-call-stream.js';
import type { RespondOptions } from './web-call-stream.js';
import type { WebExchange, WebHeaders } from './web-exchange.js';

/** One gRPC-Web call as a ServerCall's stream. */
export class GrpcWebStream extends WebCallStream {
  readonly #text: Base64ChunkDecoder | undefined;
  readonly #contentType: string;
  #wantTrailers = false;

  constructor(exchange: WebExchange, extraHeaders: Readonly<WebHeaders>, format: GrpcWebFormat) {
    super(exchange, extraHeaders);
    this.#text = format === 'text' ? new Base64ChunkDecoder() : undefined;
    this.#contentType = grpcWebContentType(format);
  }

  protected receive(chunk: Buffer): void {
    if (this.#text === undefined) {
      this.emit('data', chunk);
      return;
    }
    const bytes = this.#text.push(chunk);
    if (bytes instanceof Error) this.refuse(Status.INTERNAL, bytes.message);
    else if (bytes.length > 0) this.emit('data', bytes);
  }

  protected receiveEnd(): void {
    const error = this.#text?.end();
    if (error !== undefined) this.refuse(Status.INTERNAL, error.message);
    else this.emit('end');
  }

  respond(headers: OutgoingHeaders, options: RespondOptions = {}): void {
    this.#wantTrailers = options.waitForTrailers === true;
    this.exchange.respond(this.responseHeaders(headers, 200, this.#contentType), options.endStream === true);
  }

  write(chunk: Buffer, callback?: () => void): boolean {
    // Each write is base64 on its own, padding included: the spec has clients decode padded chunks in a row.
    const out = this.#text === undefined ? chunk : Buffer.from(chunk.toString('base64'), 'latin1');
    return this.exchange.output.write(out, callback);
  }

  end(chunk?: Buffer): void {
    if (chunk !== undefined) this.write(chunk);
    // The call's ResponseSender answers 'wantTrailers' with sendTrailers, which writes the trailer frame before the end.
    if (this.#wantTrailers) this.emit('wantTrailers');
    this.exchange.output.end();
  }

  sendTrailers(trailers: OutgoingHeaders): void {
    this.write(encodeTrailerFrame(trailers));
  }
}
