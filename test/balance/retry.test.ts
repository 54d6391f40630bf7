// Retries and hedging from the service config (gRFC A6), ours and grpc-js's client on the same servers and config:
// what is retried, how often, what the server sees (grpc-previous-rpc-attempts), throttling, buffer limit, hedging.

import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import type { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';
import { sleep } from '../client/fixtures.js';
import { clientKinds, failuresOf, repliesOf } from './balance-clients.js';
import type { BalanceClient, BalanceClientKind, Extra, Outcome } from './balance-clients.js';
import { ipv4Target, startThree, whereService } from './where-server.js';
import type { WhereServer } from './where-server.js';

const SERVICE = 'balancetest.Where';
const TAGS = ['m0', 'm1', 'm2', 'm3', 'm4'];
const RETRY = {
  loadBalancingConfig: [{ pick_first: {} }],
  methodConfig: [{
    name: [{ service: SERVICE }],
    retryPolicy: { maxAttempts: 3, initialBackoff: '0.01s', maxBackoff: '0.05s', backoffMultiplier: 2, retryableStatusCodes: ['UNAVAILABLE'] },
  }],
};
/** Up to three attempts over round_robin, the next one 50 ms after the last started. */
const HEDGED_ROUND_ROBIN = {
  loadBalancingConfig: [{ round_robin: {} }],
  methodConfig: [{ name: [{ service: SERVICE }], hedgingPolicy: { maxAttempts: 3, hedgingDelay: '0.05s', nonFatalStatusCodes: ['UNAVAILABLE'] } }],
};

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function sequential(client: BalanceClient, count: number): Promise<{ outcomes: Outcome[]; latencies: number[] }> {
  const outcomes: Outcome[] = [];
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    outcomes.push(await client.who({ timeoutMs: 5000 }));
    latencies.push(performance.now() - start);
  }
  return { outcomes, latencies };
}

