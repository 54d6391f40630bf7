// Transport.GRPC's connection options (keepalive, maxMetadataSize, channelOptions) as GrpcServer options. Nest's
// ServerGrpc turns them into grpc-js channel arguments, channelOptions first, keepalive and maxMetadataSize over.
import { readGrpcJsServerOptions } from '../../server/grpc-js-options.js';
import type { GrpcJsConnectionOptions } from '../../server/grpc-js-options.js';

/** Nest's GrpcOptions `keepalive`; the two client-side http2 keys mean nothing to a server and are ignored, as in grpc-js. */
export interface NestKeepalive {
  keepaliveTimeMs?: number;
  keepaliveTimeoutMs?: number;
  keepalivePermitWithoutCalls?: number | boolean;
  http2MaxPingsWithoutData?: number;
  http2MinTimeBetweenPingsMs?: number;
  http2MinPingIntervalWithoutDataMs?: number;
  http2MaxPingStrikes?: number;
}

const KEEPALIVE_KEYS: Readonly<Record<string, string>> = {
  keepaliveTimeMs: 'grpc.keepalive_time_ms',
  keepaliveTimeoutMs: 'grpc.keepalive_timeout_ms',
  keepalivePermitWithoutCalls: 'grpc.keepalive_permit_without_calls',
  http2MinPingIntervalWithoutDataMs: 'grpc.http2.min_ping_interval_without_data_ms',
  http2MaxPingStrikes: 'grpc.http2.max_ping_strikes',
};

/** The GrpcServer options these Nest options set, in Nest's order of precedence. */
export function nestConnectionOptions(options: {
  keepalive?: NestKeepalive; maxMetadataSize?: number; channelOptions?: Readonly<Record<string, unknown>>;
}): GrpcJsConnectionOptions {
  const args: Record<string, unknown> = { ...options.channelOptions };
  if (options.maxMetadataSize !== undefined) args['grpc.max_metadata_size'] = options.maxMetadataSize;
  for (const [name, value] of Object.entries(options.keepalive ?? {})) {
    const key = KEEPALIVE_KEYS[name];
    if (key !== undefined && value !== undefined) args[key] = value;
  }
  return readGrpcJsServerOptions(args);
}
