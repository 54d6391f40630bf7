// The options of a whole client (GrpcClient's second argument); grpc-js channel option names are given where one
// exists, as GrpcClientProxy reads them from channelOptions.

import type { ClientSessionOptions, SecureClientSessionOptions } from 'node:http2';
import type { TelemetryOption } from '../observability/telemetry-options.js';
import type { EncodingName } from '../protocol/compression.js';
import type { LoadBalancingPolicyName } from './balancer/policy.js';
import type { ClientInterceptor, PropagateOptions } from './client-interceptor.js';
import type { ReconnectBackoffOptions } from './connection-backoff.js';
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
   * OpenTelemetry traces (a CLIENT span per call, attempt spans under retries) and gRFC A66 metrics, through the
   * global providers or those given; needs the optional peer @opentelemetry/api, loaded only when on. Default off.
   */
  telemetry?: TelemetryOption;
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
