// What must pass through a proxy unchanged, asserted alike for each client kind: the four call shapes, metadata
// both ways (-bin too), deadlines, statuses with google.rpc.Status details, trailers-only answers, 8 MiB messages,
// cancellation reaching the backend, the round-robin spread and health checks.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ALL_DETAILS, decodedDetails } from '../equivalence/detail-samples.js';
import type { ExampleClient } from '../equivalence/example-client.js';
import { patternBytes, pickPrefix } from '../equivalence/example-service.js';
import type { MetadataMap } from '../equivalence/example-service.js';
import { failureOf } from '../equivalence/matrix.js';
import { recordedCalls, waitForCall } from './backends.js';
import type { Backend } from './backends.js';

export interface ThroughProxy {
  /** The client kind's client, connected to the proxy. */
  readonly client: ExampleClient;
  readonly backends: readonly Backend[];
  /** Health Check through the proxy: the status name, or the failure's code. */
  check(service: string): Promise<string | number>;
}

export const CASE_TIMEOUT = { timeout: 10_000 };
const CANCELLED = 1;
const DEADLINE_EXCEEDED = 4;
const NOT_FOUND = 5;
const FAILED_PRECONDITION = 9;
const UNIMPLEMENTED = 12;
// Just under the clients' 8 MiB receive limit once the reply's other fields and framing are added.
const EIGHT_MIB_PAYLOAD = 8 * 1024 * 1024 - 64;

const SENT: MetadataMap = {
  'x-echo-text': ['hello world'],
  'x-echo-bin': [Buffer.from([0, 1, 2, 0xfe, 0xff])],
  'x-echo-repeated-bin': [Buffer.from('first'), Buffer.from(Array.from({ length: 256 }, (_, i) => i))],
  'x-other': ['not echoed'],
};
const ECHOED = pickPrefix(SENT, 'x-echo-');

/** What a suite leaves out: the spread needs several backends, health the backends' `health` option. */
export interface ScenarioScope { readonly spread: boolean; readonly health: boolean }

