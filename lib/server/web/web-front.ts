// Routes a request that is not gRPC to the web protocol its content-type names (gRPC-Web, Connect), answers CORS
// preflights, and hands the call to the server's own gRPC path through a WebCallStream. With the option off
// none of this exists; with it on, gRPC requests never reach it (one content-type check at routing).
import type { Http2SecureServer, Http2Server, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server as NetServer } from 'node:net';
import { parseGrpcWebContentType } from '../../protocol/grpc-web.js';
import { isGrpcContentType } from '../../protocol/headers.js';
import { CorsPolicy } from './cors.js';
import type { CorsOptions } from './cors.js';
import { GrpcWebStream } from './grpc-web-stream.js';
import { Http1Bridge } from './http1-bridge.js';
import { http1Exchange, http2Exchange } from './web-exchange.js';
import type { WebExchange, WebHeaders } from './web-exchange.js';
import type { WebCallStream } from './web-call-stream.js';

/** The `web` server option: which protocols browsers and HTTP clients may use, and CORS. */
export interface WebOptions {
  /** gRPC-Web, binary and text; default true. */
  grpcWeb?: boolean;
  /** The Connect protocol, unary and streaming, proto and JSON; default true. */
  connect?: boolean;
  /** Answer other origins; default: same-origin only (no CORS headers). */
  cors?: CorsOptions;
}

/** What the server gives its web front: the gRPC call path, and whether a path is served. */
export interface WebCallHost {
  serveCall(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void;
  serves(path: string | undefined): boolean;
}

const NO_HEADERS: WebHeaders = Object.freeze({});

/** The web protocols of one server. */
export class WebFront {
  readonly #grpcWeb: boolean;
  readonly #cors: CorsPolicy | undefined;
  readonly #http1 = new Http1Bridge(this);

  constructor(options: true | WebOptions, private readonly host: WebCallHost) {
    const chosen = options === true ? {} : options;
    this.#grpcWeb = chosen.grpcWeb ?? true;
    this.#cors = chosen.cors === undefined ? undefined : new CorsPolicy(chosen.cors);
  }

  /**
   * Joins HTTP/1.1 to `http2`'s port: for plaintext, the listener to listen on instead (it sniffs each
   * connection); over TLS, undefined, ALPN's 'http/1.1' being routed here (createSecureServer needs allowHTTP1).
   */
  listenOn(http2: Http2Server | Http2SecureServer, tls: boolean): NetServer | undefined {
    if (!tls) return this.#http1.plaintext(http2 as Http2Server);
    this.#http1.tls(http2 as Http2SecureServer);
    return undefined;
  }

  /** Closes HTTP/1.1 connections: idle ones, or all with `force`. */
  close(force: boolean): void {
    this.#http1.close(force);
  }

  /** An HTTP/2 request that is not gRPC; false when no web protocol takes it (the server answers 415). */
  serveHttp2(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): boolean {
    return this.#serve(http2Exchange(stream), headers);
  }

  /** An HTTP/1.1 request: a web protocol, a preflight, or a refusal (gRPC needs HTTP/2). */
  serveHttp1(request: IncomingMessage, response: ServerResponse): void {
    const headers: IncomingHttpHeaders = { ...request.headers, ':method': request.method, ':path': request.url };
    if (isGrpcContentType(headers['content-type'])) {
      response.writeHead(505, { 'content-type': 'text/plain' }).end('gRPC requires HTTP/2; use gRPC-Web or Connect over HTTP/1.1\n');
      return;
    }
    if (!this.#serve(http1Exchange(request, response), headers)) {
      response.writeHead(415, { 'content-type': 'text/plain' }).end('Unsupported content-type\n');
    }
  }

  #serve(exchange: WebExchange, headers: IncomingHttpHeaders): boolean {
    const origin = headers.origin;
    if (headers[':method'] === 'OPTIONS') {
      this.#preflight(exchange, headers);
      return true;
    }
    const cors = this.#cors?.allows(origin) === true ? this.#cors.responseHeaders(origin!) : NO_HEADERS;
    const format = this.#grpcWeb ? parseGrpcWebContentType(headers['content-type']) : undefined;
    if (format !== undefined) {
      this.#start(new GrpcWebStream(exchange, cors, format), headers);
      return true;
    }
    return false;
  }

  // A preflight is answered here, never by a handler: 204 for a served method from an allowed origin,
  // 403 for another origin, 404 for a path no method has.
  #preflight(exchange: WebExchange, headers: IncomingHttpHeaders): void {
    const origin = headers.origin;
    const cors = this.#cors;
    if (cors === undefined || !cors.allows(origin)) exchange.respond({ ':status': 403 }, true);
    else if (!this.host.serves(headers[':path'])) exchange.respond({ ':status': 404, ...cors.responseHeaders(origin) }, true);
    else exchange.respond({ ':status': 204, ...cors.preflightHeaders(origin) }, true);
    exchange.input.resume();
  }

  #start(stream: WebCallStream, headers: IncomingHttpHeaders): void {
    // The gRPC path reads only gRPC's headers; the web content-type has done its work.
    const grpcHeaders: IncomingHttpHeaders = { ...headers, 'content-type': 'application/grpc' };
    this.host.serveCall(stream as unknown as ServerHttp2Stream, grpcHeaders);
  }
}
