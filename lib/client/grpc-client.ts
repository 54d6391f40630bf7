// The standalone client: one shared HTTP/2 connection, cold Observable calls, per-service stubs.
// Every call, Observable or promise, starts in one place (start); request headers come from protocol/request-headers.ts.

import { AsyncResource } from 'node:async_hooks';
import { createRequire } from 'node:module';
import type { ClientSessionOptions, SecureClientSessionOptions } from 'node:http2';
import { Observable } from 'rxjs';
import type { EncodingName } from '../protocol/compression.js';
import { buildRequestHeaderTemplate } from '../protocol/request-headers.js';
import type { RequestHeaders } from '../protocol/request-headers.js';
import type { MethodDescriptor, ServiceDescriptor } from '../schema/descriptors.js';
import { resolveCallOptions, resolveCodec } from './call-options.js';
import type { CallDefaults, CallOptions, ResolvedCallOptions } from './call-options.js';
import { ClientCall } from './client-call.js';
import type { CallEnvironment, CallSink } from './client-call.js';
import { ambientContext, interceptCall, propagateAmbientContext } from './client-interceptor.js';
import type { ClientInterceptor, PropagateOptions } from './client-interceptor.js';
import { createChannel } from './balancer/create-channel.js';
import { ConnectivityState, StateWatchers } from './balancer/connectivity-state.js';
import type { LoadBalancingPolicyName } from './balancer/policy.js';
import type { CallChannel } from './call-channel.js';
import { RetryingCall } from './retry/retrying-call.js';
import type { AttemptCall, CallPolicy, RetryEnvironment } from './retry/retrying-call.js';
import { RetryBuffer, RetryThrottle } from './retry/retry-throttle.js';
import { methodConfigFor, parseServiceConfig } from './retry/service-config.js';
import type { MethodConfig, ServiceConfig } from './retry/service-config.js';
import type { ReconnectBackoffOptions } from './connection-backoff.js';
import { ServerEncodings } from './server-encodings.js';
import { createStub } from './stub.js';
import type { ServiceStub } from './stub.js';
import type { RequestStream } from './request-writer.js';
import { ResponseStream } from './response-stream.js';

/** Client-wide options. */
export interface ClientOptions {
  /** Compression of request messages unless a call says otherwise (default identity). */
  defaultCompression?: EncodingName;
  /** Largest response message accepted, after decompression (default 4 MiB, as grpc-js; -1 = unlimited). */
  maxReceiveMessageLength?: number;
  /** Largest request message sent, before compression (default unlimited, as grpc-js). */
  maxSendMessageLength?: number;
  /** node:http2 session options; settings.initialWindowSize defaults to 4 MiB. */
  http2?: ClientSessionOptions;
  /** Connection-level receive window in bytes (default 16 MiB). */
  connectionWindowSize?: number;
  /**
   * Connect with TLS: `true` trusts the system's CAs; an object gives node:tls options: `ca`, `cert` and `key`
   * (mutual TLS), `servername` (the name sent by SNI and checked against the certificate, as grpc-js's
   * grpc.ssl_target_name_override), `checkServerIdentity`. Default: plaintext HTTP/2.
   */
  tls?: true | SecureClientSessionOptions;
  /** Hooks around every call: change request metadata before it goes out, observe the status and duration. */
  interceptors?: readonly ClientInterceptor[];
  /**
   * Pass the context of the call being served on to the calls made while serving it: its metadata (call-id stack,
   * context data, trace headers), its deadline and its cancellation. `true` (the default) all three, `false`
   * none, or choose: `{ metadata, deadline, cancellation }`, each defaulting to true.
   */
  propagateContext?: boolean | PropagateOptions;
  /**
   * Delays between failed connection attempts (gRPC's connection-backoff spec): `initialMs` (1000), `maxMs`
   * (120000), `multiplier` (1.6), `jitter` (0.2), `minConnectTimeoutMs` (20000). grpc-js's channel options
   * grpc.initial_reconnect_backoff_ms and grpc.max_reconnect_backoff_ms are `initialMs` and `maxMs`.
   */
  reconnectBackoff?: ReconnectBackoffOptions;
  /** Default of CallOptions.waitForReady for every call (false, as grpc-js). */
  waitForReady?: boolean;
  /**
   * The service config, as JSON text (grpc-js's grpc.service_config) or the parsed object: loadBalancingConfig
   * ([{ round_robin: {} }] or pick_first) and methodConfig (timeout, waitForReady, retryPolicy, hedgingPolicy).
   */
  serviceConfig?: string | object;
  /** 'pick_first' (default, as grpc-js) or 'round_robin'; wins over the service config's loadBalancingConfig. */
  loadBalancingPolicy?: LoadBalancingPolicyName;
  /** Retries and hedging as the service config's methodConfig says (default true; grpc-js's grpc.enable_retries). */
  enableRetries?: boolean;
  /** Request bytes held for retries over all calls of the client (default 16 MiB; grpc.retry_buffer_size). */
  retryBufferSize?: number;
  /** Request bytes held for retries per call; past it the call is no longer retried (default 1 MiB; grpc.per_rpc_retry_buffer_size). */
  perRpcRetryBufferSize?: number;
  /** Shortest time between two DNS resolutions of a dns: target (default 30000; grpc.dns_min_time_between_resolutions_ms). */
  dnsMinTimeBetweenResolutionsMs?: number;
}

const DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH = 4 * 1024 * 1024;
// grpc-js's grpc.retry_buffer_size and grpc.per_rpc_retry_buffer_size defaults.
const DEFAULT_RETRY_BUFFER = 16 * 1024 * 1024;
const DEFAULT_PER_RPC_RETRY_BUFFER = 1024 * 1024;
const USER_AGENT = `nestjs-grpc-transport/${readVersion()}`;

function readVersion(): string {
  try {
    // dist/lib/client/grpc-client.js -> package root.
    const pkg: unknown = createRequire(import.meta.url)('../../../package.json');
    const version = (pkg as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** grpc-js reads -1 as unlimited; keep that meaning for options carried over from it. */
function limit(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  return value < 0 ? Infinity : value;
}

/**
 * A gRPC client of a target, over plaintext HTTP/2 or TLS: `host:port`, `dns:///host:port` (every address of the
 * name), `ipv4:a:p,b:p`, `ipv6:[a]:p`, `unix:path`, or a scheme a resolver was registered for (registerResolver).
 */
export class GrpcClient {
  private readonly connection: CallChannel;
  private readonly watchers = new StateWatchers();
  private readonly authority: string;
  /** The validated service config, when one was given. */
  readonly serviceConfig: ServiceConfig | undefined;
  private readonly env: CallEnvironment;
  private readonly callDefaults: CallDefaults;
  /** What a call without options resolves to: the same every time, so it is resolved once. */
  private readonly noOptions: ResolvedCallOptions;
  private readonly templates = new WeakMap<MethodDescriptor, RequestHeaders>();
  /** Each method's entry of the service config (null: none), looked up once. */
  private readonly methodConfigs = new WeakMap<MethodDescriptor, MethodConfig | null>();
  /** Throttle and buffers of retried calls; undefined when retries are off or no config asks for them. */
  private readonly retryEnv: RetryEnvironment | undefined;
  private readonly scheme: 'http' | 'https';
  private readonly interceptors: readonly ClientInterceptor[];
  /** The chain for calls made while a call is served: propagation first, so user hooks see and may change it. */
  private readonly inheritingInterceptors: readonly ClientInterceptor[] | undefined;

  /** Throws TypeError for a target, service config or option it cannot use, rather than failing every call later. */
  constructor(target: string, options: ClientOptions = {}) {
    this.scheme = options.tls === undefined ? 'http' : 'https';
    this.serviceConfig = options.serviceConfig === undefined ? undefined : parseServiceConfig(options.serviceConfig);
    const minInterval = options.dnsMinTimeBetweenResolutionsMs ?? 30_000;
    if (typeof minInterval !== 'number' || !(minInterval >= 0)) {
      throw new TypeError(`dnsMinTimeBetweenResolutionsMs must be a number >= 0, got ${String(minInterval)}`);
    }
    // As grpc-js: :authority stays the target's; a servername override changes only SNI and the identity check.
    const { channel, authority } = createChannel(target, {
      scheme: this.scheme,
      policy: options.loadBalancingPolicy ?? this.serviceConfig?.loadBalancingPolicy ?? 'pick_first',
      connection: {
        http2: options.http2,
        tls: options.tls === true ? {} : options.tls,
        connectionWindowSize: options.connectionWindowSize,
        reconnectBackoff: options.reconnectBackoff,
      },
      minTimeBetweenResolutionsMs: minInterval,
      onStateChange: (state) => this.watchers.changed(state),
    });
    this.connection = channel;
    this.authority = authority;
    const throttling = this.serviceConfig?.retryThrottling;
    this.retryEnv = options.enableRetries === false || this.serviceConfig === undefined ? undefined : {
      throttle: throttling === undefined ? undefined : new RetryThrottle(throttling.maxTokens, throttling.tokenRatio),
      buffer: new RetryBuffer(options.retryBufferSize ?? DEFAULT_RETRY_BUFFER),
      perCallBufferBytes: options.perRpcRetryBufferSize ?? DEFAULT_PER_RPC_RETRY_BUFFER,
    };
    // Fail at construction, not at the first call, on an unknown default encoding.
    resolveCodec(options.defaultCompression);
    this.callDefaults = { compression: options.defaultCompression, waitForReady: options.waitForReady };
    this.noOptions = Object.freeze(resolveCallOptions(undefined, this.callDefaults, 0));
    this.env = {
      connection: this.connection,
      serverEncodings: new ServerEncodings(),
      maxReceiveMessageLength: limit(options.maxReceiveMessageLength, DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH),
      maxSendMessageLength: limit(options.maxSendMessageLength, Infinity),
    };
    this.interceptors = [...(options.interceptors ?? [])];
    const propagate = options.propagateContext ?? true;
    this.inheritingInterceptors = propagate === false
      ? undefined
      : [propagateAmbientContext(propagate === true ? {} : propagate), ...this.interceptors];
  }

  /** One function per proto method of the service; see ServiceStub. */
  getService<T = ServiceStub>(service: ServiceDescriptor): T {
    return createStub(this, service) as T;
  }

  /** A cold Observable: each subscription is one call; unsubscribing before it ends cancels it. */
  call<Req, Res>(method: MethodDescriptor<Req, Res>, request: Req | RequestStream<Req>, options?: CallOptions): Observable<Res> {
    return new Observable<Res>((subscriber) => this.start(method, request, options, subscriber));
  }

  /**
   * The single response of a unary-response method: the call lastValueFrom(call(...)) makes, without the Observable,
   * Subscriber, Subscription and lastValueFrom closures that each call would otherwise allocate.
   */
  callForResponse<Req, Res>(method: MethodDescriptor<Req, Res>, request: Req | RequestStream<Req>, options?: CallOptions): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      try {
        this.start(method, request, options, new ResponseSink(resolve, reject));
      } catch (err) {
        // As in call(): bad options or a throwing onStart hook fail the call, they do not throw at the caller.
        reject(err);
      }
    });
  }

  /**
   * The responses pulled: `for await (const reply of client.stream(...))`. Read from HTTP/2 only as fast as the loop
   * pulls (a few messages are held, then the stream pauses and flow control holds the server back), so memory stays
   * bounded by the HTTP/2 windows however fast the server sends; call() pushes everything as it arrives. The call
   * starts at the first pull; leaving the loop early cancels it; a failure is the GrpcError the loop throws.
   */
  stream<Req, Res>(method: MethodDescriptor<Req, Res>, request: Req | RequestStream<Req>, options?: CallOptions): ResponseStream<Res> {
    return new ResponseStream<Res>((sink) => this.start(method, request, options, sink));
  }

  /**
   * Closes the connection. New calls and calls waiting for ready fail UNAVAILABLE; calls in flight run to
   * completion, as with grpc-js's close(). `force: true` tears the connection down instead: calls in flight end UNAVAILABLE 'Connection dropped'.
   */
  close(options?: { force?: boolean }): Promise<void> {
    return this.connection.close(options?.force === true);
  }

  /** The client's connectivity state; `tryToConnect` leaves IDLE (grpc-js's channel.getConnectivityState). */
  getConnectivityState(tryToConnect: boolean): ConnectivityState {
    if (tryToConnect) this.connection.connect();
    return this.connection.connectivity;
  }

  /**
   * Calls `callback()` once the state is no longer `currentState`, or `callback(error)` at `deadline` (Date or epoch
   * ms) if it still is, as grpc-js's channel.watchConnectivityState.
   */
  watchConnectivityState(currentState: ConnectivityState, deadline: Date | number, callback: (error?: Error) => void): void {
    this.watchers.watch(this.connection.connectivity, currentState, deadline, callback);
  }

  /**
   * Where every call starts, whichever way it delivers (Observable, promise or pulled). A call made while a call is served
   * inherits its context and delivers in its subscriber's async context; any other call takes the plain road.
   * Throws for bad options, unsendable metadata or a throwing onStart hook; nothing has started then.
   */
  private start<Req, Res>(
    method: MethodDescriptor<Req, Res>,
    request: Req | RequestStream<Req>,
    options: CallOptions | undefined,
    sink: CallSink<Res>,
  ): AttemptCall {
    let chain = this.interceptors;
    // Read at subscribe time: the call belongs to whichever served call subscribes, not to whoever built it.
    if (this.inheritingInterceptors !== undefined && ambientContext.getStore() !== undefined) {
      chain = this.inheritingInterceptors;
      sink = new ScopedSink(sink);
    }
    let resolved = options === undefined ? this.noOptions : resolveCallOptions(options, this.callDefaults, Date.now());
    const config = this.serviceConfig === undefined ? undefined : this.methodConfig(method);
    if (config !== undefined) resolved = withMethodConfig(resolved, config, options);
    // No interceptor, no cost: the options go out as resolved.
    const intercepted = chain.length > 0 ? interceptCall(chain, method, resolved) : undefined;
    const template = this.templateFor(method);
    const policy = this.retryEnv === undefined || config === undefined || method.requestStream ? undefined : callPolicy(config);
    if (policy !== undefined) {
      const call = new RetryingCall<Req, Res>(sink, intercepted?.options ?? resolved, policy, this.retryEnv!, (attemptSink, attemptOptions) => {
        const attempt = new ClientCall<Req, Res>(method, attemptSink, attemptOptions, this.env, template, undefined);
        attempt.start(request);
        return attempt;
      }, intercepted);
      call.start(requestSize(method, request as Req));
      return call;
    }
    const call = new ClientCall<Req, Res>(method, sink, intercepted?.options ?? resolved, this.env, template, intercepted);
    call.start(request);
    return call;
  }

  private methodConfig(method: MethodDescriptor): MethodConfig | undefined {
    let config = this.methodConfigs.get(method);
    if (config === undefined) {
      config = methodConfigFor(this.serviceConfig!, method.path) ?? null;
      this.methodConfigs.set(method, config);
    }
    return config ?? undefined;
  }

  private templateFor(method: MethodDescriptor): RequestHeaders {
    let template = this.templates.get(method);
    if (template === undefined) {
      template = buildRequestHeaderTemplate({ scheme: this.scheme, authority: this.authority, path: method.path, userAgent: USER_AGENT });
      this.templates.set(method, template);
    }
    return template;
  }
}

