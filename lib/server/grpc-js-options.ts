// grpc-js's server channel arguments for connection management ('grpc.keepalive_time_ms'...) read into GrpcServer
// options, so a server moved over from grpc-js (or Nest's Transport.GRPC channelOptions) keeps its settings.
import type { ConnectionPolicyOptions } from './connection-policy.js';

/** The GrpcServer options grpc-js channel arguments can set. */
export interface GrpcJsConnectionOptions extends ConnectionPolicyOptions {
  maxConcurrentStreams?: number;
  maxMetadataSize?: number;
  /** grpc.max_connection_idle_ms is the connection guard's idle limit (ServerOptions.idleTimeoutMs). */
  idleTimeoutMs?: number;
}

const NUMBER_KEYS: ReadonlyArray<readonly [string, keyof GrpcJsConnectionOptions]> = [
  ['grpc.keepalive_time_ms', 'keepaliveTimeMs'],
  ['grpc.keepalive_timeout_ms', 'keepaliveTimeoutMs'],
  ['grpc.http2.min_ping_interval_without_data_ms', 'keepaliveMinTimeMs'],
  ['grpc.http2.max_ping_strikes', 'maxPingStrikes'],
  ['grpc.max_connection_idle_ms', 'idleTimeoutMs'],
  ['grpc.max_connection_age_ms', 'maxConnectionAgeMs'],
  ['grpc.max_connection_age_grace_ms', 'maxConnectionAgeGraceMs'],
  ['grpc.max_concurrent_streams', 'maxConcurrentStreams'],
  ['grpc.max_metadata_size', 'maxMetadataSize'],
];

/** Reads the keys above (and grpc.keepalive_permit_without_calls, 0 or 1); a non-number value is a TypeError naming it. */
export function readGrpcJsServerOptions(channelOptions: Readonly<Record<string, unknown>>): GrpcJsConnectionOptions {
  const options: Record<string, number | boolean> = {};
  for (const [key, name] of NUMBER_KEYS) {
    const value = channelOptions[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`'${key}' must be a number, got ${String(value)}`);
    options[name] = value;
  }
  const permit = channelOptions['grpc.keepalive_permit_without_calls'];
  if (permit !== undefined) options['keepalivePermitWithoutCalls'] = Boolean(permit);
  return options as GrpcJsConnectionOptions;
}
