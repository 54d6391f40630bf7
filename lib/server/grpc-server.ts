// The gRPC server on node:http2: listens (plaintext h2c, or TLS with h2 by ALPN), tracks sessions, routes each
// stream to a ServerCall, and drains or destroys connections on close.
import { createSecureServer, createServer } from 'node:http2';
import type {
  Http2SecureServer, Http2Server, Http2Session, IncomingHttpHeaders, SecureServerOptions, ServerHttp2Session,
  ServerHttp2Stream, ServerOptions as Http2ServerOptions,
} from 'node:http2';
import { lstatSync, unlinkSync } from 'node:fs';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { PropagationPolicy } from '../context/propagation-policy.js';
import { createAccessLogInterceptor } from '../observability/access-log.js';
import type { AccessLogOption } from '../observability/access-log.js';
import { createOtelServerInterceptor } from '../observability/otel-server-interceptor.js';
import type { TelemetryOption } from '../observability/telemetry-options.js';
import type { RequestContextOptions } from '../context/propagation-policy.js';
import { runInScope, withRequestContext } from '../context/with-request-context.js';
import type { EncodingName } from '../protocol/compression.js';
import { isGrpcRequest, parseRequestHeaders } from '../protocol/request-headers.js';
import { buildTrailers, buildTrailersOnly, UNSUPPORTED_MEDIA_TYPE } from '../protocol/response-headers.js';
import { Status } from '../protocol/status.js';
import type { MethodDescriptor, ServiceDescriptor } from '../schema/descriptors.js';
import { describeGrpcJsService, isGrpcJsServiceDefinition } from '../schema/grpc-js-definition.js';
import type { GrpcJsServiceDefinition } from '../schema/grpc-js-definition.js';
import { createBuiltInServices } from '../services/built-in-services.js';
import type { BuiltInServices, BuiltInServiceOptions } from '../services/built-in-services.js';
import type { GrpcHealth } from '../services/health/grpc-health.js';
import { ServerCallContext } from './call-context.js';
import { ConnectionGuard } from './connection-guard.js';
import type { ConnectionLimits } from './connection-guard.js';
import type { ServerHandler } from './call-context.js';
import { ConnectionPolicy } from './connection-policy.js';
import type { ConnectionPolicyOptions } from './connection-policy.js';
import { dispatch } from './dispatch.js';
import type { ErrorDetailOptions } from './error-registry.js';
import { createGrpcJsHandlers } from './grpc-js-service.js';
import type { GrpcJsImplementation } from './grpc-js-service.js';
import type { RequestBudget } from './request-decoder.js';
import { Router } from './router.js';
import { ServerCall } from './server-call.js';
import { cancelSession, drainSession } from './session-drain.js';
import type { ServerCallEnvironment } from './server-call.js';
import { startServerInterceptors } from './server-interceptor.js';
import type { IncomingCall, ServerCallHooks, ServerInterceptor } from './server-interceptor.js';
import { WebFront } from './web/web-front.js';
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
// status trailers we build stay far below it (MAX_STATUS_MESSAGE_BYTES).
const DEFAULT_HTTP2: Http2ServerOptions = {
  settings: { initialWindowSize: 1024 * 1024 },
  maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER,
};
const DEFAULT_MAX_METADATA = 8 * 1024;
const SESSION_WINDOW = 16 * 1024 * 1024;
const END_STREAM = Object.freeze({ endStream: true });

/** Serves registered gRPC methods over HTTP/2, plaintext or TLS. */
export class GrpcServer {
  readonly #router = new Router();
  readonly #env: ServerCallEnvironment;
  readonly #http2Options: Http2ServerOptions;
  readonly #errors: ErrorDetailOptions;
  readonly #tls: SecureServerOptions | undefined;
  readonly #wrapHandler: (handler: ServerHandler) => ServerHandler;
  readonly #sessions = new Set<ServerHttp2Session>();
  readonly #connections: ConnectionPolicy;
  readonly #peers = new WeakMap<Http2Session, string>();
  readonly #connectionLimits: ConnectionLimits;
  readonly #guards = new WeakMap<Http2Session, ConnectionGuard>();
  #server: Http2Server | Http2SecureServer | undefined;
  #closing: Promise<void> | undefined;
  #endDrainDelay: (() => void) | undefined;
  readonly #builtIns: BuiltInServices | undefined;
  /** undefined without interceptors: then no call pays for them. */
  readonly #interceptors: readonly ServerInterceptor[] | undefined;
  readonly #hooks = new WeakMap<ServerCallContext, ServerCallHooks>();
  readonly #web: WebFront | undefined;
  /** With `web` on plaintext: the listener that sniffs HTTP/1.1 from HTTP/2 in front of #server. */
  #front: NetServer | undefined;

