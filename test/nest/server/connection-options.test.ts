// Transport.GRPC's keepalive, maxMetadataSize and channelOptions on GrpcTransportStrategy: read into the server's
// connection policy in Nest's order (channelOptions, then keepalive and maxMetadataSize over), and served.
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { describe, it } from 'node:test';
import { nestConnectionOptions } from '../../../lib/nest/server/connection-options.js';
import { hostControllers, TEST_TIMEOUT } from './fixtures.js';

describe('Nest connection options', () => {
  it('maps keepalive, maxMetadataSize and the grpc-js channel keys; Nest\'s own options win', () => {
    const options = nestConnectionOptions({
      keepalive: { keepaliveTimeMs: 1000, keepalivePermitWithoutCalls: 1, http2MinPingIntervalWithoutDataMs: 300, http2MaxPingStrikes: 5, http2MaxPingsWithoutData: 0 },
      maxMetadataSize: 4096,
      channelOptions: {
        'grpc.keepalive_time_ms': 99, 'grpc.keepalive_timeout_ms': 500, 'grpc.max_connection_age_ms': 60_000,
        'grpc.max_connection_age_grace_ms': 5000, 'grpc.max_connection_idle_ms': 30_000, 'grpc.max_concurrent_streams': 50,
        'grpc.max_metadata_size': 1, 'grpc.primary_user_agent': 'ignored',
      },
    });
    assert.deepEqual(options, {
      keepaliveTimeMs: 1000, keepaliveTimeoutMs: 500, keepalivePermitWithoutCalls: true, keepaliveMinTimeMs: 300, maxPingStrikes: 5,
      maxConnectionAgeMs: 60_000, maxConnectionAgeGraceMs: 5000, idleTimeoutMs: 30_000, maxConcurrentStreams: 50, maxMetadataSize: 4096,
    });
  });

  it('refuses a channel key of the wrong type, naming it', () => {
    assert.throws(() => nestConnectionOptions({ channelOptions: { 'grpc.keepalive_time_ms': '10s' } }), /grpc\.keepalive_time_ms/);
  });

  it('a strategy with maxConcurrentStreams and maxMetadataSize announces them in its SETTINGS', TEST_TIMEOUT, async () => {
    const { app, address } = await hostControllers([], { maxMetadataSize: 4096, channelOptions: { 'grpc.max_concurrent_streams': 9 } });
    const session = connect(`http://${address}`);
    session.on('error', () => {});
    try {
      await new Promise((resolve) => session.once('remoteSettings', resolve));
      assert.deepEqual([session.remoteSettings.maxConcurrentStreams, session.remoteSettings.maxHeaderListSize], [9, 4096]);
    } finally {
      session.destroy();
      await app.close();
    }
  });
});
