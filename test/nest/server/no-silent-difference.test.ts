import 'reflect-metadata';
// Where a switched app once answered differently without saying so: a unary handler returning undefined, and
// app.close() without gracefulShutdown while a server stream is in flight. Both transports, one grpc-js peer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closeAll, hostOnBoth, sameOnBoth } from './both-transports.js';
import { GrpcServer } from '../../../lib/server/grpc-server.js';
import { loadProtos } from '../../../lib/schema/load-protos.js';
import { freePort, HEROES_PROTO, LOADER, TEST_TIMEOUT } from './fixtures.js';
import { GrpcJsPeer } from './grpc-js-peer.js';
import type { Outcome } from './grpc-js-peer.js';
import { HeroesController } from './heroes.controller.js';

const HEROES = 'hero.HeroesService';

describe('no silent difference from Transport.GRPC', () => {
  it('a @GrpcMethod handler returning undefined is INTERNAL, not an empty success', TEST_TIMEOUT, async () => {
    const hosts = await hostOnBoth([HeroesController]);
    try {
      const outcome = await sameOnBoth(hosts, (peer) => peer.unary(`${HEROES}/FindOne`, { id: 42 }));
      assert.deepEqual([outcome.code, outcome.details, outcome.responses], [13, 'Error serializing response', []]);
    } finally {
      await closeAll(hosts);
    }
  });

  it('returning nothing for a google.protobuf.Empty response is OK on both', TEST_TIMEOUT, async () => {
    const hosts = await hostOnBoth([HeroesController]);
    try {
      const outcome = await sameOnBoth(hosts, (peer) => peer.unary(`${HEROES}/Forget`, { id: 1 }));
      assert.deepEqual([outcome.code, outcome.responses], [0, [{}]]);
    } finally {
      await closeAll(hosts);
    }
  });

  it('a standalone GrpcServer handler returning undefined: INTERNAL naming the method; nothing for Empty is OK', TEST_TIMEOUT, async () => {
    const server = new GrpcServer();
    const service = loadProtos(HEROES_PROTO, LOADER).service('hero.HeroesService');
    server.addService(service, { FindOne: () => undefined, Forget: () => undefined });
    const address = `127.0.0.1:${await freePort()}`;
    await server.listen(address);
    const peer = new GrpcJsPeer(address, HEROES_PROTO);
    try {
      const missing = await peer.unary(`${HEROES}/FindOne`, { id: 42 });
      assert.deepEqual([missing.code, missing.details], [13, '/hero.HeroesService/FindOne: the handler returned undefined, not a response message']);
      assert.deepEqual((await peer.unary(`${HEROES}/Forget`, { id: 1 })).code, 0);
    } finally {
      peer.close();
      await server.close({ force: true });
    }
  });

  it('app.close() without gracefulShutdown ends a server stream in flight CANCELLED', TEST_TIMEOUT, async () => {
    const hosts = await hostOnBoth([HeroesController]);
    try {
      const ended: Array<Pick<Outcome, 'code' | 'details'>> = [];
      for (const host of hosts) {
        let streaming!: () => void;
        const started = new Promise<void>((resolve) => { streaming = resolve; });
        const pending = host.peer.serverStream(`${HEROES}/Watch`, { id: 1 }, { onResponse: () => streaming() });
        await started;
        await host.app.close();
        const { code, details } = await pending;
        ended.push({ code, details });
      }
      assert.deepEqual(ended[1], ended[0], 'GrpcTransportStrategy ends it as Transport.GRPC does');
      assert.deepEqual(ended[0], { code: 1, details: 'Call cancelled' });
    } finally {
      for (const host of hosts) host.peer.close();
    }
  });
});