describe('retries and hedging', { timeout: 90_000 }, () => {
  let servers: WhereServer[];
  let first: WhereServer;
  const clients: BalanceClient[] = [];
  const open = (kind: BalanceClientKind, target: string, config: object, extra?: Extra): BalanceClient => {
    const client = kind.create(target, config, extra);
    clients.push(client);
    return client;
  };
  before(async () => {
    servers = await startThree();
    first = servers[0]!;
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
    for (const server of servers) {
      Object.assign(server.behaviour, { failNext: 0, failCode: Status.UNAVAILABLE, delayMs: 0, pushback: undefined, headersFirst: false, failAfterMessages: undefined });
      server.calls.length = 0;
    }
  });
  after(async () => { await Promise.all(servers.map((server) => server.stop())); });

  const results = new Map<string, Map<string, unknown>>();
  const record = (scenario: string, kind: BalanceClientKind, value: unknown): void => {
    if (!results.has(scenario)) results.set(scenario, new Map());
    results.get(scenario)!.set(kind.name, value);
  };

  for (const kind of clientKinds) {
    describe(`client=${kind.name}`, () => {
      it('turns a server\'s UNAVAILABLE into success on the next attempt, telling it grpc-previous-rpc-attempts', async () => {
        const client = open(kind, first.address, RETRY);
        first.behaviour.failNext = 2;
        const outcome = await client.who();
        assert.deepEqual(outcome, { reply: { server: 'a', previous_attempts: 2 } });
        assert.deepEqual(first.calls, [0, 1, 2]);
        record('retry', kind, first.calls.slice());
      });

      it('does not retry a status outside retryableStatusCodes', async () => {
        const client = open(kind, first.address, RETRY);
        Object.assign(first.behaviour, { failNext: 1, failCode: Status.INVALID_ARGUMENT });
        assert.deepEqual(await client.who(), { code: Status.INVALID_ARGUMENT });
        assert.deepEqual(first.calls, [0]);
      });

      it('gives up after maxAttempts', async () => {
        const client = open(kind, first.address, RETRY);
        first.behaviour.failNext = 10;
        assert.deepEqual(await client.who(), { code: Status.UNAVAILABLE });
        assert.deepEqual(first.calls, [0, 1, 2]);
      });

      it('does not retry a call whose request is over the per-call retry buffer', async () => {
        const client = open(kind, first.address, RETRY, { perRpcRetryBufferSize: 8 });
        first.behaviour.failNext = 1;
        assert.deepEqual(await client.who({ tag: 'x'.repeat(64) }), { code: Status.UNAVAILABLE });
        assert.deepEqual(first.calls, [0]);
      });

      it('does not retry once the server has sent response headers: the call is committed', async () => {
        const client = open(kind, first.address, RETRY);
        Object.assign(first.behaviour, { failNext: 1, headersFirst: true });
        assert.deepEqual(await client.who(), { code: Status.UNAVAILABLE });
        assert.deepEqual(first.calls, [0]);
      });

      it('a server-streaming call is retried while nothing came back', async () => {
        const client = open(kind, first.address, RETRY);
        first.behaviour.failNext = 1;
        assert.deepEqual(await client.stream(), [{ reply: { server: 'a', previous_attempts: 1 } }, { reply: { server: 'a', previous_attempts: 1 } }]);
      });

      it('a client-streaming call that fails before response headers is retried: the server reads every message once', async () => {
        const client = open(kind, first.address, RETRY);
        // The first attempt fails after two of five messages while the caller is still writing: the second replays
        // what was written and goes on with the rest.
        Object.assign(first.behaviour, { failNext: 1, failAfterMessages: 2 });
        const outcome = await client.collect(TAGS, 20);
        assert.deepEqual(outcome, { reply: { server: 'a', previous_attempts: 1, tags: TAGS } });
        assert.deepEqual(first.calls, [0, 1]);
        record('client-streaming retry', kind, { outcome, calls: first.calls.slice() });
      });

      it('a bidi call that fails before response headers is retried and answers every message once', async () => {
        const client = open(kind, first.address, RETRY);
        Object.assign(first.behaviour, { failNext: 2, failAfterMessages: 1 });
        const outcome = await client.chat(TAGS, 10);
        assert.deepEqual(outcome, TAGS.map((tag) => ({ server: 'a', previous_attempts: 2, tags: [tag] })));
        assert.deepEqual(first.calls, [0, 1, 2]);
        record('bidi retry', kind, { outcome, calls: first.calls.slice() });
      });

      it('a bidi call committed by response headers is not retried after a later failure', async () => {
        const client = open(kind, first.address, RETRY);
        Object.assign(first.behaviour, { failNext: 1, failAfterMessages: 2, headersFirst: true });
        const outcome = await client.chat(TAGS, 10);
        assert.deepEqual(outcome, { code: Status.UNAVAILABLE });
        assert.deepEqual(first.calls, [0]);
        record('bidi committed', kind, { outcome, calls: first.calls.slice() });
      });

      it('a client-streaming call whose messages outgrow the per-call retry buffer is not retried', async () => {
        const client = open(kind, first.address, RETRY, { perRpcRetryBufferSize: 100 });
        first.behaviour.failNext = 1;
        // Five messages of some 45 bytes: past 100 after the third; the server fails once all came.
        const large = TAGS.map((tag) => tag.padEnd(40, 'x'));
        const outcome = await client.collect(large, 0);
        assert.deepEqual(outcome, { code: Status.UNAVAILABLE });
        assert.deepEqual(first.calls, [0]);
        record('client-streaming over buffer', kind, { outcome, calls: first.calls.slice() });
        // The same call with small messages fits, so it is retried.
        first.calls.length = 0;
        first.behaviour.failNext = 1;
        const small = TAGS.map((tag) => tag.padEnd(10, 'x'));
        assert.deepEqual(await client.collect(small, 0), { reply: { server: 'a', previous_attempts: 1, tags: small } });
        assert.deepEqual(first.calls, [0, 1]);
      });

      it('a streaming call whose request outgrows the buffer while a retry waits ends with the failure it had', async () => {
        const client = open(kind, first.address, RETRY, { perRpcRetryBufferSize: 100 });
        // The pushback holds the retry for 300 ms; the second message, 200 bytes, is written after 100 ms.
        Object.assign(first.behaviour, { failNext: 1, failAfterMessages: 1, pushback: '300' });
        const outcome = await client.collect(['m0', 'x'.repeat(200)], 100);
        assert.deepEqual(outcome, { code: Status.UNAVAILABLE });
        assert.deepEqual(first.calls, [0]);
        record('streaming overflow between attempts', kind, { outcome, calls: first.calls.slice() });
      });

      it('a streaming call is not retried on a status outside retryableStatusCodes, nor after a negative pushback', async () => {
        const client = open(kind, first.address, RETRY);
        Object.assign(first.behaviour, { failNext: 1, failAfterMessages: 1, failCode: Status.INVALID_ARGUMENT });
        const outcome = await client.collect(TAGS, 10);
        assert.deepEqual(outcome, { code: Status.INVALID_ARGUMENT });
        assert.deepEqual(first.calls, [0]);
        first.calls.length = 0;
        Object.assign(first.behaviour, { failNext: 1, failCode: Status.UNAVAILABLE, pushback: '-1' });
        assert.deepEqual(await client.chat(TAGS, 10), { code: Status.UNAVAILABLE });
        assert.deepEqual(first.calls, [0]);
        record('streaming not retryable', kind, { outcome, calls: first.calls.slice() });
      });

      it('hedges a client-streaming call: a slow server does not answer it, every message reaches the one that does', async () => {
        const client = open(kind, ipv4Target(servers), HEDGED_ROUND_ROBIN);
        first.behaviour.delayMs = 1000;
        await client.who({ waitForReady: true, timeoutMs: 5000 });
        for (let i = 0; i < 6; i++) {
          const outcome = await client.collect(TAGS, 0);
          assert.ok('reply' in outcome, `call ${i}: ${JSON.stringify(outcome)}`);
          assert.notEqual(outcome.reply.server, 'a');
          assert.deepEqual(outcome.reply.tags, TAGS);
        }
      });

      it('honours server pushback: a negative value stops retrying, a delay defers the next attempt', async () => {
        const client = open(kind, first.address, RETRY);
        Object.assign(first.behaviour, { failNext: 1, pushback: '-1' });
        assert.deepEqual(await client.who(), { code: Status.UNAVAILABLE });
        assert.deepEqual(first.calls, [0]);
        first.calls.length = 0;
        Object.assign(first.behaviour, { failNext: 1, pushback: '300' });
        const start = performance.now();
        assert.deepEqual(await client.who(), { reply: { server: 'a', previous_attempts: 1 } });
        // The policy's own backoff is at most 10 ms; only the pushback makes it wait this long.
        assert.ok(performance.now() - start >= 250, `retried after ${(performance.now() - start).toFixed(0)} ms`);
      });

      it('does not retry a call whose request does not fit in the client-wide retry buffer', async () => {
        const client = open(kind, first.address, RETRY, { retryBufferSize: 16 });
        first.behaviour.failNext = 2;
        assert.deepEqual(await client.who({ tag: 'x'.repeat(64) }), { code: Status.UNAVAILABLE });
        assert.deepEqual(first.calls, [0]);
        assert.deepEqual(await client.who({ tag: 'x' }), { reply: { server: 'a', previous_attempts: 1 } }, 'a small request still fits');
      });

      it('applies the methodConfig timeout: the earlier deadline wins', async () => {
        const config = { methodConfig: [{ name: [{ service: SERVICE, method: 'Who' }], timeout: '0.1s' }] };
        const client = open(kind, first.address, config);
        first.behaviour.delayMs = 1000;
        const start = performance.now();
        assert.deepEqual(await client.who({ timeoutMs: 5000 }), { code: Status.DEADLINE_EXCEEDED });
        assert.ok(performance.now() - start < 900, 'ended at the config\'s timeout, not the server\'s answer');
      });

      it('throttling stops retrying when most calls fail', async () => {
        const config = { ...RETRY, retryThrottling: { maxTokens: 10, tokenRatio: 0.1 } };
        const client = open(kind, first.address, config);
        first.behaviour.failNext = Infinity;
        const { outcomes } = await sequential(client, 20);
        assert.equal(failuresOf(outcomes).length, 20);
        // Without the throttle every call would take 3 attempts (60); with it only the first calls are retried.
        assert.ok(first.calls.length < 30, `${first.calls.length} attempts for 20 calls`);
        record('throttle', kind, first.calls.length);
      });

      it('hedging with one slow server brings the p99 near the fast servers\' latency', async () => {
        const client = open(kind, ipv4Target(servers), HEDGED_ROUND_ROBIN);
        first.behaviour.delayMs = 1000;
        await client.who({ waitForReady: true, timeoutMs: 5000 });
        const { outcomes, latencies } = await sequential(client, 60);
        assert.deepEqual(failuresOf(outcomes), []);
        const p99 = percentile(latencies, 0.99);
        // Unhedged, a third of the calls would take the slow server's full second.
        assert.ok(p99 < 600, `p99 ${p99.toFixed(0)} ms`);
        assert.ok(repliesOf(outcomes).every((reply) => reply.server !== 'a'), 'the slow server never answered first');
      });
    });
  }

  it('client=ours a cancel signal set by an interceptor ends a call waiting to retry, at once', async () => {
    const controller = new AbortController();
    const slow = { ...RETRY, methodConfig: [{ ...RETRY.methodConfig[0]!, retryPolicy: { ...RETRY.methodConfig[0]!.retryPolicy, initialBackoff: '5s', maxBackoff: '5s' } }] };
    const client = new GrpcClient(first.address, { serviceConfig: slow, interceptors: [{ onStart: (call) => { call.signal = controller.signal; } }] });
    first.behaviour.failNext = 1;
    // The retry's backoff is random in [0, 5 s): the cancel comes as soon as the first attempt has failed.
    const outcome = client.callForResponse(whereService.methods.get('Who')!, { tag: '' }).catch((err: GrpcError) => err.code);
    while (first.calls.length === 0) await sleep(5);
    await sleep(20);
    const start = performance.now();
    controller.abort();
    const code = await outcome;
    assert.ok(code === Status.CANCELLED || (typeof code === 'object' && first.calls.length === 2), `ended with ${JSON.stringify(code)}`);
    assert.ok(performance.now() - start < 1000);
    await client.close();
  });

  it('client=ours a failing request stream ends a retried call CANCELLED, with no further attempt', async () => {
    const client = new GrpcClient(first.address, { serviceConfig: RETRY });
    async function* failing(): AsyncGenerator<{ tag: string }> {
      yield { tag: 'm0' };
      await sleep(20);
      throw new Error('source broke');
    }
    const outcome = await client.callForResponse(whereService.methods.get('Collect')!, failing(), { timeout: 5000 })
      .catch((err: GrpcError) => err);
    assert.equal((outcome as GrpcError).code, Status.CANCELLED);
    assert.match((outcome as GrpcError).message, /Request stream failed: source broke/);
    assert.ok(first.calls.length <= 1, `${first.calls.length} attempts`);
    await client.close();
  });

  it('ours and grpc-js attempt the same calls', () => {
    for (const [scenario, byKind] of results) {
      assert.deepEqual(byKind.get('ours'), byKind.get('grpc-js'), scenario);
    }
  });
});