  constructor(options: ServerOptions = {}) {
    this.#env = {
      maxReceiveMessageLength: options.maxReceiveMessageLength ?? DEFAULT_MAX_RECEIVE,
      maxSendMessageLength: options.maxSendMessageLength ?? Infinity,
      defaultCompression: options.defaultCompression,
    };
    this.#http2Options = http2OptionsOf(options);
    this.#connections = new ConnectionPolicy(options);
    this.#errors = { debugInfo: options.debugInfo };
    this.#tls = options.tls;
    this.#connectionLimits = {
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      maxBufferedRequestBytes: options.maxBufferedRequestBytes ?? DEFAULT_MAX_BUFFERED_REQUEST_BYTES,
    };
    // Telemetry first: the handler and the other interceptors' runHandler run inside its span.
    const telemetry = createOtelServerInterceptor(options.telemetry);
    const accessLog = createAccessLogInterceptor(options.accessLog);
    const chain = [telemetry, accessLog, ...(options.interceptors ?? [])].filter((i): i is ServerInterceptor => i !== undefined);
    this.#interceptors = chain.length === 0 ? undefined : chain;
    const withContext = contextWrapper(options.requestContext);
    this.#wrapHandler = this.#interceptors === undefined ? withContext : (handler) => this.#intercepted(withContext(handler));
    this.#web = options.web === undefined || options.web === false ? undefined
      : new WebFront(options.web, {
        serveCall: this.#serveCall,
        method: (path) => this.#router.find(path)?.method,
        maxReceiveMessageLength: this.#env.maxReceiveMessageLength,
      });
    // Last: the built-in services register through addService, which needs the fields above.
    this.#builtIns = createBuiltInServices(options, this);
  }

  /** The statuses grpc.health.v1 reports, when the `health` option is on. */
  get health(): GrpcHealth | undefined {
    return this.#builtIns?.health;
  }

  /** Serves `handlers`, keyed by proto method name, for `service`. */
  addService(service: ServiceDescriptor, handlers: Readonly<Record<string, ServerHandler>>): void;
  /**
   * Serves a service written for grpc-js, as grpc-js's Server.addService does: its definition's own
   * serialize/deserialize functions, and an implementation taking grpc-js call objects and callbacks.
   */
  addService(service: GrpcJsServiceDefinition, implementation: GrpcJsImplementation): void;
  addService(service: ServiceDescriptor | GrpcJsServiceDefinition, handlers: object): void {
    if (isGrpcJsServiceDefinition(service)) {
      const descriptor = describeGrpcJsService(service);
      this.addService(descriptor, createGrpcJsHandlers(descriptor, service, handlers));
      return;
    }
    const wrapped = Object.entries(handlers as Readonly<Record<string, ServerHandler>>).map(([name, handler]) => [name, this.#wrapHandler(handler)] as const);
    this.#router.addService(service, Object.fromEntries(wrapped));
    this.#builtIns?.served(service);
  }

  addMethod(method: MethodDescriptor, handler: ServerHandler): void {
    this.#router.addMethod(method, this.#wrapHandler(handler));
    this.#builtIns?.served(method);
  }

  /**
   * Starts listening on `host:port` (port 0 picks one) and resolves with the bound port; or on a Unix domain socket,
   * `unix:/path` or `unix:///path` (resolves 0), whose file is removed on close.
   */
  listen(address: string): Promise<number> {
    if (this.#server !== undefined) return Promise.reject(new Error('The server is already listening'));
    const target = parseAddress(address);
    const server = this.#createHttp2Server();
    server.on('session', this.#onSession);
    server.on('stream', this.#onStream);
    // ---- web protocols hook (issue 17): HTTP/1.1 joins the port ----
    const front = this.#web?.listenOn(server, this.#tls !== undefined);
    const listener = front ?? server;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        reject(new Error(`Cannot listen on ${address}: ${err.message}`, { cause: err }));
      };
      listener.once('error', onError);
      const onListening = (): void => {
        listener.off('error', onError);
        this.#server = server;
        this.#front = front;
        this.#builtIns?.listening();
        const bound = listener.address();
        resolve(typeof bound === 'object' && bound !== null ? (bound as AddressInfo).port : 0);
      };
      if ('path' in target) {
        removeStaleSocket(target.path);
        listener.listen(target.path, onListening);
      } else {
        listener.listen(target.port, target.host, onListening);
      }
    });
  }

  /** The underlying node:http2 server, once listening. */
  get http2Server(): Http2Server | Http2SecureServer | undefined {
    return this.#server;
  }

  #createHttp2Server(): Http2Server | Http2SecureServer {
    if (this.#tls === undefined) return createServer(this.#http2Options);
    // PROTOCOL-HTTP2 "TLS": gRPC over TLS is h2 chosen by ALPN; with allowHTTP1 false node:http2 offers only
    // 'h2' and drops a client that does not negotiate it, rather than answering HTTP/1.1.
    // With `web` on, ALPN also offers http/1.1, whose connections the web front takes (issue 17).
    return createSecureServer({ ...this.#http2Options, ...this.#tls, allowHTTP1: this.#web !== undefined });
  }

  /**
   * Stops serving. Health turns NOT_SERVING at once; after `drainDelayMs` (still serving, so balancers notice) the
   * listener closes and each connection gets GOAWAY in two phases, so no stream already sent is refused; calls in
   * flight then finish, and those still open after `graceMs` end CANCELLED. With `force` every connection is
   * cancelled at once, also after a graceful close began.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#builtIns?.closing();
    this.#closing ??= this.#shutdown(options);
    if (options.force === true) {
      this.#endDrainDelay?.();
      this.#cancelAll();
    }
    return this.#closing;
  }

  #cancelAll(): void {
    this.#web?.close(true);
    for (const session of this.#sessions) cancelSession(session);
  }

  async #shutdown(options: CloseOptions): Promise<void> {
    const delayMs = options.drainDelayMs ?? 0;
    if (options.force !== true && delayMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        this.#endDrainDelay = () => { clearTimeout(timer); resolve(); };
      });
    }
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    // With the web front, it holds every accepted socket, HTTP/2 ones included: its close waits for them all.
    const listener = this.#front ?? server;
    this.#front = undefined;
    const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
    this.#web?.close(options.force === true);
    for (const session of this.#sessions) drainSession(session);
    const graceMs = options.graceMs ?? Infinity;
    if (Number.isFinite(graceMs)) {
      const timer = setTimeout(() => this.#cancelAll(), graceMs);
      await closed;
      clearTimeout(timer);
    } else {
      await closed;
    }
  }

  readonly #onSession = (session: ServerHttp2Session): void => {
    this.#sessions.add(session);
    session.once('close', () => this.#sessions.delete(session));
    // A broken connection surfaces as 'close' on its streams; an unhandled 'error' would crash the process.
    session.on('error', ignore);
    session.setLocalWindowSize(SESSION_WINDOW);
    this.#guards.set(session, new ConnectionGuard(session, this.#connectionLimits));
    this.#connections.apply(session);
  };

  readonly #onStream = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void => {
    stream.on('error', ignore);
    const guard = this.#guards.get(stream.session!);
    guard?.opened(stream);
    // HTTP first (content-type, else 415), then the path, then the gRPC headers, whose refusal is a status.
    if (!isGrpcRequest(headers)) {
      // ---- web protocols hook (issue 17): only requests that are not gRPC reach it ----
      if (this.#web?.serveHttp2(stream, headers) !== true) stream.respond(UNSUPPORTED_MEDIA_TYPE, END_STREAM);
      return;
    }
    this.#serveCall(stream, headers, guard);
  };

  /**
   * A gRPC request, or a web one seen through its WebCallStream: route, headers, then the call. A web request has
   * no connection budget: its body was read and bounded by the web front.
   */
  readonly #serveCall = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, budget?: RequestBudget): void => {
    const route = this.#router.find(headers[':path']);
    if (route === undefined) {
      const message = `The server does not implement the method ${headers[':path']}`;
      if (this.#interceptors !== undefined) for (const i of this.#interceptors) i.onUnimplemented?.(String(headers[':path']), this.#peerOf(stream.session));
      stream.respond(buildTrailersOnly(buildTrailers(Status.UNIMPLEMENTED, message, undefined), false), END_STREAM);
      return;
    }
    const env = this.#env;
    const call = new ServerCall(stream, headers, route.method, this.#peerOf(stream.session), env, budget);
    const context = new ServerCallContext(call);
    if (this.#interceptors !== undefined) this.#intercept(call, stream, context);
    if (call.start(parseRequestHeaders(headers, env.defaultCompression))) {
      dispatch(call, route, context, this.#errors);
    }
  };

  // ---- Server interceptors: per call only when some are registered ----

  #intercept(call: ServerCall, stream: ServerHttp2Stream, context: ServerCallContext): void {
    const socket = stream.session?.socket;
    const peer = call.peer;
    const colon = peer.lastIndexOf(':');
    const incoming: IncomingCall = {
      method: call.method,
      get metadata() { return call.metadata; },
      peer,
      peerAddress: peer.slice(0, colon).replace(/^\[(.*)\]$/, '$1'),
      peerPort: Number(peer.slice(colon + 1)),
      localAddress: socket?.localAddress ?? 'unknown',
      localPort: socket?.localPort ?? 0,
      get deadline() { return call.deadline; },
    };
    const hooks = startServerInterceptors(this.#interceptors!, incoming);
    if (hooks === undefined) return;
    call.hooks = hooks;
    this.#hooks.set(context, hooks);
  }

  /** The handler run inside the call's interceptors (runHandler), wrapped once at registration. */
  #intercepted(handler: ServerHandler): ServerHandler {
    const hooksOf = this.#hooks;
    return (request, context) => {
      const hooks = hooksOf.get(context as ServerCallContext);
      if (hooks === undefined) return handler(request, context);
      // The answer is consumed after the handler returned (a Nest handler's Observable, say): bound to the same scope.
      return runInScope(hooks, request, context.method.responseStream, (input) => handler(input as never, context));
    };
  }

  #peerOf(session: Http2Session | undefined): string {
    if (session === undefined) return 'unknown';
    let peer = this.#peers.get(session);
    if (peer === undefined) {
      const socket = session.socket;
      const host = socket.remoteAddress ?? 'unknown';
      peer = `${host.includes(':') ? `[${host}]` : host}:${socket.remotePort ?? 0}`;
      this.#peers.set(session, peer);
    }
    return peer;
  }
}

// Wrapped once, at registration: with the option off a handler is served as it is. Options are checked here, so a
// bad one fails the constructor.
function contextWrapper(option: boolean | RequestContextOptions | undefined): (handler: ServerHandler) => ServerHandler {
  if (option === undefined || option === false) return (handler) => handler;
  const policy = new PropagationPolicy(option === true ? undefined : option);
  return (handler) => withRequestContext(handler, policy);
}

// Our defaults, then the limits named as options, then the caller's own http2 options over all.
function http2OptionsOf(options: ServerOptions): Http2ServerOptions {
  const settings = {
    ...DEFAULT_HTTP2.settings,
    maxHeaderListSize: options.maxMetadataSize ?? DEFAULT_MAX_METADATA,
    ...(options.maxConcurrentStreams === undefined ? {} : { maxConcurrentStreams: options.maxConcurrentStreams }),
    ...options.http2?.settings,
  };
  return { ...DEFAULT_HTTP2, ...options.http2, settings };
}

function parseAddress(address: string): { host: string; port: number } | { path: string } {
  // gRPC's naming doc: unix:path (relative or absolute) and unix:///absolute-path.
  const unix = /^unix:(?:\/\/)?(.+)$/.exec(address);
  if (unix !== null) return { path: unix[1]! };
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  if (match === null) throw new Error(`Invalid address "${address}": expected host:port or unix:/path`);
  return { host: match[1] ?? (match[2] === '' ? '0.0.0.0' : match[2]!), port: Number(match[3]) };
}

// As grpc-core: a socket file left by a process that died is unlinked before bind, else the restart fails with
// EADDRINUSE. Only a socket: any other file at the path is left for listen to report.
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // Absent: nothing to remove.
  }
}

function ignore(): void {}
