// GrpcTransportStrategy: a Nest custom transport that serves .proto services on our GrpcServer.
// Options follow the built-in Transport.GRPC's names, so switching is a change of the strategy line.
import type { CustomTransportStrategy } from '@nestjs/microservices';
import { Server, ServerGrpc } from '@nestjs/microservices';
import type { SecureServerOptions, ServerOptions as Http2ServerOptions } from 'node:http2';
import { distinctUntilChanged } from 'rxjs';
import type { Observable } from 'rxjs';
import type { EncodingName } from '../../protocol/compression.js';
import type { PackageDefinition } from '../../schema/grpc-js-definition.js';
import { GrpcServer } from '../../server/grpc-server.js';
import type { WebOptions } from '../../server/web/web-front.js';
import { GRPC_TRANSPORT } from '../grpc.decorators.js';
import type { AccessLogOption } from '../../observability/access-log.js';
import type { TelemetryOption } from '../../observability/telemetry-options.js';
import type { ServerInterceptor } from '../../server/server-interceptor.js';
import { grpcObservabilityDefaults, nestAccessLog } from '../observability/observability-defaults.js';
import { attachHealth, detachHealth } from '../health/health-registry.js';
import type { BuiltInServiceOptions } from '../../services/built-in-services.js';
import { adaptHandler } from './server-handler.adapter.js';
import { tlsOfServerCredentials } from '../grpc-js-credentials.js';
import type { NestLoaderOptions } from '../nest-loader.js';
import { loadProtoSource } from '../proto-source.js';
import { bindHandlers, parseRegistration } from './handler-binding.js';
import { nestConnectionOptions } from './connection-options.js';
import type { NestKeepalive } from './connection-options.js';
import { foreignNestCopy, twoCopiesError } from './nest-copy-check.js';
import type { HandlerRegistration, NestHandler } from './handler-binding.js';

/**
 * Options of GrpcTransportStrategy; the first four mean what they mean for Transport.GRPC. `health` and
 * `reflection` (default off) serve grpc.health.v1 (statuses set through GrpcHealthService) and grpc.reflection.
 */
export interface GrpcTransportOptions extends BuiltInServiceOptions {
  /** 'host:port' to listen on, or 'unix:/path'; default 'localhost:5000', as Transport.GRPC. */
  url?: string;
  /** One or many .proto files; or give `packageDefinition` (optional in the type so that Nest's GrpcOptions['options'] fit). */
  protoPath?: string | string[];
  /** A @grpc/proto-loader PackageDefinition to serve instead of `protoPath`, with its own message shapes. */
  packageDefinition?: PackageDefinition;
  /**
   * Called before listening with the protos' PackageDefinition, shaped as @grpc/proto-loader's, and the GrpcServer,
   * whose addService takes grpc-js service definitions and implementations: how grpc-health-check and
   * @grpc/reflection are added. The definition is typed `never` so that it passes to code typed for proto-loader's
   * PackageDefinition (new ReflectionService(pkg)) without a cast, as under Transport.GRPC; it is a PackageDefinition.
   */
  onLoadPackageDefinition?: (packageDefinition: never, server: GrpcServer) => void;
  /** Serve only the services of these packages (and their sub-packages); default every service. */
  package?: string | string[];
  /** How protos load and what messages look like: @grpc/proto-loader's options, and its defaults for what is unset. */
  loader?: NestLoaderOptions;
  /** Finish calls in flight on close (GOAWAY, then drain); default false: drop them, as Transport.GRPC. */
  gracefulShutdown?: boolean;
  /**
   * With gracefulShutdown: the longest wait for calls in flight once connections got GOAWAY; those still open then
   * end CANCELLED (GrpcServer.close's `graceMs`). Default: no limit.
   */
  shutdownGraceMs?: number;
  /** With gracefulShutdown: keep serving this long after health turned NOT_SERVING, so balancers notice; default 0. */
  shutdownDelayMs?: number;
  defaultCompression?: EncodingName;
  /** Default 4 MiB, measured after decompression. */
  maxReceiveMessageLength?: number;
  maxSendMessageLength?: number;
  /** Passed to node:http2 createServer. */
  http2?: Http2ServerOptions;
  /** Serve TLS (h2 by ALPN) with these node:tls options: key, cert, ca, requestCert... (GrpcServer's `tls`). */
  tls?: SecureServerOptions;
  /** grpc-js ServerCredentials (createInsecure, createSsl), read as `tls`, for apps that already build them. */
  credentials?: unknown;
  /** google.rpc.DebugInfo (stack) on UNKNOWN statuses; default true unless NODE_ENV is 'production'. */
  debugInfo?: boolean;
  /** Largest request metadata in bytes; default 8 KiB, larger is RESOURCE_EXHAUSTED (as Transport.GRPC's). */
  maxMetadataSize?: number;
  /** Transport.GRPC's keepalive: PINGs to clients and how often clients may PING (see NestKeepalive). */
  keepalive?: NestKeepalive;
  /** grpc-js channel arguments: the connection-management ones are read ('grpc.keepalive_time_ms', ...). */
  channelOptions?: Readonly<Record<string, unknown>>;
  /** OpenTelemetry traces and metrics (GrpcServer's `telemetry`); default GrpcObservabilityModule's, else off. */
  telemetry?: TelemetryOption;
  /** An entry per call; `true`: Nest's Logger. Default GrpcObservabilityModule's, else off. */
  accessLog?: AccessLogOption;
  /** Server interceptors (GrpcServer's `interceptors`), around Nest's own pipeline. */
  interceptors?: readonly ServerInterceptor[];
  /** Also serve gRPC-Web and Connect (HTTP/1.1 and HTTP/2) on the same port, CORS included (GrpcServer's `web`). */
  web?: boolean | WebOptions;
}

