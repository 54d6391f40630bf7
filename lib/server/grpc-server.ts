// The gRPC server on node:http2: listens (plaintext h2c, or TLS with h2 by ALPN), tracks sessions, routes each
// stream to a ServerCall, and drains or destroys connections on close.
import { constants, createSecureServer, createServer } from 'node:http2';
import type {
  Http2SecureServer, Http2Server, Http2Session, IncomingHttpHeaders, SecureServerOptions, ServerHttp2Session,
  ServerHttp2Stream, ServerOptions as Http2ServerOptions,
} from 'node:http2';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { PropagationPolicy } from '../context/propagation-policy.js';
import type { RequestContextOptions } from '../context/propagation-policy.js';
import { withRequestContext } from '../context/with-request-context.js';
import type { EncodingName } from '../protocol/compression.js';
import { isGrpcRequest, parseRequestHeaders } from '../protocol/request-headers.js';
import { buildTrailers, buildTrailersOnly, UNSUPPORTED_MEDIA_TYPE } from '../protocol/response-headers.js';
import { Status } from '../protocol/status.js';
import type { MethodDescriptor, ServiceDescriptor } from '../schema/descriptors.js';
import { createBuiltInServices } from '../services/built-in-services.js';
import type { BuiltInServices, BuiltInServiceOptions } from '../services/built-in-services.js';
import type { GrpcHealth } from '../services/health/grpc-health.js';
import { ServerCallContext } from './call-context.js';
import type { ServerHandler } from './call-context.js';
import { dispatch } from './dispatch.js';
import type { ErrorDetailOptions } from './error-registry.js';
import { Router } from './router.js';
import { ServerCall } from './server-call.js';
import type { ServerCallEnvironment } from './server-call.js';
import { WebFront } from './web/web-front.js';
import type { WebOptions } from './web/web-front.js';

/** Server-wide options; `health` and `reflection` (default off) come from BuiltInServiceOptions. */
export interface ServerOptions extends BuiltInServiceOptions {
  /** Largest request message accepted, after decompression; default 4 MiB. */
  maxReceiveMessageLength?: number;
  /** Largest response message sent; default unlimited. */
  maxSendMessageLength?: number;
  /** Compression for responses when the client accepts it and did not compress its request. */
  defaultCompression?: EncodingName;
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
  /**
   * Also serve browsers and HTTP clients on the same port, with the same handlers: gRPC-Web and the Connect
   * protocol, over HTTP/2 and HTTP/1.1 (see WebOptions, CORS included). Default off: gRPC only.
   */
  web?: boolean | WebOptions;
}

const DEFAULT_MAX_RECEIVE = 4 * 1024 * 1024;

// A larger window than HTTP/2's 64 KiB default lets uploads run at link speed.
const DEFAULT_HTTP2: Http2ServerOptions = { settings: { initialWindowSize: 1024 * 1024 } };
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
  readonly #peers = new WeakMap<Http2Session, string>();
  #server: Http2Server | Http2SecureServer | undefined;
  /** With `web` on plaintext: the listener that sniffs HTTP/1.1 from HTTP/2 in front of #server. */
  #front: NetServer | undefined;
  #closed: Promise<void> | undefined;
  readonly #builtIns: BuiltInServices | undefined;
  readonly #web: WebFront | undefined;

  constructor(options: ServerOptions = {}) {
    this.#env = {
      maxReceiveMessageLength: options.maxReceiveMessageLength ?? DEFAULT_MAX_RECEIVE,
      maxSendMessageLength: options.maxSendMessageLength ?? Infinity,
      defaultCompression: options.defaultCompression,
    };
    this.#http2Options = { ...DEFAULT_HTTP2, ...options.http2 };
    this.#errors = { debugInfo: options.debugInfo };
    this.#tls = options.tls;
    this.#wrapHandler = contextWrapper(options.requestContext);
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
  addService(service: ServiceDescriptor, handlers: Readonly<Record<string, ServerHandler>>): void {
    const wrapped = Object.entries(handlers).map(([name, handler]) => [name, this.#wrapHandler(handler)] as const);
    this.#router.addService(service, Object.fromEntries(wrapped));
    this.#builtIns?.served(service);
  }

  addMethod(method: MethodDescriptor, handler: ServerHandler): void {
    this.#router.addMethod(method, this.#wrapHandler(handler));
    this.#builtIns?.served(method);
  }

  /** Starts listening on `host:port` (port 0 picks one) and resolves with the bound port. */
  listen(address: string): Promise<number> {
    if (this.#server !== undefined) return Promise.reject(new Error('The server is already listening'));
    const { host, port } = parseAddress(address);
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
      listener.listen(port, host, () => {
        listener.off('error', onError);
        this.#server = server;
        this.#front = front;
        this.#builtIns?.listening();
        resolve((listener.address() as AddressInfo).port);
      });
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
   * Stops accepting connections. By default open calls finish first (GOAWAY, then drain);
   * with `force` every connection is destroyed at once, also after a graceful close began.
   */
  close(options: { force?: boolean } = {}): Promise<void> {
    this.#builtIns?.closing();
    const server = this.#server;
    if (server !== undefined) {
      this.#server = undefined;
      const listener = this.#front ?? server;
      this.#front = undefined;
      this.#closed = new Promise<void>((resolve) => listener.close(() => resolve()));
    }
    this.#web?.close(options.force === true);
    for (const session of this.#sessions) {
      session.close();
      // As grpc-js's forceShutdown: close (GOAWAY, so no new call is sent here), then destroy with CANCEL, so the
      // calls cut short end CANCELLED at their clients. Node reads a number first argument as that code (its
      // typings omit the form; an Error argument would also be emitted).
      if (options.force === true) Reflect.apply(session.destroy, session, [constants.NGHTTP2_CANCEL]);
    }
    return this.#closed ?? Promise.resolve();
  }

  readonly #onSession = (session: ServerHttp2Session): void => {
    this.#sessions.add(session);
    session.once('close', () => this.#sessions.delete(session));
    // A broken connection surfaces as 'close' on its streams; an unhandled 'error' would crash the process.
    session.on('error', ignore);
    session.setLocalWindowSize(SESSION_WINDOW);
  };

  readonly #onStream = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void => {
    stream.on('error', ignore);
    // HTTP first (content-type, else 415), then the path, then the gRPC headers, whose refusal is a status.
    if (!isGrpcRequest(headers)) {
      // ---- web protocols hook (issue 17): only requests that are not gRPC reach it ----
      if (this.#web?.serveHttp2(stream, headers) !== true) stream.respond(UNSUPPORTED_MEDIA_TYPE, END_STREAM);
      return;
    }
    this.#serveCall(stream, headers);
  };

  /** A gRPC request, or a web one seen through its WebCallStream: route, headers, then the call. */
  readonly #serveCall = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void => {
    const route = this.#router.find(headers[':path']);
    if (route === undefined) {
      const message = `The server does not implement the method ${headers[':path']}`;
      stream.respond(buildTrailersOnly(buildTrailers(Status.UNIMPLEMENTED, message, undefined), false), END_STREAM);
      return;
    }
    const env = this.#env;
    const call = new ServerCall(stream, headers, route.method, this.#peerOf(stream.session), env);
    if (call.start(parseRequestHeaders(headers, env.defaultCompression))) {
      dispatch(call, route, new ServerCallContext(call), this.#errors);
    }
  };

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

function parseAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  if (match === null) throw new Error(`Invalid address "${address}": expected host:port`);
  return { host: match[1] ?? (match[2] === '' ? '0.0.0.0' : match[2]!), port: Number(match[3]) };
}

function ignore(): void {}