/** The service config's timeout (the earlier deadline wins) and waitForReady (unless the call sets its own). */
function withMethodConfig(resolved: ResolvedCallOptions, config: MethodConfig, options: CallOptions | undefined): ResolvedCallOptions {
  const deadline = config.timeoutMs === undefined ? resolved.deadline : Math.min(resolved.deadline, Date.now() + config.timeoutMs);
  const waitForReady = options?.waitForReady ?? config.waitForReady ?? resolved.waitForReady;
  if (deadline === resolved.deadline && waitForReady === resolved.waitForReady) return resolved;
  return { ...resolved, deadline, waitForReady };
}

function callPolicy(config: MethodConfig): CallPolicy | undefined {
  if (config.retryPolicy !== undefined) return { kind: 'retry', policy: config.retryPolicy };
  if (config.hedgingPolicy !== undefined) return { kind: 'hedge', policy: config.hedgingPolicy };
  return undefined;
}

/** The serialized request's size, for the retry buffers; a request that fails to serialize fails its attempt anyway. */
function requestSize<Req>(method: MethodDescriptor<Req, unknown>, request: Req): number {
  try {
    return method.serializeRequest(request).length;
  } catch {
    return 0;
  }
}

/**
 * Response events run in the context of whoever opened the shared HTTP/2 session, often another served call: a
 * call made while serving delivers its results in its subscriber's own async context, so nothing downstream reads
 * a foreign one.
 */
class ScopedSink<Res> implements CallSink<Res> {
  private readonly scope = new AsyncResource('GrpcClientCall');

  constructor(private readonly sink: CallSink<Res>) {}

  next(value: Res): void {
    this.scope.runInAsyncScope(this.sink.next, this.sink, value);
  }

  error(err: unknown): void {
    this.scope.runInAsyncScope(this.sink.error, this.sink, err);
  }

  complete(): void {
    this.scope.runInAsyncScope(this.sink.complete, this.sink);
  }
}

/** A unary response delivered to a promise: ClientCall always sends next() before complete() on OK. */
class ResponseSink<Res> implements CallSink<Res> {
  private response: Res | undefined;

  constructor(private readonly resolve: (value: Res) => void, readonly error: (err: unknown) => void) {}

  next(value: Res): void {
    this.response = value;
  }

  complete(): void {
    this.resolve(this.response as Res);
  }
}
