import 'reflect-metadata';
// Credentials are never forwarded unless named exactly: the policy table, then what a next hop receives under
// the defaults, with credentials listed, and with a user-marked secret among pattern-forwarded keys.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GrpcClient } from '../../../lib/client/grpc-client.js';
import { DEFAULT_FORWARDED_KEYS, PropagationPolicy } from '../../../lib/context/propagation-policy.js';
import type { RequestContextOptions } from '../../../lib/context/propagation-policy.js';
import { loadProtos } from '../../../lib/schema/load-protos.js';
import { BOUND, RELAY_LOADER, RELAY_PROTO } from './relay-model.js';
import type { HopReply, Seen } from './relay-model.js';
import { startRelay } from './relay-app.js';
import type { RunningRelay } from './relay-app.js';

describe('PropagationPolicy.forwards', () => {
  const cases: Array<[string, RequestContextOptions, string, boolean]> = [
    ['traceparent by default', {}, 'traceparent', true],
    ['tracestate by default', {}, 'tracestate', true],
    ['x-request-id by default', {}, 'x-request-id', true],
    ['context data by default', {}, 'x-context-user', true],
    ['not other keys by default', {}, 'x-tenant', false],
    ['never authorization by default', {}, 'authorization', false],
    ['never cookie by default', {}, 'cookie', false],
    ['never x-api-key by default', {}, 'x-api-key', false],
    ['authorization when listed exactly', { forward: ['authorization'] }, 'authorization', true],
    ['not authorization through "*"', { forward: ['*'] }, 'authorization', false],
    ['not user-agent through "*"', { forward: ['*'] }, 'user-agent', false],
    ['a pattern forwards', { forward: ['x-tenant-*'] }, 'x-tenant-id', true],
    ['a marked secret not through a pattern', { forward: ['x-tenant-*'], secret: ['x-tenant-token'] }, 'x-tenant-token', false],
    ['a marked secret when listed exactly', { forward: ['x-tenant-*', 'x-tenant-token'], secret: ['x-tenant-token'] }, 'x-tenant-token', true],
    ['secret patterns', { forward: ['*'], secret: ['x-private-*'] }, 'x-private-key', false],
    ['secret context data', { secret: ['x-context-session'] }, 'x-context-session', false],
    ['forward replaces the defaults', { forward: ['x-tenant'] }, 'traceparent', false],
  ];
  for (const [name, options, key, expected] of cases) {
    it(name, () => assert.equal(new PropagationPolicy(options).forwards(key), expected));
  }

  it('refuses a call-id stack limit below one', () => {
    assert.throws(() => new PropagationPolicy({ maxCallIdStack: 0 }), TypeError);
  });
});

const SENT = {
  authorization: 'Bearer s3cret', cookie: 'sid=1', 'x-api-key': 'k', 'x-tenant-id': 't1', 'x-tenant-token': 'tt',
  'x-context-session': 'sess', 'x-context-user': 'ada', 'x-other': 'o', 'x-request-id': 'req-9',
};

/** What B, the next hop after A configured with `context`, received of SENT. */
function describeHop(context: RequestContextOptions | undefined, check: (a: Seen, b: Seen) => void): void {
  describe(`A configured ${JSON.stringify(context ?? 'by default')} calls B`, BOUND, () => {
    let relays: RunningRelay[] = [];
    let caller: GrpcClient;
    before(async () => {
      const b = await startRelay({ name: 'B' });
      const a = await startRelay({ name: 'A', next: { kind: 'standalone', address: b.address }, context });
      relays = [a, b];
      caller = new GrpcClient(a.address);
    });
    after(async () => {
      await caller?.close();
      for (const relay of relays) await relay.close();
    });
    it('B receives what the policy forwards', async () => {
      const stub = caller.getService(loadProtos(RELAY_PROTO, RELAY_LOADER).service('relay.Relay'));
      const reply = await stub.Hop!.promise!({ tag: 'c' }, { metadata: SENT }) as HopReply;
      check(reply.hops[0]!, reply.hops[1]!);
    });
  });
}

const sentKeys = (seen: Seen): string[] => Object.keys(seen.headers).filter((key) => key in SENT).sort();

describeHop(undefined, (a, b) => {
  assert.deepEqual(sentKeys(a), Object.keys(SENT).sort());
  assert.deepEqual(sentKeys(b), ['x-context-session', 'x-context-user', 'x-request-id']);
});

describeHop({ forward: [...DEFAULT_FORWARDED_KEYS, 'authorization', 'x-tenant-*'], secret: ['x-tenant-token', 'x-context-session'] }, (a, b) => {
  assert.deepEqual(sentKeys(b), ['authorization', 'x-context-user', 'x-request-id', 'x-tenant-id']);
  assert.equal(b.headers.authorization, 'Bearer s3cret');
  assert.deepEqual(a.data, { session: 'sess', user: 'ada' }, 'a secret is still readable where it arrived');
  assert.deepEqual(b.data, { user: 'ada' });
});

describeHop({ forward: ['*', 'x-tenant-token'], secret: ['x-tenant-token'] }, (_a, b) => {
  assert.deepEqual(sentKeys(b), ['x-context-session', 'x-context-user', 'x-other', 'x-request-id', 'x-tenant-id', 'x-tenant-token']);
});
