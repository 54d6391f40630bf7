// Routes a request that is not gRPC to the web protocol its content-type names (gRPC-Web, Connect), answers CORS
// preflights, and hands the call to the server's own gRPC path through a WebCallStream. With the option off
// none of this exists; with it on, gRPC requests never reach it (one content-type check at routing).
import type { Http2SecureServer, Http2Server, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server as NetServer } from 'node:net';
import { parseGrpcWebContentType } from '../../protocol/grpc-web.js';
import { parseConnectContentType, parseConnectGetQuery, parseConnectTimeout } from '../../protocol/connect.js';
import type { ConnectContentType } from '../../protocol/connect.js';
import {
  CONTENT_TYPE_HEADER, GRPC_ACCEPT_ENCODING_HEADER, GRPC_CONTENT_TYPE, GRPC_ENCODING_HEADER, GRPC_TIMEOUT_HEADER, isGrpcContentType,
} from '../../protocol/headers.js';
import { Status } from '../../protocol/status.js';
import type { MethodDescriptor } from '../../schema/descriptors.js';
import { ConnectStreamingStream } from './connect-streaming-stream.js';
import { ConnectUnaryStream } from './connect-unary-stream.js';
import { hasNoSideEffects, transcoderOf } from './message-transcoder.js';
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
  /** The method served at `path`, if any. */
  method(path: string | undefined): MethodDescriptor | undefined;
  readonly maxReceiveMessageLength: number;
}

const NO_HEADERS: WebHeaders = Object.freeze({});

/** The web protocols of one server. */
export class WebFront {
  readonly #grpcWeb: boolean;
  readonly #connect: boolean;
  readonly #cors: CorsPolicy | undefined;
  readonly #http1 = new Http1Bridge(this);

  constructor(options: true | WebOptions, private readonly host: WebCallHost) {
    const chosen = options === true ? {} : options;
    this.#grpcWeb = chosen.grpcWeb ?? true;
    this.#connect = chosen.connect ?? true;
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
    if (isGrpcContentType(headers[CONTENT_TYPE_HEADER])) {
      response.writeHead(505, { [CONTENT_TYPE_HEADER]: 'text/plain' }).end('gRPC requires HTTP/2; use gRPC-Web or Connect over HTTP/1.1\n');
      return;
    }
    if (!this.#serve(http1Exchange(request, response), headers)) {
      response.writeHead(415, { [CONTENT_TYPE_HEADER]: 'text/plain' }).end('Unsupported content-type\n');
    }
  }

  #serve(exchange: WebExchange, headers: IncomingHttpHeaders): boolean {
    const origin = headers.origin;
    if (headers[':method'] === 'OPTIONS') {
      this.#preflight(exchange, headers);
      return true;
    }
    const cors = this.#cors?.allows(origin) === true ? this.#cors.responseHeaders(origin!) : NO_HEADERS;
    const format = this.#grpcWeb ? parseGrpcWebContentType(headers[CONTENT_TYPE_HEADER]) : undefined;
    if (format !== undefined) {
      this.#start(new GrpcWebStream(exchange, cors, format), headers);
      return true;
    }
    if (this.#connect && headers[':method'] === 'GET') return this.#startConnectGet(exchange, cors, headers);
    const connect = this.#connect ? parseConnectContentType(headers[CONTENT_TYPE_HEADER]) : undefined;
    if (connect !== undefined) {
      this.#startConnect(exchange, cors, connect, headers);
      return true;
    }
    return false;
  }

