// Cancellation: a client cancelling mid-call gets CANCELLED, and the server's handler sees its signal
// abort (recorded), for every call shape and every server x client pair.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { RequestInit } from './example-service.js';
import { describeMatrix, failureOf, TEST_TIMEOUT } from './matrix.js';

const CANCELLED = 1;

/** Requests every 10 ms until the signal aborts. */
async function* endless(signal: AbortSignal, delayMs = 0): AsyncIterable<RequestInit> {
  for (let i = 0; !signal.aborted; i++) {
    yield { value: `r${i}`, delay_ms: delayMs };
    await delay(10);
  }
}

describeMatrix((pair) => {
  it('stream_forever cancelled after 3 replies', TEST_TIMEOUT, async () => {
    const controller = new AbortController();
    const failure = await failureOf(pair.client.serverStream('stream_forever', { value: 'forever', delay_ms: 10 }, {
      signal: controller.signal,
      onResponse: (_reply, index) => { if (index === 2) controller.abort(); },
    }));
    assert.equal(failure.code, CANCELLED);
    assert.ok(failure.responses.length >= 3, `${failure.responses.length} replies`);
    await pair.recorder.waitFor((c) => c.method === 'stream_forever' && c.tag === 'forever' && c.cancelled);
  });

  it('sleep_unary cancelled while the handler sleeps', TEST_TIMEOUT, async () => {
    const controller = new AbortController();
    const call = failureOf(pair.client.unary('sleep_unary', { value: 'sleeper', delay_ms: 5000 },
      { signal: controller.signal }));
    await pair.recorder.waitFor((c) => c.method === 'sleep_unary' && c.tag === 'sleeper');
    controller.abort();
    assert.equal((await call).code, CANCELLED);
    const seen = await pair.recorder.waitFor((c) => c.method === 'sleep_unary' && c.tag === 'sleeper' && c.cancelled);
    assert.equal(seen.timeRemaining, Infinity);
  });

  it('stream_unary_sleep cancelled while requests still flow', TEST_TIMEOUT, async () => {
    const controller = new AbortController();
    const call = failureOf(pair.client.clientStream('stream_unary_sleep', endless(controller.signal, 5000),
      { signal: controller.signal }));
    await pair.recorder.waitFor((c) => c.method === 'stream_unary_sleep' && c.received >= 2);
    controller.abort();
    assert.equal((await call).code, CANCELLED);
    await pair.recorder.waitFor((c) => c.method === 'stream_unary_sleep' && c.cancelled);
  });

  it('stream_stream_forever cancelled after 3 replies while requests still flow', TEST_TIMEOUT, async () => {
    const controller = new AbortController();
    const failure = await failureOf(pair.client.bidi('stream_stream_forever', endless(controller.signal), {
      signal: controller.signal,
      onResponse: (_reply, index) => { if (index === 2) controller.abort(); },
    }));
    assert.equal(failure.code, CANCELLED);
    assert.ok(failure.responses.length >= 3, `${failure.responses.length} replies`);
    const seen = await pair.recorder.waitFor((c) => c.method === 'stream_stream_forever' && c.cancelled);
    assert.ok(seen.received >= 1, `${seen.received} requests read`);
  });

  it('a signal aborted before the call starts: CANCELLED', TEST_TIMEOUT, async () => {
    const failure = await failureOf(pair.client.unary('unary_unary', { value: 'never' }, { signal: AbortSignal.abort() }));
    assert.equal(failure.code, CANCELLED);
  });

  it('the client still works after cancellations', TEST_TIMEOUT, async () => {
    const result = await pair.client.unary('unary_unary', { value: 'after' });
    assert.equal(result.responses[0]?.message, 'after');
  });
});
