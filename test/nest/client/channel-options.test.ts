// Transport.GRPC's channelOptions carried over: the keys with an equivalent here change the client as they change
// grpc-js's, explicit options win, and the rest are ignored.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastValueFrom } from 'rxjs';
import { GrpcError } from '../../../lib/protocol/grpc-error.js';
import { Status } from '../../../lib/protocol/status.js';
import { withChannelOptions } from '../../../lib/nest/client/channel-options.js';
import { GrpcClientProxy } from '../../../lib/nest/client/grpc-client.proxy.js';
import { ROUTES_PROTO, startRoutesServer } from './routes-server.js';
import type { Item } from './routes-server.js';

describe('channelOptions', () => {
  it('reads the message limits (-1: unlimited, as grpc-js), compression, reconnect delays, TLS name override, keepalive', () => {
    const options = withChannelOptions({ tls: { ca: 'pem' } }, {
      'grpc.max_receive_message_length': -1,
      'grpc.max_send_message_length': 1024,
      'grpc.default_compression_algorithm': 2,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 5000,
      'grpc.ssl_target_name_override': 'api.internal',
      'grpc.keepalive_time_ms': 10_000,
    });
    assert.deepEqual(options, {
      tls: { ca: 'pem', servername: 'api.internal' },
      maxReceiveMessageLength: -1,
      maxSendMessageLength: 1024,
      defaultCompression: 'gzip',
      reconnectBackoff: { initialMs: 100, maxMs: 5000 },
      keepalive: { keepaliveTimeMs: 10_000 },
    });
  });

  it('reads the keepalive keys under Nest\'s own keepalive option, which wins key by key', () => {
    const options = withChannelOptions({ keepalive: { keepaliveTimeoutMs: 500 } }, {
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 20_000,
      'grpc.keepalive_permit_without_calls': 1,
    });
    assert.deepEqual(options.keepalive, { keepaliveTimeMs: 10_000, keepaliveTimeoutMs: 500, keepalivePermitWithoutCalls: 1 });
  });

  it('lets explicit options win, key by key, and ignores the name override without TLS', () => {
    const options = withChannelOptions(
      { maxSendMessageLength: 10, defaultCompression: 'identity', reconnectBackoff: { maxMs: 50 }, tls: { servername: 'mine' } },
      {
        'grpc.max_send_message_length': 1024,
        'grpc.default_compression_algorithm': 1,
        'grpc.initial_reconnect_backoff_ms': 20,
        'grpc.max_reconnect_backoff_ms': 5000,
        'grpc.ssl_target_name_override': 'theirs',
      });
    assert.deepEqual(options, {
      maxSendMessageLength: 10, defaultCompression: 'identity', reconnectBackoff: { initialMs: 20, maxMs: 50 }, tls: { servername: 'mine' },
    });
    assert.deepEqual(withChannelOptions({}, { 'grpc.ssl_target_name_override': 'x' }), {});
    assert.deepEqual(withChannelOptions({ tls: true }, { 'grpc.ssl_target_name_override': 'x' }), { tls: { servername: 'x' } });
  });

  it('refuses a recognised key with a value grpc-js would not take', () => {
    assert.throws(() => withChannelOptions({}, { 'grpc.max_receive_message_length': '10' }), /grpc.max_receive_message_length/);
    assert.throws(() => withChannelOptions({}, { 'grpc.default_compression_algorithm': 3 }), /0, 1 or 2/);
  });

  it('applies through GrpcClientProxy: a receive limit from channelOptions fails a larger response', { timeout: 5000 }, async () => {
    const server = await startRoutesServer();
    const proxy = new GrpcClientProxy({
      url: server.address, package: 'nestclient.v1', protoPath: ROUTES_PROTO, channelOptions: { 'grpc.max_receive_message_length': 4 },
    });
    const unlimited = new GrpcClientProxy({ url: server.address, package: 'nestclient.v1', protoPath: ROUTES_PROTO });
    try {
      const call = (client: GrpcClientProxy) => lastValueFrom(client.send<Item>({ service: 'Routes', method: 'GetItem' }, { name: 'limited' }));
      assert.equal((await call(unlimited)).name, 'got limited');
      const err = await call(proxy).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof GrpcError);
      assert.equal(err.code, Status.RESOURCE_EXHAUSTED);
    } finally {
      await proxy.close();
      await unlimited.close();
      await server.stop();
    }
  });
});