type ListenCallback = (error?: unknown, ...info: unknown[]) => void;

/** The events `on()` accepts. */
export type GrpcTransportEvents = { error: (error: Error) => void };

/** Serves the gRPC methods of the loaded protos with the app's decorated controller methods. */
export class GrpcTransportStrategy extends Server<GrpcTransportEvents> implements CustomTransportStrategy {
  readonly #options: GrpcTransportOptions;
  // One run: the handlers of the app being bound, then served; close() starts a fresh run for the next app.
  #server: GrpcServer;
  readonly #registrations: HandlerRegistration[] = [];
  readonly #errorListeners: Array<(error: Error) => void> = [];
  #listening = false;
  // The folder of another @nestjs/microservices copy seen binding our handlers, if any.
  #foreignCopy: string | undefined;

  constructor(options: GrpcTransportOptions) {
    super();
    if (options.credentials !== undefined && options.tls !== undefined) {
      throw new TypeError('GrpcTransportStrategy takes "credentials" or "tls", not both');
    }
    this.#options = options;
    this.#server = this.#createServer();
    // Nest binds a handler to a server when the handler's transport equals the server's transportId,
    // or either is undefined. Ours must take both @GrpcHandler (GRPC_TRANSPORT) and the built-in
    // decorators (Transport.GRPC), so while Nest binds handlers (before listen) the id reads undefined;
    // addHandler keeps only gRPC patterns. From listen on it is GRPC_TRANSPORT, for Nest's hooks.
    // Nest's ListenersController reads it while binding: that is when a second copy of Nest shows in the stack.
    Object.defineProperty(this, 'transportId', {
      get: () => {
        if (this.#listening) return GRPC_TRANSPORT;
        this.#foreignCopy ??= foreignNestCopy();
        return undefined;
      },
      set: () => {},
      enumerable: true,
      configurable: true,
    });
  }

  override addHandler(pattern: unknown, callback: NestHandler & { isEventHandler?: boolean }, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    const registration = isEventHandler ? undefined : parseRegistration(pattern, callback);
    if (registration === undefined) return;
    if (this.#listening) throw alreadyServing();
    this.#registrations.push(registration);
    super.addHandler(pattern, callback as never, isEventHandler, extras);
  }

  /** Loads the protos, binds every decorated handler (failing with the names it cannot find), listens. */
  async listen(callback: ListenCallback): Promise<void> {
    try {
      if (this.#listening) throw alreadyServing();
      if (this.#foreignCopy !== undefined) throw twoCopiesError(this.#foreignCopy);
      const packages = this.#options.package;
      const source = loadProtoSource(this.#options);
      this.#options.onLoadPackageDefinition?.(source.packageDefinition() as never, this.#server);
      const bound = bindHandlers(this.#registrations, source.schema, packages === undefined ? undefined : [packages].flat());
      for (const handler of bound) this.#server.addMethod(handler.method, adaptHandler(handler));
      // Before listening, so statuses the app set through GrpcHealthService are what the first probe sees.
      if (this.#server.health !== undefined) attachHealth(this.#server.health);
      await this.#server.listen(this.#options.url ?? 'localhost:5000');
      for (const listener of this.#errorListeners) this.#server.http2Server?.on('error', listener);
      this.#listening = true;
      this._status$.next('listening');
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Closes the server; the strategy may then serve another app (an e2e test's next app, say). */
  async close(): Promise<void> {
    const server = this.#server;
    this.#listening = false;
    this.#server = this.#createServer();
    this.#registrations.length = 0;
    this.messageHandlers.clear();
    // GrpcServer.close() turns every status NOT_SERVING before it lets any connection go.
    const { gracefulShutdown, shutdownGraceMs: graceMs, shutdownDelayMs: drainDelayMs } = this.#options;
    const closing = server.close(gracefulShutdown === true ? { graceMs, drainDelayMs } : { force: true });
    if (server.health !== undefined) detachHealth(server.health);
    await closing;
    this._status$.next('closed');
  }

  #createServer(): GrpcServer {
    const options = this.#options;
    return new GrpcServer({
      defaultCompression: options.defaultCompression,
      maxReceiveMessageLength: options.maxReceiveMessageLength,
      maxSendMessageLength: options.maxSendMessageLength,
      http2: options.http2,
      tls: options.credentials === undefined ? options.tls : tlsOfServerCredentials(options.credentials),
      debugInfo: options.debugInfo,
      health: options.health,
      reflection: options.reflection,
      ...nestConnectionOptions(options),
      telemetry: options.telemetry ?? grpcObservabilityDefaults().telemetry,
      accessLog: nestAccessLog(options.accessLog ?? grpcObservabilityDefaults().accessLog),
      interceptors: options.interceptors,
      web: options.web,
    });
  }

  /** 'listening', then 'closed'. (ServerGrpc's own getter, which we inherit, throws.) */
  override get status(): Observable<string> {
    return this._status$.asObservable().pipe(distinctUntilChanged());
  }

  /** The GrpcServer this strategy runs (its `http2Server` once listening). */
  unwrap<T = GrpcServer>(): T {
    return this.#server as T;
  }

  /** Registers a listener for the server's 'error' events. */
  on<Event extends keyof GrpcTransportEvents>(event: Event, callback: GrpcTransportEvents[Event]): void {
    if (event !== 'error') throw new Error(`GrpcTransportStrategy emits only 'error', not '${String(event)}'`);
    this.#errorListeners.push(callback);
    this.#server.http2Server?.on('error', callback);
  }
}

function alreadyServing(): Error {
  return new Error('GrpcTransportStrategy already serves a running app: create one strategy per app '
    + '(new GrpcTransportStrategy(options) in each createMicroservice or connectMicroservice call), or close the first app before');
}

// Nest hands handlers their (data, metadata, call) arguments, as built-in gRPC controllers expect,
// only when the server is `instanceof ServerGrpc` (ListenersController picks the default argument
// metadata by that test). ServerGrpc's constructor loads @grpc/grpc-js, so the strategy takes its
// prototype into the chain without ever running that constructor; every member Nest calls is ours.
Object.setPrototypeOf(GrpcTransportStrategy.prototype, ServerGrpc.prototype);
