// Connectivity of a balanced client, ours and grpc-js's on the same scenario: idle until asked, ready once a
// subchannel is, failing fast or waiting for ready across subchannels; dns:///localhost and unix: targets.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { ConnectivityState } from '../../lib/client/balancer/connectivity-state.js';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';
import { registerResolver } from '../../lib/client/resolver/resolver.js';
import type { ResolverListener } from '../../lib/client/resolver/resolver.js';
import { freePort, sleep, within } from '../client/fixtures.js';
import { clientKinds, failuresOf, repliesOf, runCalls } from './balance-clients.js';
import type { BalanceClient } from './balance-clients.js';
import { startWhereServer, startThree, WhereClient, whereImplementation, whereService } from './where-server.js';
import type { WhereServer } from './where-server.js';

const ROUND_ROBIN = { loadBalancingConfig: [{ round_robin: {} }] };
const PICK_FIRST = { loadBalancingConfig: [{ pick_first: {} }] };

async function reach(client: BalanceClient, state: ConnectivityState, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (client.state(false) !== state) {
    if (Date.now() > until) assert.fail(`state ${client.state(false)} never became ${state}`);
    await sleep(5);
  }
}

describe('connectivity of a balanced client', { timeout: 60_000 }, () => {
  let servers: WhereServer[];
  before(async () => { servers = await startThree(); });
  after(async () => { await Promise.all(servers.map((server) => server.stop())); });

  for (const kind of clientKinds) {
    describe(`client=${kind.name}`, () => {
      it('is IDLE until asked to connect, then READY', async () => {
        const client = kind.create(`ipv4:${servers.map((s) => s.address).join(',')}`, ROUND_ROBIN);
        try {
          assert.equal(client.state(false), ConnectivityState.IDLE);
          client.state(true);
          await reach(client, ConnectivityState.READY);
        } finally {
          client.close();
        }
      });

      it('round_robin skips an address where nothing listens: every call succeeds', async () => {
        const dead = await freePort();
        const client = kind.create(`ipv4:127.0.0.1:${dead},${servers[1]!.address},${servers[2]!.address}`, ROUND_ROBIN, { backoffMs: 200 });
        try {
          const outcomes = await runCalls(client, 60, 6);
          assert.deepEqual(failuresOf(outcomes), []);
          assert.deepEqual(new Set(repliesOf(outcomes).map((reply) => reply.server)), new Set(['b', 'c']));
        } finally {
          client.close();
        }
      });

      it('pick_first skips a first address where nothing listens and keeps to the next', async () => {
        const dead = await freePort();
        const client = kind.create(`ipv4:127.0.0.1:${dead},${servers[1]!.address},${servers[2]!.address}`, PICK_FIRST, { backoffMs: 200 });
        try {
          const outcomes = await runCalls(client, 30, 3, { waitForReady: true, timeoutMs: 4000 });
          assert.deepEqual(failuresOf(outcomes), []);
          assert.deepEqual(new Set(repliesOf(outcomes).map((reply) => reply.server)), new Set(['b']));
        } finally {
          client.close();
        }
      });

      it('with every address down a call fails UNAVAILABLE; with waitForReady it waits for a server to come', async () => {
        const ports = [await freePort(), await freePort()];
        const client = kind.create(`ipv4:${ports.map((port) => `127.0.0.1:${port}`).join(',')}`, ROUND_ROBIN, { backoffMs: 50 });
        let late: WhereServer | undefined;
        try {
          assert.deepEqual(await client.who(), { code: Status.UNAVAILABLE });
          assert.deepEqual(await client.who({ waitForReady: true, timeoutMs: 200 }), { code: Status.DEADLINE_EXCEEDED });
          const waiting = client.who({ waitForReady: true, timeoutMs: 4000 });
          await sleep(100);
          late = await startWhereServer('late', '127.0.0.1', ports[1]);
          const outcome = await within(5000, waiting, 'waiting call');
          assert.deepEqual(outcome, { reply: { server: 'late', previous_attempts: 0 } });
        } finally {
          client.close();
          await late?.stop();
        }
      });

      it('pick_first over dns:///localhost reaches a server listening on one of its addresses only', async () => {
        const only = await startWhereServer('v4only', '127.0.0.1');
        const client = kind.create(`dns:///localhost:${only.port}`, PICK_FIRST, { backoffMs: 200 });
        try {
          const outcomes = await runCalls(client, 20, 1, { waitForReady: true, timeoutMs: 4000 });
          assert.deepEqual(failuresOf(outcomes), []);
        } finally {
          client.close();
          await only.stop();
        }
      });

      it('reaches a server on a unix: socket', async () => {
        const path = join(tmpdir(), `balance-${process.pid}-${kind.name}.sock`);
        rmSync(path, { force: true });
        const server = new grpc.Server();
        server.addService(WhereClient.service, whereImplementation('unix', { failNext: 0, failCode: 0, delayMs: 0 }, []));
        await new Promise<void>((resolve, reject) => server.bindAsync(`unix:${path}`, grpc.ServerCredentials.createInsecure(), (err) => (err === null ? resolve() : reject(err))));
        const client = kind.create(`unix:${path}`, PICK_FIRST);
        try {
          assert.deepEqual(await client.who(), { reply: { server: 'unix', previous_attempts: 0 } });
        } finally {
          client.close();
          server.forceShutdown();
          rmSync(path, { force: true });
        }
      });
    });
  }

  it('client=ours a failing resolver: calls fail UNAVAILABLE saying why, waitForReady calls wait for its addresses', async () => {
    let listener: ResolverListener | undefined;
    registerResolver('balancefail', (_target, resolverListener) => {
      listener = resolverListener;
      queueMicrotask(() => resolverListener.onError(new Error('registry unreachable')));
      return { refresh: () => {}, close: () => {} };
    });
    const client = new GrpcClient('balancefail:x');
    const who = whereService.methods.get('Who')!;
    try {
      await assert.rejects(client.callForResponse(who, { tag: '' }), (err: GrpcError) =>
        err.code === Status.UNAVAILABLE && err.message.includes('registry unreachable'));
      const waiting = client.callForResponse(who, { tag: '' }, { waitForReady: true, timeout: 4000 });
      await sleep(50);
      listener!.onAddresses([{ host: servers[2]!.host, port: servers[2]!.port }]);
      assert.deepEqual(await waiting, { server: 'c', previous_attempts: 0 });
    } finally {
      await client.close();
    }
  });

  it('client=ours watchConnectivityState: told of the change from IDLE, or of the deadline; SHUTDOWN after close', async () => {
    const client = new GrpcClient(`ipv4:${servers[0]!.address}`, { loadBalancingPolicy: 'round_robin' });
    const timedOut = await new Promise<Error | undefined>((resolve) => client.watchConnectivityState(ConnectivityState.IDLE, Date.now() + 30, resolve));
    assert.ok(timedOut instanceof Error, 'nothing asked the idle client to connect');
    const changed = new Promise<Error | undefined>((resolve) => client.watchConnectivityState(ConnectivityState.IDLE, Date.now() + 4000, resolve));
    assert.equal(client.getConnectivityState(true), ConnectivityState.CONNECTING);
    assert.equal(await changed, undefined);
    await client.close();
    assert.equal(client.getConnectivityState(false), ConnectivityState.SHUTDOWN);
  });

  it('client=ours the single-address client reports its state the same way', async () => {
    const client = new GrpcClient(servers[0]!.address);
    assert.equal(client.getConnectivityState(false), ConnectivityState.IDLE);
    const ready = new Promise<void>((resolve) => {
      const watch = (): void => {
        const state = client.getConnectivityState(false);
        if (state === ConnectivityState.READY) return resolve();
        client.watchConnectivityState(state, Date.now() + 4000, (err) => (err === undefined ? watch() : resolve()));
      };
      watch();
    });
    client.getConnectivityState(true);
    await within(5000, ready, 'ready');
    assert.equal(client.getConnectivityState(false), ConnectivityState.READY);
    await client.close();
  });
});
