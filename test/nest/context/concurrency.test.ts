import 'reflect-metadata';
// 200 interleaved calls at once, each with its own request id and context data: every hop, every streamed message
// and every request-stream message sees its own call's context, across awaits, timers and client responses.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { concatMap, from, lastValueFrom, map, timer, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { GrpcClient } from '../../../lib/client/grpc-client.js';
import type { CallOptions } from '../../../lib/client/call-options.js';
import { loadProtos } from '../../../lib/schema/load-protos.js';
import { BOUND, RELAY_LOADER, RELAY_PROTO } from './relay-model.js';
import type { HopReply, HopRequest, Tick } from './relay-model.js';
import { startRelay } from './relay-app.js';
import type { RunningRelay } from './relay-app.js';

const CALLS = 200;

interface RelayStub {
  Hop(request: HopRequest, options?: CallOptions): Observable<HopReply>;
  Ticks(request: HopRequest, options?: CallOptions): Observable<Tick>;
  Chat(requests: Observable<HopRequest>, options?: CallOptions): Observable<Tick>;
}

// Deterministic jitter, so interleaving differs per call but a failure can be replayed.
const jitter = (i: number, salt: number): number => (i * 7919 + salt * 104729) % 13;

describe(`${CALLS} concurrent calls keep their own context`, BOUND, () => {
  let relays: RunningRelay[] = [];
  const clients: GrpcClient[] = [];
  let viaProxy: RelayStub;
  let viaStandalone: RelayStub;

  before(async () => {
    const b = await startRelay({ name: 'B' });
    const a1 = await startRelay({ name: 'A', next: { kind: 'proxy', address: b.address } });
    const a2 = await startRelay({ name: 'A', next: { kind: 'standalone', address: b.address } });
    relays = [a1, a2, b];
    const service = loadProtos(RELAY_PROTO, RELAY_LOADER).service('relay.Relay');
    clients.push(new GrpcClient(a1.address), new GrpcClient(a2.address));
    viaProxy = clients[0]!.getService<RelayStub>(service);
    viaStandalone = clients[1]!.getService<RelayStub>(service);
  });
  after(async () => {
    for (const client of clients) await client.close();
    for (const relay of relays) await relay.close();
  });

  /** One call of the four kinds, asserting that everything it got back carries its own context. */
  async function oneCall(i: number, ids: Map<string, number>): Promise<void> {
    const rid = `req-${i}`;
    const options: CallOptions = { metadata: { 'x-request-id': rid, 'x-context-n': String(i) } };
    const own = (id: string): void => {
      const owner = ids.get(id) ?? i;
      assert.equal(owner, i, `call id ${id} seen by calls ${owner} and ${i}`);
      ids.set(id, i);
    };
    switch (i % 4) {
      case 0:
      case 1: {
        const stub = i % 4 === 0 ? viaProxy : viaStandalone;
        const reply = await lastValueFrom(stub.Hop({ tag: `t${i}`, delay: jitter(i, 1) }, options));
        const [a, b] = reply.hops;
        assert.equal(reply.tag, `t${i}:${rid}`, 'A read its own context when B answered');
        for (const seen of [a!, b!]) {
          assert.equal(seen.headers['x-request-id'], rid, `${seen.service} of call ${i}`);
          assert.deepEqual(seen.data, { n: String(i) }, `${seen.service} of call ${i}`);
        }
        assert.deepEqual(b!.stack, [a!.id, b!.id]);
        own(a!.id);
        own(b!.id);
        return;
      }
      case 2: {
        const ticks = await lastValueFrom(viaProxy.Ticks({ tag: `t${i}`, count: 4, delay: jitter(i, 2) }, options).pipe(toArray()));
        assert.deepEqual(ticks.map((t) => [t.tag, t.rid, t.seq]), [0, 1, 2, 3].map((seq) => [`t${i}`, rid, seq]));
        assert.equal(new Set(ticks.map((t) => t.id)).size, 1);
        own(ticks[0]!.id);
        return;
      }
      default: {
        const requests = from([0, 1, 2]).pipe(concatMap((k) => timer(jitter(i, k)).pipe(map(() => ({ tag: `t${i}`, delay: jitter(i, k + 3) })))));
        const ticks = await lastValueFrom(viaStandalone.Chat(requests, options).pipe(toArray()));
        assert.equal(ticks.length, 6);
        for (const tick of ticks) assert.deepEqual([tick.tag, tick.rid], [`t${i}`, rid], `call ${i} tick ${tick.seq}`);
        assert.equal(new Set(ticks.map((t) => t.id)).size, 1);
        own(ticks[0]!.id);
      }
    }
  }

  it('unary chains (proxy and standalone hops), async-generator streams and bidi streams, all interleaved', async () => {
    const ids = new Map<string, number>();
    const results = await Promise.allSettled(Array.from({ length: CALLS }, (_, i) => oneCall(i, ids)));
    const failures = results.flatMap((result, i) => (result.status === 'rejected' ? [`call ${i}: ${String(result.reason)}`] : []));
    assert.deepEqual(failures, []);
    assert.equal(ids.size, CALLS + CALLS / 2, 'one id per served call: 200 at A, 100 more at B');
  });
});