  // GET serves only methods marked side-effect free (option idempotency_level = NO_SIDE_EFFECTS), as Connect says;
  // any other GET is not ours (415 from the caller).
  #startConnectGet(exchange: WebExchange, cors: WebHeaders, headers: IncomingHttpHeaders): boolean {
    const target = headers[':path'] ?? '';
    const question = target.indexOf('?');
    const path = question === -1 ? target : target.slice(0, question);
    const method = this.host.method(path);
    if (method === undefined || !hasNoSideEffects(method)) return false;
    const query = parseConnectGetQuery(question === -1 ? '' : target.slice(question + 1));
    if (query instanceof Error) {
      exchange.respond({ ':status': 400, ...cors, [CONTENT_TYPE_HEADER]: 'application/json' }, false);
      exchange.output.end(JSON.stringify({ code: 'invalid_argument', message: query.message }));
      return true;
    }
    const kind: ConnectContentType = { streaming: false, codec: query.codec };
    const transcoder = query.codec === 'json' ? transcoderOf(method) : undefined;
    const { 'accept-encoding': accepts, 'connect-timeout-ms': timeout, ...rest } = headers;
    const grpcHeaders: IncomingHttpHeaders = { ...rest, ':path': path };
    if (query.codec === 'proto' && query.encoding !== 'identity') grpcHeaders[GRPC_ENCODING_HEADER] = query.encoding;
    if (query.codec === 'proto' && accepts !== undefined) grpcHeaders[GRPC_ACCEPT_ENCODING_HEADER] = accepts;
    const max = this.host.maxReceiveMessageLength;
    this.#startWithTimeout(new ConnectUnaryStream(exchange, cors, { kind, encoding: query.encoding, transcoder, maxLength: max, message: query.message }),
      grpcHeaders, timeout);
    return true;
  }

  #startConnect(exchange: WebExchange, cors: WebHeaders, kind: ConnectContentType, headers: IncomingHttpHeaders): void {
    const method = this.host.method(headers[':path']);
    const transcoder = kind.codec === 'json' && method !== undefined ? transcoderOf(method) : undefined;
    const { 'content-encoding': bodyEncoding, 'accept-encoding': accepts, 'connect-content-encoding': streamEncoding,
      'connect-accept-encoding': streamAccepts, 'connect-timeout-ms': timeout, 'connect-protocol-version': _version,
      ...rest } = headers;
    const grpcHeaders: IncomingHttpHeaders = rest;
    const encoding = String((kind.streaming ? streamEncoding : bodyEncoding) ?? 'identity').toLowerCase();
    // JSON bodies are transcoded here, so the call sees identity; JSON responses go uncompressed.
    if (kind.codec === 'proto') {
      if (encoding !== 'identity') grpcHeaders[GRPC_ENCODING_HEADER] = encoding;
      const accepted = kind.streaming ? streamAccepts : accepts;
      if (accepted !== undefined) grpcHeaders[GRPC_ACCEPT_ENCODING_HEADER] = accepted;
    }
    const max = this.host.maxReceiveMessageLength;
    const stream = kind.streaming
      ? new ConnectStreamingStream(exchange, cors, kind, transcoder, max, encoding)
      : new ConnectUnaryStream(exchange, cors, { kind, encoding, transcoder, maxLength: max });
    this.#startWithTimeout(stream, grpcHeaders, timeout);
  }

  /** connect-timeout-ms becomes grpc-timeout; one that is not 1-10 digits is the caller's invalid_argument. */
  #startWithTimeout(stream: WebCallStream, grpcHeaders: IncomingHttpHeaders, timeout: string | string[] | undefined): void {
    if (timeout !== undefined) {
      const ms = parseConnectTimeout(String(timeout));
      if (ms instanceof Error) {
        stream.reject(Status.INVALID_ARGUMENT, ms.message);
        return;
      }
      grpcHeaders[GRPC_TIMEOUT_HEADER] = `${ms}m`;
    }
    this.#start(stream, grpcHeaders);
  }

  // A preflight is answered here, never by a handler: 204 for a served method from an allowed origin,
  // 403 for another origin, 404 for a path no method has.
  #preflight(exchange: WebExchange, headers: IncomingHttpHeaders): void {
    const origin = headers.origin;
    const cors = this.#cors;
    if (cors === undefined || !cors.allows(origin)) exchange.respond({ ':status': 403 }, true);
    else if (this.host.method(headers[':path']?.split('?')[0]) === undefined) exchange.respond({ ':status': 404, ...cors.responseHeaders(origin) }, true);
    else exchange.respond({ ':status': 204, ...cors.preflightHeaders(origin) }, true);
    exchange.input.resume();
  }

  #start(stream: WebCallStream, headers: IncomingHttpHeaders): void {
    // The gRPC path reads only gRPC's headers; the web content-type has done its work.
    const grpcHeaders: IncomingHttpHeaders = { ...headers, [CONTENT_TYPE_HEADER]: GRPC_CONTENT_TYPE };
    this.host.serveCall(stream as unknown as ServerHttp2Stream, grpcHeaders);
  }
}
