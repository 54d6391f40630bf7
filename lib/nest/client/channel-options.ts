// Nest's Transport.GRPC clients pass grpc-js channel options through `channelOptions`. The few that have an
// equivalent here are read, so a module switched over keeps its message limits, compression, reconnect delays,
// TLS name override, keepalive, service config (load balancing, retries, hedging), DNS and retry settings; the
// rest mean nothing to this client and are ignored.
import type { EncodingName } from '../../protocol/compression.js';
import type { ClientOptions } from '../../client/grpc-client.js';

/** grpc-js's grpc.default_compression_algorithm values (its CompressionAlgorithms enum). */
const COMPRESSION_ALGORITHMS: Readonly<Record<number, EncodingName>> = { 0: 'identity', 1: 'deflate', 2: 'gzip' };

/**
 * `options` with what `channelOptions` says where `options` itself says nothing: explicit options win, key by key.
 * A recognised key with a value of the wrong type is a TypeError naming it.
 */
export function withChannelOptions(options: ClientOptions, channelOptions: Readonly<Record<string, unknown>> | undefined): ClientOptions {
  if (channelOptions === undefined) return options;
  const merged: ClientOptions = { ...options };
  const read = (key: string): number | undefined => {
    const value = channelOptions[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`channelOptions '${key}' must be a number, got ${String(value)}`);
    return value;
  };

  const maxReceive = read('grpc.max_receive_message_length');
  if (maxReceive !== undefined) merged.maxReceiveMessageLength ??= maxReceive;
  const maxSend = read('grpc.max_send_message_length');
  if (maxSend !== undefined) merged.maxSendMessageLength ??= maxSend;
  const algorithm = read('grpc.default_compression_algorithm');
  if (algorithm !== undefined && merged.defaultCompression === undefined) {
    const encoding = COMPRESSION_ALGORITHMS[algorithm];
    if (encoding === undefined) throw new TypeError(`channelOptions 'grpc.default_compression_algorithm' must be 0, 1 or 2, got ${algorithm}`);
    merged.defaultCompression = encoding;
  }
  const initialMs = read('grpc.initial_reconnect_backoff_ms');
  const maxMs = read('grpc.max_reconnect_backoff_ms');
  if (initialMs !== undefined || maxMs !== undefined) {
    merged.reconnectBackoff = { ...(initialMs === undefined ? {} : { initialMs }), ...(maxMs === undefined ? {} : { maxMs }), ...options.reconnectBackoff };
  }
  const serviceConfig = channelOptions['grpc.service_config'];
  if (serviceConfig !== undefined) {
    if (typeof serviceConfig !== 'string') throw new TypeError(`channelOptions 'grpc.service_config' must be a JSON string, got ${typeof serviceConfig}`);
    merged.serviceConfig ??= serviceConfig;
  }
  // C-core's option; grpc-js reads only the service config, where loadBalancingConfig says the same.
  const policy = channelOptions['grpc.lb_policy_name'];
  if (policy !== undefined) {
    if (policy !== 'pick_first' && policy !== 'round_robin') throw new TypeError(`channelOptions 'grpc.lb_policy_name' must be 'pick_first' or 'round_robin', got ${String(policy)}`);
    merged.loadBalancingPolicy ??= policy;
  }
  const enableRetries = read('grpc.enable_retries');
  if (enableRetries !== undefined) merged.enableRetries ??= enableRetries !== 0;
  const retryBuffer = read('grpc.retry_buffer_size');
  if (retryBuffer !== undefined) merged.retryBufferSize ??= retryBuffer;
  const perRpcBuffer = read('grpc.per_rpc_retry_buffer_size');
  if (perRpcBuffer !== undefined) merged.perRpcRetryBufferSize ??= perRpcBuffer;
  const dnsInterval = read('grpc.dns_min_time_between_resolutions_ms');
  if (dnsInterval !== undefined) merged.dnsMinTimeBetweenResolutionsMs ??= dnsInterval;
  // Keepalive (issue 14): grpc-js's channel keys, under Nest's own `keepalive` option where both say something.
  const keepaliveTimeMs = read('grpc.keepalive_time_ms');
  const keepaliveTimeoutMs = read('grpc.keepalive_timeout_ms');
  const keepalivePermitWithoutCalls = read('grpc.keepalive_permit_without_calls');
  if (keepaliveTimeMs !== undefined || keepaliveTimeoutMs !== undefined || keepalivePermitWithoutCalls !== undefined) {
    const fromChannel = { keepaliveTimeMs, keepaliveTimeoutMs, keepalivePermitWithoutCalls };
    const defined = Object.entries(fromChannel).filter(([, value]) => value !== undefined);
    merged.keepalive = { ...Object.fromEntries(defined), ...options.keepalive };
  }

  const servername = channelOptions['grpc.ssl_target_name_override'];
  // As grpc-js: the override matters only over TLS.
  if (typeof servername === 'string' && merged.tls !== undefined) {
    const tls = merged.tls === true ? {} : merged.tls;
    merged.tls = { ...tls, servername: tls.servername ?? servername };
  }
  return merged;
}
