// CORS for web callers on another origin (Fetch standard, "CORS protocol"): the preflight is answered here,
// never by a handler, and every web response names the gRPC-Web and Connect headers a page may read.
import {
  CONTENT_TYPE_HEADER, GRPC_ACCEPT_ENCODING_HEADER, GRPC_ENCODING_HEADER, GRPC_MESSAGE_HEADER, GRPC_STATUS_DETAILS_HEADER,
  GRPC_STATUS_HEADER, GRPC_TIMEOUT_HEADER,
} from '../../protocol/headers.js';
import type { WebHeaders } from './web-exchange.js';

/** Which pages may call: origins, extra request headers (user metadata) and response headers to expose. */
export interface CorsOptions {
  /** Allowed origins ('https://app.example.com'), or '*' for any. */
  origins: '*' | readonly string[];
  /** Request headers besides the protocols' own that pages may send (user metadata keys). */
  allowedHeaders?: readonly string[];
  /** Response headers besides the protocols' own that pages may read (user metadata keys; their Connect 'trailer-' forms too). */
  exposedHeaders?: readonly string[];
  /** Seconds a browser may cache a preflight; default 7200. */
  maxAge?: number;
  /** Allow cookies and HTTP auth (Access-Control-Allow-Credentials); needs listed origins, not '*'. */
  credentials?: boolean;
}

const PROTOCOL_REQUEST_HEADERS = [
  CONTENT_TYPE_HEADER, 'x-grpc-web', 'x-user-agent', GRPC_TIMEOUT_HEADER, GRPC_ENCODING_HEADER, GRPC_ACCEPT_ENCODING_HEADER,
  'connect-protocol-version', 'connect-timeout-ms', 'connect-content-encoding', 'connect-accept-encoding',
  'content-encoding', 'accept-encoding',
];
const PROTOCOL_RESPONSE_HEADERS = [
  GRPC_STATUS_HEADER, GRPC_MESSAGE_HEADER, GRPC_STATUS_DETAILS_HEADER, GRPC_ENCODING_HEADER, GRPC_ACCEPT_ENCODING_HEADER,
  'connect-content-encoding', 'connect-accept-encoding', 'content-encoding',
];

/** The CORS answers of one server, built once from its options. */
export class CorsPolicy {
  readonly #origins: '*' | ReadonlySet<string>;
  readonly #preflight: WebHeaders;
  readonly #expose: string;
  readonly #credentials: boolean;

  constructor(options: CorsOptions) {
    this.#origins = options.origins === '*' ? '*' : new Set(options.origins);
    this.#credentials = options.credentials === true;
    this.#preflight = {
      'access-control-allow-methods': 'POST, GET, OPTIONS',
      'access-control-allow-headers': [...PROTOCOL_REQUEST_HEADERS, ...(options.allowedHeaders ?? [])].join(', '),
      'access-control-max-age': String(options.maxAge ?? 7200),
    };
    // Connect unary sends trailing metadata as 'trailer-' headers: a page reads them only when exposed too.
    const exposed = (options.exposedHeaders ?? []).flatMap((name) => [name, `trailer-${name}`]);
    this.#expose = [...PROTOCOL_RESPONSE_HEADERS, ...exposed].join(', ');
  }

  /** Whether a request from `origin` may be answered. */
  allows(origin: string | undefined): origin is string {
    return origin !== undefined && (this.#origins === '*' || this.#origins.has(origin));
  }

  /** Headers for an allowed actual request's response. */
  responseHeaders(origin: string): WebHeaders {
    return { ...this.#allowOrigin(origin), 'access-control-expose-headers': this.#expose };
  }

  /** Headers for an allowed preflight's 204. */
  preflightHeaders(origin: string): WebHeaders {
    return { ...this.#allowOrigin(origin), ...this.#preflight };
  }

  #allowOrigin(origin: string): WebHeaders {
    const headers: WebHeaders = { 'access-control-allow-origin': this.#origins === '*' && !this.#credentials ? '*' : origin, vary: 'Origin' };
    if (this.#credentials) headers['access-control-allow-credentials'] = 'true';
    return headers;
  }
}
