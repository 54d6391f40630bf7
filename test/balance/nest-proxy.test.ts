// The Nest proxy takes the targets and the grpc-js channel options a Transport.GRPC client passes for scaling out:
// grpc.service_config (load balancing, retries), grpc.lb_policy_name, grpc.enable_retries, buffers, DNS interval.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { from, lastValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import { withChannelOptions } from '../../lib/nest/client/channel-options.js';
import { GrpcClientProxy } from '../../lib/nest/client/grpc-client.proxy.js';
import { countByServer, ipv4Target, startThree, WHERE_PROTO } from './where-server.js';
import type { SeenReply, WhereServer, WhoReply } from './where-server.js';

describe('Nest proxy over many servers', { timeout: 30_000 }, () => {
  let servers: WhereServer[];
  before(async () => { servers = await startThree(); });
  after(async () => { await Promise.all(servers.map((server) => server.stop())); });

  it('maps the scaling channel options, explicit options winning', () => {
    const config = JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] });
    assert.deepEqual(withChannelOptions({}, {
      'grpc.service_config': config,
      'grpc.lb_policy_name': 'round_robin',
      'grpc.enable_retries': 0,
      'grpc.retry_buffer_size': 1000,
      'grpc.per_rpc_retry_buffer_size': 100,
      'grpc.dns_min_time_between_resolutions_ms': 5000,
    }), {
      serviceConfig: config, loadBalancingPolicy: 'round_robin', enableRetries: false, retryBufferSize: 1000,
      perRpcRetryBufferSize: 100, dnsMinTimeBetweenResolutionsMs: 5000,
    });
    assert.deepEqual(withChannelOptions({ loadBalancingPolicy: 'pick_first' }, { 'grpc.lb_policy_name': 'round_robin' }), { loadBalancingPolicy: 'pick_first' });
    assert.throws(() => withChannelOptions({}, { 'grpc.service_config': { loadBalancingConfig: [] } }), /grpc.service_config/);
    assert.throws(() => withChannelOptions({}, { 'grpc.lb_policy_name': 'grpclb' }), /grpc.lb_policy_name/);
  });

  it('a bad grpc.service_config fails at registration', () => {
    assert.throws(() => new GrpcClientProxy({ url: ipv4Target(servers), protoPath: WHERE_PROTO, channelOptions: { 'grpc.service_config': '{' } }), TypeError);
  });

  it('round_robin from grpc.service_config spreads the calls of an ipv4: target over the three servers', async () => {
    const proxy = new GrpcClientProxy({
      url: ipv4Target(servers), package: 'balancetest', protoPath: WHERE_PROTO,
      channelOptions: { 'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }) },
    });
    try {
      const where = proxy.getService<{ who(request: object): Observable<WhoReply> }>('Where');
      const replies: WhoReply[] = [];
      for (let i = 0; i < 30; i++) replies.push(await lastValueFrom(where.who({ tag: '' })));
      assert.deepEqual([...countByServer(replies)].sort(), [['a', 10], ['b', 10], ['c', 10]]);
    } finally {
      await proxy.close();
    }
  });

  it('retries from grpc.service_config, and none with grpc.enable_retries 0', async () => {
    const serviceConfig = JSON.stringify({
      methodConfig: [{
        name: [{ service: 'balancetest.Where' }],
        retryPolicy: { maxAttempts: 2, initialBackoff: '0.01s', maxBackoff: '0.01s', backoffMultiplier: 1, retryableStatusCodes: ['UNAVAILABLE'] },
      }],
    });
    const first = servers[0]!;
    const call = async (channelOptions: Record<string, unknown>): Promise<WhoReply | number> => {
      const proxy = new GrpcClientProxy({ url: first.address, package: 'balancetest', protoPath: WHERE_PROTO, channelOptions });
      try {
        const where = proxy.getService<{ who(request: object): Observable<WhoReply> }>('Where');
        return await lastValueFrom(where.who({ tag: '' })).catch((err: { code: number }) => err.code);
      } finally {
        await proxy.close();
      }
    };
    first.behaviour.failNext = 1;
    // Nest's loader defaults camel-case the fields.
    assert.deepEqual(await call({ 'grpc.service_config': serviceConfig }), { server: 'a', previousAttempts: 1 });
    first.behaviour.failNext = 1;
    assert.equal(await call({ 'grpc.service_config': serviceConfig, 'grpc.enable_retries': 0 }), 14);
    first.behaviour.failNext = 0;
  });

  it('retries a client-streaming call from grpc.service_config, replaying its messages', async () => {
    const serviceConfig = JSON.stringify({
      methodConfig: [{
        name: [{ service: 'balancetest.Where', method: 'Collect' }],
        retryPolicy: { maxAttempts: 2, initialBackoff: '0.01s', maxBackoff: '0.01s', backoffMultiplier: 1, retryableStatusCodes: ['UNAVAILABLE'] },
      }],
    });
    const first = servers[0]!;
    const proxy = new GrpcClientProxy({ url: first.address, package: 'balancetest', protoPath: WHERE_PROTO, channelOptions: { 'grpc.service_config': serviceConfig } });
    try {
      const where = proxy.getService<{ collect(requests: Observable<object>): Observable<SeenReply> }>('Where');
      first.calls.length = 0;
      first.behaviour.failNext = 1;
      const reply = await lastValueFrom(where.collect(from([{ tag: 'm0' }, { tag: 'm1' }])));
      assert.deepEqual(reply, { server: 'a', previousAttempts: 1, tags: ['m0', 'm1'] });
      assert.deepEqual(first.calls, [0, 1]);
    } finally {
      first.behaviour.failNext = 0;
      await proxy.close();
    }
  });
});