export function passThroughScenarios(get: () => ThroughProxy, tag: string, scope: ScenarioScope): void {
  const t = (name: string): string => `${tag}:${name}`;

  it('unary', CASE_TIMEOUT, async () => {
    const result = await get().client.unary('unary_unary', { value: 'ab', multiplier: 3 });
    assert.deepEqual([result.responses.map((r) => r.message), result.status.code], [['ababab'], 0]);
  });

  it('server streaming', CASE_TIMEOUT, async () => {
    const result = await get().client.serverStream('unary_stream', { value: 'x', multiplier: 2 });
    assert.deepEqual(result.responses.map((r) => [r.message, r.seqno]), [['xx', 1], ['xx', 2]]);
  });

  it('client streaming', CASE_TIMEOUT, async () => {
    const result = await get().client.clientStream('stream_unary', [{ value: 'a' }, { value: 'b', multiplier: 2 }, { value: 'c' }]);
    assert.equal(result.responses[0]?.message, 'a,bb,c');
  });

  it('bidi streaming', CASE_TIMEOUT, async () => {
    const requests = Array.from({ length: 20 }, (_, i) => ({ value: `m${i}` }));
    const result = await get().client.bidi('stream_stream', requests);
    assert.deepEqual(result.responses.map((r) => [r.message, r.seqno]), requests.map((r, i) => [r.value, i + 1]));
  });

  it('metadata both ways, -bin included: the backend sees it as sent; initial and trailing metadata come back', CASE_TIMEOUT, async () => {
    const result = await get().client.unary('echo_metadata_unary', { value: t('meta') }, { metadata: SENT });
    const [seen] = recordedCalls(get().backends, (c) => c.tag === t('meta'));
    assert.deepEqual(pickPrefix(seen?.metadata ?? {}, 'x-'), SENT);
    assert.deepEqual(pickPrefix(result.header, 'x-echo-'), ECHOED);
    assert.deepEqual(pickPrefix(result.trailer, 'x-echo-'), ECHOED);
  });

  it('metadata on a bidi stream', CASE_TIMEOUT, async () => {
    const result = await get().client.bidi('echo_metadata_stream', [{ value: 'a' }, { value: 'b' }], { metadata: SENT });
    assert.deepEqual(result.responses.map((r) => r.message), ['a', 'b']);
    assert.deepEqual([pickPrefix(result.header, 'x-echo-'), pickPrefix(result.trailer, 'x-echo-')], [ECHOED, ECHOED]);
  });

  it('a deadline reaches the backend as grpc-timeout; within it the call succeeds', CASE_TIMEOUT, async () => {
    const result = await get().client.unary('sleep_unary', { value: t('in-time'), delay_ms: 10 }, { timeout: 5000 });
    assert.equal(result.responses[0]?.message, 'slept');
    const [seen] = recordedCalls(get().backends, (c) => c.tag === t('in-time'));
    assert.ok(seen !== undefined && seen.timeRemaining > 3000 && seen.timeRemaining <= 5000, `timeRemaining ${seen?.timeRemaining}`);
  });

  it('past its deadline: DEADLINE_EXCEEDED, and the backend\'s handler is cancelled', CASE_TIMEOUT, async () => {
    const failure = await failureOf(get().client.unary('sleep_unary', { value: t('late'), delay_ms: 5000 }, { timeout: 200 }));
    assert.equal(failure.code, DEADLINE_EXCEEDED);
    await waitForCall(get().backends, (c) => c.tag === t('late') && c.cancelled);
  });

  it('an error with google.rpc.Status details, before any message (trailers-only): code, message, metadata, details', CASE_TIMEOUT, async () => {
    const message = 'Out of tokens! ✓';
    const failure = await failureOf(get().client.unary('unary_grpc_error', {
      code: FAILED_PRECONDITION, message, trailer: { 'x-why': 'tokens' }, trailer_bin: { 'x-raw-bin': Buffer.from([0, 255]) },
    }));
    assert.deepEqual([failure.code, failure.message, failure.responses], [FAILED_PRECONDITION, message, []]);
    assert.deepEqual(pickPrefix(failure.metadata, 'x-'), { 'x-why': ['tokens'], 'x-raw-bin': [Buffer.from([0, 255])] });
    assert.deepEqual(failure.status, { code: FAILED_PRECONDITION, message, details: decodedDetails(ALL_DETAILS) });
  });

  it('an error with details after 3 streamed replies (trailers after data)', CASE_TIMEOUT, async () => {
    const failure = await failureOf(get().client.serverStream('stream_grpc_error', { code: FAILED_PRECONDITION, message: 'late', count: 3 }));
    assert.deepEqual([failure.code, failure.message], [FAILED_PRECONDITION, 'late']);
    assert.deepEqual(failure.responses.map((r) => r.seqno), [1, 2, 3]);
    assert.deepEqual(failure.status?.details, decodedDetails(ALL_DETAILS));
  });

  it('trailers-only answers: a server stream failing before any reply, an unknown method', CASE_TIMEOUT, async () => {
    const failure = await failureOf(get().client.serverStream('fail_stream', { code: NOT_FOUND, message: 'nothing here', trailer: { 'x-k': 'v' } }));
    assert.deepEqual([failure.code, failure.message, failure.responses, pickPrefix(failure.metadata, 'x-')],
      [NOT_FOUND, 'nothing here', [], { 'x-k': ['v'] }]);
    assert.equal((await failureOf(get().client.unary('not_implemented', {}))).code, UNIMPLEMENTED);
  });

  it('an 8 MiB request and an 8 MiB reply arrive intact', { timeout: 30_000 }, async () => {
    const result = await get().client.unary('payload_unary', { payload: patternBytes(EIGHT_MIB_PAYLOAD), response_size: EIGHT_MIB_PAYLOAD });
    const reply = result.responses[0];
    assert.equal(reply?.received_size, EIGHT_MIB_PAYLOAD);
    assert.ok(reply.payload.equals(patternBytes(EIGHT_MIB_PAYLOAD)), 'the reply payload arrives intact');
  });

  it('cancelling a unary call reaches the backend: its handler sees the cancellation', CASE_TIMEOUT, async () => {
    const controller = new AbortController();
    const call = failureOf(get().client.unary('sleep_unary', { value: t('cancel'), delay_ms: 8000 }, { signal: controller.signal }));
    await waitForCall(get().backends, (c) => c.tag === t('cancel'));
    controller.abort();
    assert.equal((await call).code, CANCELLED);
    await waitForCall(get().backends, (c) => c.tag === t('cancel') && c.cancelled);
  });

  it('cancelling a bidi stream after 3 replies reaches the backend', CASE_TIMEOUT, async () => {
    const controller = new AbortController();
    const before = recordedCalls(get().backends, (c) => c.method === 'stream_stream_forever').length;
    const failure = await failureOf(get().client.bidi('stream_stream_forever', [{ value: 'go' }], {
      signal: controller.signal,
      onResponse: (_reply, index) => { if (index === 2) controller.abort(); },
    }));
    assert.equal(failure.code, CANCELLED);
    const deadline = Date.now() + 3000;
    while (recordedCalls(get().backends, (c) => c.method === 'stream_stream_forever' && c.cancelled).length <= before) {
      assert.ok(Date.now() < deadline, 'the backend saw the stream cancelled');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });

  if (scope.spread) it('round-robin: 9 calls in a row reach each of the three backends', CASE_TIMEOUT, async () => {
    for (let i = 0; i < 9; i++) await get().client.unary('unary_unary', { value: t(`spread-${i}`) });
    const served = recordedCalls(get().backends, (c) => c.tag.startsWith(t('spread-')));
    const perBackend = get().backends.map((b) => served.filter((c) => c.backend === b.name).length);
    assert.equal(served.length, 9);
    assert.ok(perBackend.every((n) => n >= 1), `calls per backend: ${perBackend.join(', ')}`);
  });

  if (scope.health) it('health Check through the proxy: SERVING for the server and the service, NOT_FOUND for an unknown one', CASE_TIMEOUT, async () => {
    assert.deepEqual([await get().check(''), await get().check('nameko.example'), await get().check('no.such.Service')],
      ['SERVING', 'SERVING', NOT_FOUND]);
  });
}
