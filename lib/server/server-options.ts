// What a GrpcServer is built from: its options, our defaults under them, and the three things the options become
// (the node:http2 server options, the connection limits, what every call shares).
import type { SecureServerOptions, ServerOptions as Http2ServerOptions } from 'node:http2';
import type { AccessLogOption } from '../observability/access-log.js';
import type { TelemetryOption } from '../observability/telemetry-options.js';
import type { RequestContextOptions } from '../context/propagation-policy.js';
import type { EncodingName } from '../protocol/compression.js';
import type { BuiltInServiceOptions } from '../services/built-in-services.js';
import type { ConnectionLimits } from './connection-guard.js';
import type { ConnectionPolicyOptions } from './connection-policy.js';
import type { ServerInterceptor } from './server-interceptor.js';
import type { WebOptions } from './web/web-front.js';

/** Server-wide options; `health` and `reflection` (default off) come from BuiltInServiceOptions. */
export interface ServerOptions extends BuiltInServiceOptions, ConnectionPolicyOptions {
  /** Largest request message accepted, after decompression; default 4 MiB. */
  maxReceiveMessageLength?: number;
  /** Largest response message sent; default unlimited. */
  maxSendMessageLength?: number;
  /** Compression for responses when the client accepts it and did not compress its request. */
  defaultCompression?: EncodingName;
  /** Most calls open at once on one connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS); default 4294967295 (node's). */
  maxConcurrentStreams?: number;
  /**
   * Largest request header block (metadata) accepted, in bytes (SETTINGS_MAX_HEADER_LIST_SIZE); default 8 KiB, as
   * gRPC. A larger one is refused with RST_STREAM ENHANCE_YOUR_CALM, which clients report as RESOURCE_EXHAUSTED.
   */
  maxMetadataSize?: number;
  /** Passed to node:http2 createServer, over our defaults. */
  http2?: Http2ServerOptions;
  /**
   * Serve TLS instead of plaintext: node:tls options (key, cert, ca, requestCert, rejectUnauthorized...) for
   * node:http2 createSecureServer. Only h2 is negotiated (ALPN); a client that does not offer it is disconnected.
   */
  tls?: SecureServerOptions;
  /**
   * Attach a google.rpc.DebugInfo (stack) to the UNKNOWN status of an exception nothing mapped;
   * default: true unless NODE_ENV is 'production'.
   */
  debugInfo?: boolean;
  /**
   * Run every handler registered from then on in its call's GrpcRequestContext: `GrpcRequestContext.current()`
   * finds it, and calls made while serving inherit its metadata, deadline and cancellation, as under Nest's
   * request-context interceptor. `true` takes the default RequestContextOptions; default off.
   */
  requestContext?: boolean | RequestContextOptions;

  // ---- Connection limits (README "Limits") ----

  /**
   * Time a new connection gets to send the HTTP/2 preface and SETTINGS (after TLS, when served over TLS); one that
   * does not (silent, or a byte at a time) is destroyed. Default 10 s; Infinity disables it.
   */
  handshakeTimeoutMs?: number;
  /** Time a connection may stay open without a call before it is sent GOAWAY and closed. Default 5 min; Infinity disables it. */
  idleTimeoutMs?: number;
  /**
   * Request bytes one connection may hold received but not yet decoded into messages (partial frames of all its
   * calls); the call whose data would pass it ends with RESOURCE_EXHAUSTED. Default 64 MiB.
   */
  maxBufferedRequestBytes?: number;

  // ---- Observability (README "Observability") ----

  /** Server interceptors, in order: each sees every call's start, messages and status (see ServerInterceptor). */
  interceptors?: readonly ServerInterceptor[];
  /**
   * OpenTelemetry traces (a SERVER span per call) and gRFC A66 metrics, through the global providers or those given;
   * needs the optional peer @opentelemetry/api, loaded only when this is on. Default off.
   */
  telemetry?: TelemetryOption;
  /** A structured entry per call (method, peer, status, duration, bytes, deadline): `true` for JSON lines on stdout, or a logger. */
  accessLog?: AccessLogOption;

  /**
   * Also serve browsers and HTTP clients on the same port, with the same handlers: gRPC-Web and the Connect
   * protocol, over HTTP/2 and HTTP/1.1 (see WebOptions, CORS included). Default off: gRPC only.
   */
  web?: boolean | WebOptions;
}

/** How close() lets the calls in flight end. */
export interface CloseOptions {
  /** Cancel every connection now (RST_STREAM CANCEL), without waiting for calls in flight. */
  force?: boolean;
  /** Longest wait for calls in flight once connections got GOAWAY; those still open then end CANCELLED. Default: no limit. */
  graceMs?: number;
  /** Keep serving this long after health turned NOT_SERVING, so load balancers stop routing here first; default 0. */
  drainDelayMs?: number;
}

const DEFAULT_MAX_RECEIVE = 4 * 1024 * 1024;
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_MAX_BUFFERED_REQUEST_BYTES = 64 * 1024 * 1024;

// A larger window than HTTP/2's 64 KiB default lets uploads run at link speed. Node refuses to send a header block
// over 64 KiB (resetting the stream instead), which grpc-js lifts: the peer's limit is the one that counts, and the
// status trailers we build stay far below it (MAX_STATUS_MESSAGE_BYTES). Past node:http2's maxSessionMemory (10 MB of
// a connection's buffered frames and streams) every new stream is reset ENHANCE_YOUR_CALM: a busy connection on a
// loaded host reached it in the soak (RESOURCE_EXHAUSTED "Bandwidth exhausted", then GOAWAY INTERNAL_ERROR, ~1.7 %
// of calls). grpc-js's server lifts it too; memory stays bounded by the windows and the limits above.
const DEFAULT_HTTP2: Http2ServerOptions = {
  settings: { initialWindowSize: 1024 * 1024 },
  maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER,
  maxSessionMemory: Number.MAX_SAFE_INTEGER,
};
const DEFAULT_MAX_METADATA = 8 * 1024;

/** What every call of one server shares: its limits and default compression. */
export interface ServerCallEnvironment {
  readonly maxReceiveMessageLength: number;
  readonly maxSendMessageLength: number;
  readonly defaultCompression: EncodingName | undefined;
}

/** What every call of the server shares. */
export function callEnvironmentOf(options: ServerOptions): ServerCallEnvironment {
  return {
    maxReceiveMessageLength: options.maxReceiveMessageLength ?? DEFAULT_MAX_RECEIVE,
    maxSendMessageLength: options.maxSendMessageLength ?? Infinity,
    defaultCompression: options.defaultCompression,
  };
}

/** What each connection may hold and how long it may sit: see ConnectionGuard. */
export function connectionLimitsOf(options: ServerOptions): ConnectionLimits {
  return {
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    maxBufferedRequestBytes: options.maxBufferedRequestBytes ?? DEFAULT_MAX_BUFFERED_REQUEST_BYTES,
  };
}

/** The node:http2 server options: our defaults, then the limits named as options, then the caller's own http2 options over all. */
export function http2OptionsOf(options: ServerOptions): Http2ServerOptions {
  const settings = {
    ...DEFAULT_HTTP2.settings,
    maxHeaderListSize: options.maxMetadataSize ?? DEFAULT_MAX_METADATA,
    ...(options.maxConcurrentStreams === undefined ? {} : { maxConcurrentStreams: options.maxConcurrentStreams }),
    ...options.http2?.settings,
  };
  return { ...DEFAULT_HTTP2, ...options.http2, settings };
}
