// What a ServerCall sees as its HTTP/2 stream when the call came by a web protocol: gRPC frames in, gRPC frames,
// headers and trailers out, translated to and from the web protocol's wire by a subclass. The call, dispatch,
// handlers, deadlines and errors are the gRPC ones, unchanged.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { CONTENT_TYPE_HEADER } from '../../protocol/headers.js';
import { buildTrailers, buildTrailersOnly } from '../../protocol/response-headers.js';
import type { OutgoingHeaders } from '../../protocol/response-headers.js';
import type { Status } from '../../protocol/status.js';
import type { WebExchange, WebHeaders } from './web-exchange.js';

/** The options a ServerCall's ResponseSender passes to respond(). */
export interface RespondOptions {
  readonly endStream?: boolean;
  readonly waitForTrailers?: boolean;
}

/** The part of ServerHttp2Stream a ServerCall uses, over a WebExchange. */
export abstract class WebCallStream extends EventEmitter {
  #reading = false;
  #gone = false;

  constructor(protected readonly exchange: WebExchange, protected readonly extraHeaders: Readonly<WebHeaders>) {
    super();
    exchange.output.on('close', () => this.emit('close'));
    exchange.output.on('drain', () => this.emit('drain'));
    exchange.input.on('error', ignore);
    exchange.output.on('error', ignore);
    // The request body flows once the call reads it (a listener for 'data'), as on a node:http2 stream.
    this.on('newListener', (event: string) => {
      if (event !== 'data' || this.#reading) return;
      this.#reading = true;
      exchange.input.on('data', (chunk: Buffer) => { if (!this.#gone) this.receive(chunk); });
      exchange.input.on('end', () => { if (!this.#gone) this.receiveEnd(); });
    });
  }

  /** Request bytes of the web protocol -> 'data' events with gRPC frames. */
  protected abstract receive(chunk: Buffer): void;
  /** The request body ended -> 'end', or a failure. */
  protected abstract receiveEnd(): void;
  abstract respond(headers: OutgoingHeaders, options?: RespondOptions): void;
  abstract write(chunk: Buffer, callback?: () => void): boolean;
  abstract end(chunk?: Buffer): void;
  abstract sendTrailers(trailers: OutgoingHeaders): void;

  get session(): { socket: Socket | undefined } {
    return { socket: this.exchange.socket };
  }

  get aborted(): boolean {
    return this.exchange.aborted;
  }

  get destroyed(): boolean {
    return this.#gone || this.exchange.output.destroyed;
  }

  get readableEnded(): boolean {
    return this.exchange.input.readableEnded;
  }

  get writableNeedDrain(): boolean {
    return this.exchange.output.writableNeedDrain;
  }

  get writableLength(): number {
    return this.exchange.output.writableLength;
  }

  cork(): void {
    this.exchange.output.cork();
  }

  uncork(): void {
    this.exchange.output.uncork();
  }

  /** ResponseSender's "stop receiving" after the call's status. */
  close(): void {
    this.exchange.stopReceiving();
  }

  /** Refuses the request before any call starts (a header the web protocol forbids); the body is not read. */
  reject(code: Status, message: string): void {
    this.refuse(code, message);
    this.exchange.input.resume();
  }

  /**
   * A request the web wire could not carry (bad base64, malformed JSON): answered with `code` before the call
   * read anything, then the call sees its stream close, as when a client goes away.
   */
  protected refuse(code: Status, message: string): void {
    if (this.#gone) return;
    this.respond(buildTrailersOnly(buildTrailers(code, message, undefined), false), { endStream: true });
    this.#gone = true;
    this.exchange.stopReceiving();
    this.emit('close');
  }

  /** The HTTP headers of a response: `headers` without gRPC's content-type, the protocol's and CORS's added. */
  protected responseHeaders(headers: OutgoingHeaders, status: number, contentType: string | undefined): WebHeaders {
    const out: WebHeaders = { ...headers, ...this.extraHeaders, ':status': status };
    if (contentType === undefined) delete out[CONTENT_TYPE_HEADER];
    else out[CONTENT_TYPE_HEADER] = contentType;
    return out;
  }
}

function ignore(): void {}
