// The standalone client: one shared HTTP/2 connection, cold Observable calls, per-service stubs.
// Request headers follow PROTOCOL-HTTP2 "Requests"; the fixed part is built once per method and reused.

import { AsyncResource } from 'node:async_hooks';
import { createRequire } from 'node:module';
import type { ClientSessionOptions, SecureClientSessionOptions } from 'node:http2';
import { lastValueFrom, Observable } from 'rxjs';
import type { TeardownLogic } from 'rxjs';
import { ACCEPT_ENCODING } from '../protocol/compression.js';
import type { Codec, EncodingName } from '../protocol/compression.js';
import { GRPC_CONTENT_TYPE } from '../protocol/headers.js';
import { metadataToHeaders } from '../protocol/metadata.js';
import { encodeTimeout } from '../protocol/timeout.js';
import type { MethodDescriptor, ServiceDescriptor } from '../schema/descriptors.js';
import { resolveCallOptions, resolveCodec } from './call-options.js';
import type { CallDefaults, CallOptions, ResolvedCallOptions } from './call-options.js';
import { ClientCall } from './client-call.js';
import type { CallEnvironment, CallSink } from './client-call.js';
import { ambientContext, interceptCall, propagateAmbientContext } from './client-interceptor.js';
import type { ClientInterceptor, PropagateOptions } from './client-interceptor.js';
import { Connection } from './connection.js';
import type { ReconnectBackoffOptions } from './connection-backoff.js';
import { createStub } from './stub.js';
import type { ServiceStub } from './stub.js';
import type { RequestStream } from './request-writer.js';

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

type HeaderTemplate = Readonly<Record<string, string>>;

/** A gRPC client of one server address ('host:port'), over plaintext HTTP/2 or TLS. */
export class GrpcClient {
  private readonly connection: Connection;
  private readonly env: CallEnvironment;
  private readonly callDefaults: CallDefaults;
  /** What a call without options resolves to: the same every time, so it is resolved once. */
  private readonly noOptions: ResolvedCallOptions;
  private readonly templates = new WeakMap<MethodDescriptor, HeaderTemplate>();
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
    });
    // Fail at construction, not at the first call, on an unknown default encoding.
    resolveCodec(options.defaultCompression);
    this.callDefaults = { compression: options.defaultCompression, waitForReady: options.waitForReady };
    this.noOptions = Object.freeze(resolveCallOptions(undefined, this.callDefaults, 0));
    this.env = {
      connection: this.connection,
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
    return new Observable<Res>((subscriber) => {
      // Read at subscribe time: the call belongs to whichever served call subscribes, not to whoever built it.
      if (this.inheritingInterceptors === undefined || ambientContext.getStore() === undefined) {
        return this.start(method, request, options, this.interceptors, subscriber);
      }
      // Response events run in the context of whoever opened the shared HTTP/2 session, often another served
      // call: deliver results in the subscriber's own async context so nothing downstream reads a foreign one.
      const scope = new AsyncResource('GrpcClientCall');
      const chain = this.inheritingInterceptors;
      const inner = new Observable<Res>((relay) => this.start(method, request, options, chain, relay));
      return inner.subscribe({
        next: (value) => scope.runInAsyncScope(subscriber.next, subscriber, value),
        error: (err: unknown) => scope.runInAsyncScope(subscriber.error, subscriber, err),
        complete: () => scope.runInAsyncScope(subscriber.complete, subscriber),
      });
    });
  }

  /**
   * The single response of a unary-response method: the call lastValueFrom(call(...)) makes, without the Observable,
   * Subscriber, Subscription and lastValueFrom closures that each call would otherwise allocate.
   */
  callForResponse<Req, Res>(method: MethodDescriptor<Req, Res>, request: Req | RequestStream<Req>, options?: CallOptions): Promise<Res> {
    // Served calls need call()'s async-context relay; a promise settles in no particular context.
    if (this.inheritingInterceptors !== undefined && ambientContext.getStore() !== undefined) {
      return lastValueFrom(this.call(method, request, options));
    }
    return new Promise<Res>((resolve, reject) => {
      try {
        this.start(method, request, options, this.interceptors, new ResponseSink(resolve, reject));
      } catch (err) {
        // As in call(): bad options or a throwing onStart hook fail the call, they do not throw at the caller.
        reject(err);
      }
    });
  }

  /**
   * Closes the connection. New calls and calls waiting for ready fail UNAVAILABLE; calls in flight run to
   * completion, as with grpc-js's close(). `force: true` tears the connection down instead: calls in flight end UNAVAILABLE 'Connection dropped'.
   */
  close(options?: { force?: boolean }): Promise<void> {
    return this.connection.close(options?.force === true);
  }

  private start<Req, Res>(
    method: MethodDescriptor<Req, Res>,
    request: Req | RequestStream<Req>,
    options: CallOptions | undefined,
    chain: readonly ClientInterceptor[],
    subscriber: CallSink<Res>,
  ): TeardownLogic {
    let resolved = options === undefined ? this.noOptions : resolveCallOptions(options, this.callDefaults, Date.now());
    // No interceptor, no cost: the options go out as resolved.
    if (chain.length > 0) resolved = interceptCall(chain, method, resolved);
    const codec = this.sendCodec(resolved.codec);
    const headers = this.headersFor(method, resolved, codec);
    const call = new ClientCall<Req, Res>(method, subscriber, resolved, this.env);
    call.start(headers, request, codec);
    return call;
  }

  /** grpc-js stops compressing with an encoding the server's grpc-accept-encoding left out. */
  private sendCodec(codec: Codec | undefined): Codec | undefined {
    const accepted = this.connection.serverEncodings;
    return codec !== undefined && accepted !== undefined && !accepted.includes(codec.name) ? undefined : codec;
  }

  private headersFor(method: MethodDescriptor, options: ResolvedCallOptions, codec: Codec | undefined): Readonly<Record<string, string | string[]>> {
    const template = this.templateFor(method);
    // node:http2 copies the header object itself, so the shared template can go out as is.
    if (options.metadata === undefined && options.deadline === Infinity && codec === undefined) return template;
    const headers: Record<string, string | string[]> = { ...template };
    if (options.deadline !== Infinity) headers['grpc-timeout'] = encodeTimeout(options.deadline - Date.now());
    if (codec !== undefined) headers['grpc-encoding'] = codec.name;
    if (options.metadata !== undefined) {
      metadataToHeaders(options.metadata, headers);
      // user-agent is single-valued in HTTP/2: a caller's own goes first, ours after (as grpc-core does).
      const agents = headers['user-agent'];
      if (Array.isArray(agents)) headers['user-agent'] = [...agents.slice(1), agents[0]].join(' ');
    }
    return headers;
  }

  private templateFor(method: MethodDescriptor): HeaderTemplate {
    let template = this.templates.get(method);
    if (template === undefined) {
      template = Object.freeze({
        ':method': 'POST',
        ':scheme': this.scheme,
        ':path': method.path,
        ':authority': this.address,
        'content-type': GRPC_CONTENT_TYPE,
        te: 'trailers',
        'user-agent': USER_AGENT,
        'grpc-accept-encoding': ACCEPT_ENCODING,
      });
      this.templates.set(method, template);
    }
    return template;
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
