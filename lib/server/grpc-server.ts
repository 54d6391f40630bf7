// The gRPC server: handlers registered by method, and each stream its listener accepts routed to a ServerCall
// (HTTP checks, then the path, then the gRPC headers) and dispatched. Listening and closing live in ServerListener,
// the interceptors' part of a call in CallInterception.
import type { Http2SecureServer, Http2Server, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { PropagationPolicy } from '../context/propagation-policy.js';
import type { RequestContextOptions } from '../context/propagation-policy.js';
import { withRequestContext } from '../context/with-request-context.js';
import { isGrpcRequest, parseRequestHeaders } from '../protocol/request-headers.js';
import { buildTrailers, buildTrailersOnly, UNSUPPORTED_MEDIA_TYPE } from '../protocol/response-headers.js';
import { Status } from '../protocol/status.js';
import type { MethodDescriptor, ServiceDescriptor } from '../schema/descriptors.js';
import { describeGrpcJsService, isGrpcJsServiceDefinition } from '../schema/grpc-js-definition.js';
import type { GrpcJsServiceDefinition } from '../schema/grpc-js-definition.js';
import { createBuiltInServices } from '../services/built-in-services.js';
import type { BuiltInServices } from '../services/built-in-services.js';
import type { GrpcHealth } from '../services/health/grpc-health.js';
import { ServerCallContext } from './call-context.js';
import type { ServerHandler } from './call-context.js';
import { CallInterception } from './call-interception.js';
import { ConnectionPolicy } from './connection-policy.js';
import { dispatch } from './dispatch.js';
import type { ErrorDetailOptions } from './error-registry.js';
import { createGrpcJsHandlers } from './grpc-js-service.js';
import type { GrpcJsImplementation } from './grpc-js-service.js';
import type { RequestBudget } from './request-decoder.js';
import { Router } from './router.js';
import { ServerCall } from './server-call.js';
import { ServerListener } from './server-listener.js';
import { callEnvironmentOf, connectionLimitsOf, http2OptionsOf } from './server-options.js';
import type { CloseOptions, ServerCallEnvironment, ServerOptions } from './server-options.js';
import { WebFront } from './web/web-front.js';

export type { CloseOptions, ServerOptions } from './server-options.js';

const END_STREAM = Object.freeze({ endStream: true });

/** Serves registered gRPC methods over HTTP/2, plaintext or TLS. */
export class GrpcServer {
  readonly #router = new Router();
  readonly #env: ServerCallEnvironment;
  readonly #errors: ErrorDetailOptions;
  readonly #wrapHandler: (handler: ServerHandler) => ServerHandler;
  readonly #listener: ServerListener;
  readonly #builtIns: BuiltInServices | undefined;
  /** undefined without interceptors: then no call pays for them. */
  readonly #interception: CallInterception | undefined;
  readonly #web: WebFront | undefined;

  constructor(options: ServerOptions = {}) {
    this.#env = callEnvironmentOf(options);
    const http2Options = http2OptionsOf(options);
    const connectionPolicy = new ConnectionPolicy(options);
    this.#errors = { debugInfo: options.debugInfo };
    const interception = (this.#interception = CallInterception.of(options));
    const withContext = contextWrapper(options.requestContext);
    this.#wrapHandler = interception === undefined ? withContext : (handler) => interception.wrap(withContext(handler));
    this.#web = options.web === undefined || options.web === false ? undefined
      : new WebFront(options.web, {
        serveCall: this.#serveCall,
        method: (path) => this.#router.find(path)?.method,
        maxReceiveMessageLength: this.#env.maxReceiveMessageLength,
      });
    this.#listener = new ServerListener({
      http2Options,
      tls: options.tls,
      connectionPolicy,
      connectionLimits: connectionLimitsOf(options),
      web: this.#web,
      onStream: this.#onStream,
      onListening: () => this.#builtIns?.listening(),
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
    return this.#listener.listen(address);
  }

  /** The underlying node:http2 server, once listening. */
  get http2Server(): Http2Server | Http2SecureServer | undefined {
    return this.#listener.http2Server;
  }

  /**
   * Stops serving. Health turns NOT_SERVING at once; after `drainDelayMs` (still serving, so balancers notice) the
   * listener closes and each connection gets GOAWAY in two phases, so no stream already sent is refused; calls in
   * flight then finish, and those still open after `graceMs` end CANCELLED. With `force` every connection is
   * cancelled at once, also after a graceful close began.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#builtIns?.closing();
    return this.#listener.close(options);
  }

  readonly #onStream = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, budget: RequestBudget | undefined): void => {
    // HTTP first (content-type, else 415), then the path, then the gRPC headers, whose refusal is a status.
    if (!isGrpcRequest(headers)) {
      // ---- web protocols hook (issue 17): only requests that are not gRPC reach it ----
      if (this.#web?.serveHttp2(stream, headers) !== true) stream.respond(UNSUPPORTED_MEDIA_TYPE, END_STREAM);
      return;
    }
    this.#serveCall(stream, headers, budget);
  };

  /**
   * A gRPC request, or a web one seen through its WebCallStream: route, headers, then the call. A web request has
   * no connection budget: its body was read and bounded by the web front.
   */
  readonly #serveCall = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, budget?: RequestBudget): void => {
    const route = this.#router.find(headers[':path']);
    const peer = this.#listener.peerOf(stream.session);
    if (route === undefined) {
      const message = `The server does not implement the method ${headers[':path']}`;
      this.#interception?.unimplemented(String(headers[':path']), peer);
      stream.respond(buildTrailersOnly(buildTrailers(Status.UNIMPLEMENTED, message, undefined), false), END_STREAM);
      return;
    }
    const env = this.#env;
    const call = new ServerCall(stream, headers, route.method, peer, env, budget);
    const context = new ServerCallContext(call);
    this.#interception?.begin(call, stream, context);
    if (call.start(parseRequestHeaders(headers, env.defaultCompression))) {
      dispatch(call, route, context, this.#errors);
    }
  };
}

// Wrapped once, at registration: with the option off a handler is served as it is. Options are checked here, so a
// bad one fails the constructor.
function contextWrapper(option: boolean | RequestContextOptions | undefined): (handler: ServerHandler) => ServerHandler {
  if (option === undefined || option === false) return (handler) => handler;
  const policy = new PropagationPolicy(option === true ? undefined : option);
  return (handler) => withRequestContext(handler, policy);
}
