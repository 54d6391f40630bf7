// grpc.health.v1 served by GrpcServer's `health` option, checked with a grpc-js client as a Kubernetes probe and a
// balancer use it, side by side with grpc-js + grpc-health-check on the same scenarios; then what only a server
// knows: defaults once listening, what the app set first, NOT_SERVING as soon as close() starts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import grpc from '@grpc/grpc-js';
import { GrpcHealth } from '../../lib/index.js';
import {
  EXAMPLE_SERVICE, check, healthClient, startGrpcJsHealthServer, startOurHealthServer, watch,
} from './health-fixtures.js';
import type { HealthClient, HealthServer } from './health-fixtures.js';

const BOUND = { timeout: 20_000 };

const servers: Array<[string, () => Promise<HealthServer>]> = [
  ['grpc-js', startGrpcJsHealthServer],
  ['ours', () => startOurHealthServer()],
];

for (const [name, start] of servers) {
  describe(`server=${name} client=grpc-js > health`, BOUND, () => {
    let server: HealthServer;
    let client: HealthClient;
    before(async () => {
      server = await start();
      client = healthClient(server.address);
    });
    after(async () => {
      client.close();
      await server.stop();
    });

    it('Check answers SERVING for the server as a whole and for a served service', async () => {
      assert.equal(await check(client, ''), 'SERVING');
      assert.equal(await check(client, EXAMPLE_SERVICE), 'SERVING');
    });

    it('Check of a service no one set is NOT_FOUND', async () => {
      assert.equal(await check(client, 'no.such.Service'), grpc.status.NOT_FOUND);
    });

    it('Watch of an unknown service sends SERVICE_UNKNOWN, then the status once the app sets one', async () => {
      const watcher = watch(client, 'later.Service');
      assert.equal(await watcher.next(), 'SERVICE_UNKNOWN');
      server.setStatus('later.Service', 'SERVING');
      assert.equal(await watcher.next(), 'SERVING');
      watcher.cancel();
      assert.equal(await watcher.end, grpc.status.CANCELLED);
    });

    it('Watch sends the current status, then each change', async () => {
      const watcher = watch(client, EXAMPLE_SERVICE);
      assert.equal(await watcher.next(), 'SERVING');
      server.setStatus(EXAMPLE_SERVICE, 'NOT_SERVING');
      server.setStatus(EXAMPLE_SERVICE, 'SERVING');
      assert.deepEqual([await watcher.next(), await watcher.next()], ['NOT_SERVING', 'SERVING']);
      assert.equal(await check(client, EXAMPLE_SERVICE), 'SERVING');
      watcher.cancel();
      await watcher.end;
    });
  });
}

describe('server=ours > health over the server lifetime', BOUND, () => {
  it('a status the app set before listening stands; the rest become SERVING once listening', async () => {
    const health = new GrpcHealth();
    health.setStatus(EXAMPLE_SERVICE, 'NOT_SERVING');
    const { address, server, stop } = await startOurHealthServer({ health });
    assert.equal(server.health, health);
    const client = healthClient(address);
    try {
      assert.equal(await check(client, EXAMPLE_SERVICE), 'NOT_SERVING');
      assert.equal(await check(client, ''), 'SERVING');
      assert.equal(await check(client, 'grpc.health.v1.Health'), grpc.status.NOT_FOUND, 'the built-in services get no status of their own');
    } finally {
      client.close();
      await stop();
    }
  });

  it('close() makes every status NOT_SERVING at once, ends Watch streams and still drains gracefully', async () => {
    const { address, server } = await startOurHealthServer();
    const client = healthClient(address);
    try {
      const whole = watch(client, '');
      const service = watch(client, EXAMPLE_SERVICE);
      assert.equal(await whole.next(), 'SERVING');
      assert.equal(await service.next(), 'SERVING');
      const closed = server.close();
      assert.equal(server.health?.getStatus(''), 'NOT_SERVING');
      assert.deepEqual([await whole.next(), await service.next()], ['NOT_SERVING', 'NOT_SERVING']);
      assert.equal(await whole.end, grpc.status.UNAVAILABLE);
      assert.equal(await service.end, grpc.status.UNAVAILABLE);
      // A graceful close waits for open calls: Watch streams left open would hold it forever.
      await closed;
      server.health?.setStatus('', 'SERVING');
      assert.equal(server.health?.getStatus(''), 'NOT_SERVING', 'nothing reopens a closing server');
    } finally {
      client.close();
    }
  });

  // doc/health-checking.md: a message "whenever the service's serving status changes". grpc-health-check 2.1.0
  // sends one per setStatus call, repeats included; ours sends changes only.
  it('Watch sends nothing when the app sets the status a service already has', async () => {
    const { address, server, stop } = await startOurHealthServer();
    const client = healthClient(address);
    try {
      const watcher = watch(client, EXAMPLE_SERVICE);
      assert.equal(await watcher.next(), 'SERVING');
      server.health?.setStatus(EXAMPLE_SERVICE, 'SERVING');
      server.health?.setStatus(EXAMPLE_SERVICE, 'NOT_SERVING');
      // Had the repeated SERVING been sent, it would come here instead.
      assert.equal(await watcher.next(), 'NOT_SERVING');
      watcher.cancel();
      await watcher.end;
    } finally {
      client.close();
      await stop();
    }
  });

  it('List reports every status set', async () => {
    const { address, server, stop } = await startOurHealthServer();
    server.health?.setStatus('other.Service', 'UNKNOWN');
    const client = healthClient(address) as HealthClient & {
      List(request: object, callback: (error: grpc.ServiceError | null, reply?: { statuses: Record<string, { status: string }> }) => void): void;
    };
    try {
      const reply = await new Promise<{ statuses: Record<string, { status: string }> }>((resolve, reject) => {
        client.List({}, (error, value) => (error !== null ? reject(error) : resolve(value!)));
      });
      assert.deepEqual(reply.statuses, {
        '': { status: 'SERVING' }, [EXAMPLE_SERVICE]: { status: 'SERVING' }, 'other.Service': { status: 'UNKNOWN' },
      });
    } finally {
      client.close();
      await stop();
    }
  });

  it('a status outside the spec is refused when set, not when a probe reads it', () => {
    const health = new GrpcHealth();
    assert.throws(() => health.setStatus('', 'SERVICE_UNKNOWN' as 'SERVING'), TypeError);
    assert.throws(() => health.setStatus('', 'serving' as 'SERVING'), TypeError);
    assert.equal(health.getStatus(''), undefined);
  });

  it('without the option there is no Health service: UNIMPLEMENTED, as a grpc-js server without it', async () => {
    const { address, server, stop } = await startOurHealthServer({});
    const client = healthClient(address);
    try {
      assert.equal(server.health, undefined);
      assert.equal(await check(client, ''), grpc.status.UNIMPLEMENTED);
    } finally {
      client.close();
      await stop();
    }
  });
});
