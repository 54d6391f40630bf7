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
import { Connection } from './connection.js';
import type { ReconnectBackoffOptions } from './connection-backoff.js';
import { ServerEncodings } from './server-encodings.js';
import { createStub } from './stub.js';
import type { ServiceStub } from './stub.js';
import type { RequestStream } from './request-writer.js';
import { ResponseStream } from './response-stream.js';
import type { ClientKeepaliveOptions } from './session-keepalive.js';

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
  /**
   * HTTP/2 keepalive PINGs: `keepaliveTimeMs` (default off), `keepaliveTimeoutMs` (20000),
   * `keepalivePermitWithoutCalls` (false) — grpc-js's grpc.keepalive_time_ms, _timeout_ms, _permit_without_calls.
   */
  keepalive?: ClientKeepaliveOptions;
  /** Default of CallOptions.waitForReady for every call (false, as grpc-js). */
  waitForReady?: boolean;
}

const DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH = 4 * 1024 * 1024;
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

/** A gRPC client of one server address ('host:port'), over plaintext HTTP/2 or TLS. */
export class GrpcClient {
  private readonly connection: Connection;
  private readonly env: CallEnvironment;
  private readonly callDefaults: CallDefaults;
  /** What a call without options resolves to: the same every time, so it is resolved once. */
  private readonly noOptions: ResolvedCallOptions;
  private readonly templates = new WeakMap<MethodDescriptor, RequestHeaders>();
  private readonly scheme: 'http' | 'https';
  private readonly interceptors: readonly ClientInterceptor[];
  /** The chain for calls made while a call is served: propagation first, so user hooks see and may change it. */
  private readonly inheritingInterceptors: readonly ClientInterceptor[] | undefined;

  constructor(private readonly address: string, options: ClientOptions = {}) {
    // Throws TypeError now rather than failing every call later.
    if (!/^[^/:\s]+:\d+$|^\[[0-9a-fA-F:.]+\]:\d+$/.test(address)) {
      throw new TypeError(`GrpcClient address must be 'host:port', got '${String(address)}'`);
    }
    this.scheme = options.tls === undefined ? 'http' : 'https';
    // As grpc-js: :authority stays the address; a servername override changes only SNI and the identity check.
    this.connection = new Connection(`${this.scheme}://${address}`, {
      http2: options.http2,
      tls: options.tls === true ? {} : options.tls,
      connectionWindowSize: options.connectionWindowSize,
      reconnectBackoff: options.reconnectBackoff,
      keepalive: options.keepalive,
    });
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
  ): ClientCall<Req, Res> {
    let chain = this.interceptors;
    // Read at subscribe time: the call belongs to whichever served call subscribes, not to whoever built it.
    if (this.inheritingInterceptors !== undefined && ambientContext.getStore() !== undefined) {
      chain = this.inheritingInterceptors;
      sink = new ScopedSink(sink);
    }
    const resolved = options === undefined ? this.noOptions : resolveCallOptions(options, this.callDefaults, Date.now());
    // No interceptor, no cost: the options go out as resolved.
    const intercepted = chain.length > 0 ? interceptCall(chain, method, resolved) : undefined;
    const call = new ClientCall<Req, Res>(method, sink, intercepted?.options ?? resolved, this.env, this.templateFor(method), intercepted);
    call.start(request);
    return call;
  }

  private templateFor(method: MethodDescriptor): RequestHeaders {
    let template = this.templates.get(method);
    if (template === undefined) {
      template = buildRequestHeaderTemplate({ scheme: this.scheme, authority: this.address, path: method.path, userAgent: USER_AGENT });
      this.templates.set(method, template);
    }
    return template;
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
