import 'reflect-metadata';
// Drop-in: controllers written only with @GrpcMethod, @GrpcStreamMethod and @GrpcStreamCall, by hand or in
// ts-proto's nestJs=true style, answer the same under Transport.GRPC and GrpcTransportStrategy.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { closeAll, hostOnBoth, sameOnBoth } from './both-transports.js';
import type { TransportHost } from './both-transports.js';
import { TEST_TIMEOUT } from './fixtures.js';
import { HeroesController } from './heroes.controller.js';
import { VillainsController } from './villains.controller.js';

const HEROES = 'hero.HeroesService';
const hero = (id: number, name: string): { id: number; name: string } => ({ id, name });

describe('drop-in: a controller written for Transport.GRPC', () => {
  let hosts: TransportHost[] = [];
  before(async () => { hosts = await hostOnBoth([HeroesController]); }, TEST_TIMEOUT);
  after(() => closeAll(hosts), TEST_TIMEOUT);

  it('@GrpcMethod unary: (request, metadata, call) -> value', TEST_TIMEOUT, async () => {
    const outcome = await sameOnBoth(hosts, (peer) => peer.unary(`${HEROES}/FindOne`, { id: 2 }));
    assert.deepEqual([outcome.code, outcome.responses], [0, [hero(2, 'Doe')]]);
  });

  it('@GrpcMethod server stream: an Observable answer', TEST_TIMEOUT, async () => {
    const outcome = await sameOnBoth(hosts, (peer) => peer.serverStream(`${HEROES}/ListHeroes`, { id: 2 }));
    assert.deepEqual(outcome.responses, [hero(2, 'Doe'), hero(3, 'Ada')]);
  });

  it('@GrpcStreamMethod bidi: the docs sample, requests as an Observable', TEST_TIMEOUT, async () => {
    const outcome = await sameOnBoth(hosts, (peer) => peer.bidi(`${HEROES}/FindMany`, [{ id: 3 }, { id: 1 }, { id: 7 }]));
    assert.deepEqual(outcome.responses, [hero(3, 'Ada'), hero(1, 'John'), hero(7, 'unknown')]);
  });

  it('@GrpcStreamMethod client stream: (request$, metadata) -> Observable', TEST_TIMEOUT, async () => {
    const outcome = await sameOnBoth(hosts, (peer) =>
      peer.clientStream(`${HEROES}/CountHeroes`, [{ id: 1 }, { id: 2 }, { id: 3 }], { metadata: { 'x-min-id': '2' } }));
    assert.deepEqual(outcome.responses, [{ count: 2 }]);
  });

  it('@GrpcStreamCall duplex: read and write the call, end it', TEST_TIMEOUT, async () => {
    const outcome = await sameOnBoth(hosts, (peer) =>
      peer.bidi(`${HEROES}/Chat`, [{ id: 1 }, { id: 3 }], { metadata: { 'x-title': 'Sir' } }));
    assert.deepEqual([outcome.code, outcome.responses], [0, [hero(1, 'Sir John'), hero(3, 'Sir Ada')]]);
  });

  it("@GrpcStreamCall duplex: call.emit('error', err) ends the call with its code", TEST_TIMEOUT, async () => {
    const outcome = await sameOnBoth(hosts, (peer) => peer.bidi(`${HEROES}/Chat`, [{ id: 1 }, { id: 99 }]));
    assert.equal(outcome.code, 11);
    assert.equal(outcome.details, 'hero 99 is out of range');
  });

  it('@GrpcStreamCall client stream: (call, callback)', TEST_TIMEOUT, async () => {
    const outcome = await sameOnBoth(hosts, (peer) => peer.clientStream(`${HEROES}/Upload`, [{ id: 1 }, { id: 2 }, { id: 3 }]));
    assert.deepEqual([outcome.code, outcome.responses], [0, [{ count: 3 }]]);
  });

  it('Metadata (get, set, add, remove, getMap, clone) and call members, with a deadline', TEST_TIMEOUT, async () => {
    const outcome = await sameOnBoth(hosts, (peer) => peer.unary(`${HEROES}/Inspect`, { id: 4 }, {
      metadata: { 'x-token': 'abc', 'x-blob-bin': Buffer.from([0xca, 0xfe]) }, timeoutMs: 5000,
    }));
    const report: unknown = JSON.parse((outcome.responses[0] as { json: string }).json);
    assert.deepEqual(report, {
      data: { id: 4 }, request: { id: 4 }, token: ['abc'], blob: ['cafe'],
      map: { 'x-token': 'abc', 'x-blob-bin': { type: 'Buffer', data: [0xca, 0xfe] }, 'x-added': 'later' },
      copy: { 'x-blob-bin': { type: 'Buffer', data: [0xca, 0xfe] }, 'x-set': 'one' },
      copySet: ['one', 'two'], originalSet: [], peer: true, cancelled: false, deadline: 'within 5 s',
    });
  });

  it('call.getDeadline() without a deadline', TEST_TIMEOUT, async () => {
    const outcome = await sameOnBoth(hosts, (peer) => peer.unary(`${HEROES}/Inspect`, { id: 5 }));
    assert.equal((JSON.parse((outcome.responses[0] as { json: string }).json) as { deadline: unknown }).deadline, 'none');
  });

  it('call.sendMetadata(new Metadata()) from @grpc/grpc-js, as in the Nest docs', TEST_TIMEOUT, async () => {
    const outcome = await sameOnBoth(hosts, (peer) => peer.unary(`${HEROES}/Greet`, { id: 1 }));
    assert.deepEqual([outcome.code, outcome.header, outcome.responses], [0, { 'x-greeting': ['hello'] }, [hero(1, 'greeted')]]);
  });

  it('RpcException({ code, message })', TEST_TIMEOUT, async () => {
    const outcome = await sameOnBoth(hosts, (peer) => peer.unary(`${HEROES}/Fail`, { id: 1 }));
    assert.deepEqual([outcome.code, outcome.details], [5, 'hero 1 not found']);
  });

  it('RpcException({ code, message, metadata }) with grpc-js Metadata: trailing metadata', TEST_TIMEOUT, async () => {
    const outcome = await sameOnBoth(hosts, (peer) => peer.unary(`${HEROES}/Fail`, { id: 2 }));
    assert.deepEqual([outcome.code, outcome.details, outcome.trailer], [9, 'hero 2 retired', { 'x-reason': ['retired'] }]);
  });

  it('a plain Error: UNKNOWN, as Nest answers it', TEST_TIMEOUT, async () => {
    const outcome = await sameOnBoth(hosts, (peer) => peer.unary(`${HEROES}/Fail`, { id: 3 }));
    assert.equal(outcome.code, 2);
  });

  it("call.on('cancelled') fires and call.cancelled is true when the client cancels", TEST_TIMEOUT, async () => {
    const outcome = await sameOnBoth(hosts, async (peer, host) => {
      const controller = new AbortController();
      const result = await peer.serverStream(`${HEROES}/Watch`, {}, {
        signal: controller.signal, onResponse: (_reply, index) => { if (index === 1) controller.abort(); },
      });
      const watched = host.app.get(HeroesController).watched;
      for (let waited = 0; watched.length === 0 && waited < 2000; waited += 10) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(watched, [{ event: 'cancelled', cancelled: true }], host.name);
      return { ...result, responses: result.responses.slice(0, 2) };
    });
    assert.equal(outcome.code, 1);
  });
});

