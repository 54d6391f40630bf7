// round_robin and pick_first over three loopback servers, ours and grpc-js's client on the same targets and
// service config: how calls spread, and the resolver a user registers for a scheme.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import { registerResolver } from '../../lib/client/resolver/resolver.js';
import type { ResolverListener } from '../../lib/client/resolver/resolver.js';
import { clientKinds, failuresOf, repliesOf, runCalls } from './balance-clients.js';
import { countByServer, ipv4Target, startThree, whereService } from './where-server.js';
import type { WhereServer } from './where-server.js';

const ROUND_ROBIN = { loadBalancingConfig: [{ round_robin: {} }] };
const PICK_FIRST = { loadBalancingConfig: [{ pick_first: {} }] };
const CALLS = 3000;

function assertSpread(counts: Map<string, number>, servers: readonly WhereServer[], total: number): void {
  const share = total / servers.length;
  for (const server of servers) {
    const count = counts.get(server.name) ?? 0;
    assert.ok(Math.abs(count - share) <= share * 0.1, `server ${server.name} took ${count} of ${total} calls, not ${share} +-10%`);
  }
}

describe('load balancing over three servers', { timeout: 60_000 }, () => {
  let servers: WhereServer[];
  before(async () => { servers = await startThree(); });
  after(async () => { await Promise.all(servers.map((server) => server.stop())); });

  for (const kind of clientKinds) {
    it(`client=${kind.name} round_robin over ipv4: spreads ${CALLS} calls within 10% per server`, async () => {
      const client = kind.create(ipv4Target(servers), ROUND_ROBIN);
      try {
        const outcomes = await runCalls(client, CALLS, 30);
        assert.deepEqual(failuresOf(outcomes), []);
        assertSpread(countByServer(repliesOf(outcomes)), servers, CALLS);
      } finally {
        client.close();
      }
    });

    it(`client=${kind.name} pick_first over ipv4: every call goes to the first address`, async () => {
      const client = kind.create(ipv4Target(servers), PICK_FIRST);
      try {
        const outcomes = await runCalls(client, 300, 10);
        assert.deepEqual([...countByServer(repliesOf(outcomes))], [[servers[0]!.name, 300]]);
      } finally {
        client.close();
      }
    });
  }

  it(`client=ours round_robin over a registered resolver: spreads ${CALLS} calls within 10% per server`, async () => {
    let refreshed = 0;
    let closed = false;
    registerResolver('balancetest', (target, listener) => {
      assert.equal(target.endpoint, 'three');
      listener.onAddresses(servers.map((server) => ({ host: server.host, port: server.port })));
      return { refresh: () => { refreshed++; }, close: () => { closed = true; } };
    });
    const client = new GrpcClient('balancetest:three', { loadBalancingPolicy: 'round_robin' });
    const who = whereService.methods.get('Who')!;
    const replies = [];
    for (let wave = 0; wave < CALLS / 30; wave++) {
      replies.push(...await Promise.all(Array.from({ length: 30 }, () => client.callForResponse(who, { tag: '' }))));
    }
    assertSpread(countByServer(replies as { server: string; previous_attempts: number }[]), servers, CALLS);
    assert.equal(refreshed, 0, 'no connection dropped, so no re-resolution was asked for');
    await client.close();
    assert.equal(closed, true, 'closing the client closes its resolver');
  });

  it('client=ours follows the resolver\'s updates: a removed address takes no more calls, an added one does', async () => {
    let listener: ResolverListener | undefined;
    registerResolver('balanceupdate', (_target, resolverListener) => {
      listener = resolverListener;
      listener.onAddresses(servers.slice(0, 2).map((server) => ({ host: server.host, port: server.port })));
      return { refresh: () => {}, close: () => {} };
    });
    const client = new GrpcClient('balanceupdate:x', { loadBalancingPolicy: 'round_robin' });
    const who = whereService.methods.get('Who')!;
    const serversOf = async (calls: number): Promise<Set<string>> => {
      const names = new Set<string>();
      for (let i = 0; i < calls; i++) names.add((await client.callForResponse(who, { tag: '' }) as { server: string }).server);
      return names;
    };
    try {
      assert.deepEqual(await serversOf(20), new Set(['a', 'b']));
      listener!.onAddresses(servers.slice(1).map((server) => ({ host: server.host, port: server.port })));
      // The new address connects in the background; until then b takes the calls.
      const until = Date.now() + 5000;
      let seen = await serversOf(20);
      while (!seen.has('c') && Date.now() < until) seen = await serversOf(20);
      assert.ok(!seen.has('a') && seen.has('c'), `calls went to ${[...seen].join(',')}`);
    } finally {
      await client.close();
    }
  });

  it('a bad target is a TypeError at construction, for a known scheme too', () => {
    assert.throws(() => new GrpcClient('ipv4:127.0.0.1:1,localhost:2'), TypeError);
    assert.throws(() => new GrpcClient('ipv6:127.0.0.1:1'), TypeError);
    assert.throws(() => new GrpcClient('no-port'), TypeError);
    assert.throws(() => new GrpcClient('unix:/tmp/x.sock', { tls: true }), TypeError);
  });
});
