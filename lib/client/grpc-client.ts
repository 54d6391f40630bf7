// The standalone client: its channel (one HTTP/2 connection, or one per resolved address under a balancing policy),
// cold Observable calls, per-service stubs.
// Every call, Observable or promise, starts in one place (start); request headers come from protocol/request-headers.ts.

import { createRequire } from 'node:module';
import { Observable } from 'rxjs';
import { buildRequestHeaderTemplate } from '../protocol/request-headers.js';
import type { RequestHeaders } from '../protocol/request-headers.js';
import type { MethodDescriptor, ServiceDescriptor } from '../schema/descriptors.js';
import { resolveCallOptions, resolveCodec } from './call-options.js';
import type { CallDefaults, CallOptions, ResolvedCallOptions } from './call-options.js';
import { ClientCall } from './client-call.js';
import type { CallSink, ClientCallEnvironment } from './client-call.js';
import { ResponseSink, ScopedSink } from './call-sinks.js';
import { ambientContext, interceptCall, propagateAmbientContext } from './client-interceptor.js';
import type { ClientInterceptor } from './client-interceptor.js';
import type { ClientOptions } from './client-options.js';
import { createChannel } from './balancer/create-channel.js';
import { ConnectivityState, StateWatchers } from './balancer/connectivity-state.js';
import type { CallChannel } from './call-channel.js';
import { RetryingCall } from './retry/retrying-call.js';
import { RequestReplay } from './retry/request-replay.js';
import type { AttemptCall, RetryEnvironment } from './retry/retrying-call.js';
import { callPolicy, requestSize, withMethodConfig } from './retry/method-policy.js';
import { RetryBuffer, RetryThrottle } from './retry/retry-throttle.js';
import { methodConfigFor, parseServiceConfig } from './retry/service-config.js';
import type { MethodConfig, ServiceConfig } from './retry/service-config.js';
import { createOtelClientInterceptor } from '../observability/otel-client-interceptor.js';
import { ServerEncodings } from './server-encodings.js';
import { createStub } from './stub.js';
import type { ServiceStub } from './stub.js';
import type { RequestStream } from './request-writer.js';
import { ResponseStream } from './response-stream.js';

export type { ClientOptions } from './client-options.js';

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
  private readonly env: ClientCallEnvironment;
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
        keepalive: options.keepalive,
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
    // Telemetry last: after propagation, so the traceparent it injects replaces one forwarded from the served call.
    const telemetry = createOtelClientInterceptor(options.telemetry, target);
    this.interceptors = [...(options.interceptors ?? []), ...(telemetry === undefined ? [] : [telemetry])];
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
    const policy = this.retryEnv === undefined || config === undefined ? undefined : callPolicy(config);
    if (policy !== undefined) {
      let attempts = 0;
      const retryEnv = this.retryEnv!;
      const call = new RetryingCall<Req, Res>(sink, intercepted?.options ?? resolved, policy, retryEnv, (attemptSink, attemptOptions, attemptRequest) => {
        const attempt = new ClientCall<Req, Res>(method, attemptSink, attemptOptions, this.env, template, undefined);
        if (intercepted !== undefined) attempt.attemptHooks = intercepted.attempt(attempts++, true);
        attempt.start(attemptRequest);
        return attempt;
      }, intercepted);
      if (method.requestStream) call.startStream(new RequestReplay(method, request, retryEnv.buffer, retryEnv.perCallBufferBytes));
      else call.start(request as Req, requestSize(method, request as Req));
      return call;
    }
    const call = new ClientCall<Req, Res>(method, sink, intercepted?.options ?? resolved, this.env, template, intercepted);
    if (intercepted !== undefined) call.attemptHooks = intercepted.attempt(0, false);
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
