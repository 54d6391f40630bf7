import 'reflect-metadata';
// A -> B -> C, three Nest microservices on loopback: each hop sees the whole call-id stack, the context data set
// upstream and the trace headers; credentials stop at the first hop. Both client kinds, at each position.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GrpcClient } from '../../../lib/client/grpc-client.js';
import { loadProtos } from '../../../lib/schema/load-protos.js';
import { BOUND, RELAY_LOADER, RELAY_PROTO } from './relay-model.js';
import type { HopReply, HopRequest } from './relay-model.js';
import { startRelay } from './relay-app.js';
import type { HopClientKind, RunningRelay } from './relay-app.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const SENT = {
  traceparent: TRACEPARENT, tracestate: 'congo=t61rcWkgMzE', 'x-request-id': 'req-1', 'x-context-user': 'ada',
  authorization: 'Bearer s3cret', cookie: 'sid=1', 'x-other': 'stays',
};
const CALL_ID = /^relay\.Relay\.Hop\.[0-9a-f-]{36}$/;

const chains: Array<readonly [HopClientKind, HopClientKind]> = [['proxy', 'standalone'], ['standalone', 'proxy']];

for (const [first, second] of chains) {
  describe(`A -(${first})-> B -(${second})-> C`, BOUND, () => {
    let relays: RunningRelay[] = [];
    let caller: GrpcClient;
    let hop: (request: HopRequest, options?: { metadata?: Record<string, string> }) => Promise<HopReply>;

    before(async () => {
      const c = await startRelay({ name: 'C' });
      const b = await startRelay({ name: 'B', next: { kind: second, address: c.address }, setData: { 'hop-b': 'yes' } });
      const a = await startRelay({ name: 'A', next: { kind: first, address: b.address } });
      relays = [a, b, c];
      caller = new GrpcClient(a.address);
      const stub = caller.getService(loadProtos(RELAY_PROTO, RELAY_LOADER).service('relay.Relay'));
      hop = (request, options) => stub.Hop!.promise!(request, options) as Promise<HopReply>;
    });
    after(async () => {
      await caller?.close();
      for (const relay of relays) await relay.close();
    });

    it('each hop sees the call-id stack so far, ending with its own id', async () => {
      const { hops } = await hop({ tag: 't', delay: 5 }, { metadata: SENT });
      assert.deepEqual(hops.map((h) => h.service), ['A', 'B', 'C']);
      const [a, b, c] = hops;
      for (const seen of hops) assert.match(seen.id, CALL_ID);
      assert.equal(new Set(hops.map((h) => h.id)).size, 3);
      assert.deepEqual(a!.stack, [a!.id]);
      assert.deepEqual(b!.stack, [a!.id, b!.id]);
      assert.deepEqual(c!.stack, [a!.id, b!.id, c!.id]);
      assert.equal(c!.headers['x-call-id-stack'], [a!.id, b!.id].join(','));
    });

    it('context data flows downstream only, from where it was set', async () => {
      const { hops } = await hop({ tag: 't' }, { metadata: SENT });
      assert.deepEqual(hops.map((h) => h.data), [{ user: 'ada' }, { user: 'ada' }, { user: 'ada', 'hop-b': 'yes' }]);
      assert.equal(hops[2]!.headers['x-context-hop-b'], 'yes');
    });

    it('trace headers and x-request-id reach every hop; credentials and other keys stop at A', async () => {
      const { hops, tag } = await hop({ tag: 't' }, { metadata: SENT });
      const [a, b, c] = hops;
      for (const seen of hops) {
        assert.equal(seen.headers.traceparent, TRACEPARENT, seen.service);
        assert.equal(seen.headers.tracestate, SENT.tracestate, seen.service);
        assert.equal(seen.headers['x-request-id'], 'req-1', seen.service);
      }
      assert.deepEqual([a!.headers.authorization, a!.headers.cookie, a!.headers['x-other']], ['Bearer s3cret', 'sid=1', 'stays']);
      for (const seen of [b!, c!]) {
        assert.deepEqual(Object.keys(seen.headers).sort(),
          ['traceparent', 'tracestate', 'x-call-id-stack', 'x-context-user', 'x-request-id', ...(seen === c ? ['x-context-hop-b'] : [])].sort());
      }
      assert.equal(tag, 't:req-1', 'A still saw its own context when the answer came back');
    });

    it('a call from outside any served call starts a fresh stack', async () => {
      const { hops } = await hop({ tag: 't' });
      assert.equal(hops[0]!.stack.length, 1);
      assert.deepEqual(hops[0]!.data, {});
      assert.equal(hops[2]!.stack.length, 3);
    });
  });
}