const VILLAINS = 'hero.VillainsService';

describe('drop-in: a ts-proto nestJs=true style controller', () => {
  let hosts: TransportHost[] = [];
  before(async () => { hosts = await hostOnBoth([VillainsController]); }, TEST_TIMEOUT);
  after(() => closeAll(hosts), TEST_TIMEOUT);

  it('unary, with the metadata argument', TEST_TIMEOUT, async () => {
    const outcome = await sameOnBoth(hosts, (peer) =>
      peer.unary(`${VILLAINS}/FindOneVillain`, { id: 2 }, { metadata: { 'x-suffix': '!' } }));
    assert.deepEqual([outcome.code, outcome.responses], [0, [{ id: 2, name: 'Sauron!' }]]);
  });

  it('server stream through GrpcMethod', TEST_TIMEOUT, async () => {
    const outcome = await sameOnBoth(hosts, (peer) => peer.serverStream(`${VILLAINS}/ListVillains`, { id: 1 }));
    assert.deepEqual(outcome.responses, [{ id: 1, name: 'Moriarty' }, { id: 2, name: 'Sauron' }]);
  });

  it('bidi stream through GrpcStreamMethod', TEST_TIMEOUT, async () => {
    const outcome = await sameOnBoth(hosts, (peer) => peer.bidi(`${VILLAINS}/FindManyVillain`, [{ id: 2 }, { id: 5 }]));
    assert.deepEqual([outcome.code, outcome.responses], [0, [{ id: 2, name: 'Sauron' }, { id: 5, name: 'nobody' }]]);
  });
});
