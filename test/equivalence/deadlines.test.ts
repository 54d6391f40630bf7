// Deadlines: the timeout reaches the server as grpc-timeout, an expired call fails DEADLINE_EXCEEDED
// on the client and aborts the handler's signal on the server, for every server x client pair.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeMatrix, failureOf, TEST_TIMEOUT } from './matrix.js';

const DEADLINE_EXCEEDED = 4;

describeMatrix((pair) => {
  it('sleep_unary within its deadline succeeds; the server sees the time remaining', TEST_TIMEOUT, async () => {
    const result = await pair.client.unary('sleep_unary', { value: 'in-time', delay_ms: 10 }, { timeout: 5000 });
    assert.equal(result.responses[0]?.message, 'slept');
    const seen = pair.recorder.last('sleep_unary', 'in-time');
    assert.ok(seen && seen.timeRemaining > 4000 && seen.timeRemaining <= 5000, `timeRemaining ${seen?.timeRemaining}`);
    assert.equal(seen.cancelled, false);
  });

  it('sleep_unary without a timeout: the server sees no deadline', TEST_TIMEOUT, async () => {
    await pair.client.unary('sleep_unary', { value: 'no-deadline', delay_ms: 1 });
    assert.equal(pair.recorder.last('sleep_unary', 'no-deadline')?.timeRemaining, Infinity);
  });

  it('sleep_unary past its deadline: DEADLINE_EXCEEDED, and the handler is cancelled', TEST_TIMEOUT, async () => {
    const started = Date.now();
    await assert.rejects(
      pair.client.unary('sleep_unary', { value: 'late', delay_ms: 5000 }, { timeout: 100 }),
      { code: DEADLINE_EXCEEDED });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 90 && elapsed < 2000, `failed after ${elapsed} ms`);
    const seen = await pair.recorder.waitFor((c) => c.method === 'sleep_unary' && c.tag === 'late' && c.cancelled);
    assert.ok(seen.timeRemaining > 0 && seen.timeRemaining <= 100, `timeRemaining ${seen.timeRemaining}`);
  });

  it('sleep_stream past its deadline: replies so far, then DEADLINE_EXCEEDED', TEST_TIMEOUT, async () => {
    const failure = await failureOf(pair.client.serverStream('sleep_stream',
      { value: 'stream-late', delay_ms: 50, count: 100 }, { timeout: 400 }));
    assert.equal(failure.code, DEADLINE_EXCEEDED);
    const replies = failure.responses;
    assert.ok(replies.length >= 2 && replies.length < 100, `${replies.length} replies`);
    assert.deepEqual(replies.map((r) => r.seqno), replies.map((_, i) => i + 1));
    await pair.recorder.waitFor((c) => c.method === 'sleep_stream' && c.tag === 'stream-late' && c.cancelled);
  });

  it('sleep_stream within its deadline completes', TEST_TIMEOUT, async () => {
    const result = await pair.client.serverStream('sleep_stream', { value: 'stream-ok', delay_ms: 5, count: 3 },
      { timeout: 5000 });
    assert.deepEqual(result.responses.map((r) => r.seqno), [1, 2, 3]);
  });

  it('a deadline shorter than the network round trip still fails cleanly', TEST_TIMEOUT, async () => {
    await assert.rejects(pair.client.unary('sleep_unary', { value: 'tiny', delay_ms: 1000 }, { timeout: 1 }),
      { code: DEADLINE_EXCEEDED });
    const after = await pair.client.unary('unary_unary', { value: 'still-usable' });
    assert.equal(after.responses[0]?.message, 'still-usable');
  });
});
