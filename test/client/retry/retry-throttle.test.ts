// gRFC A6's retry arithmetic: the backoff range of each retry, pushback parsing, the throttle's token count, the buffer.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePushback, retryDelay, RetryBuffer, RetryThrottle } from '../../../lib/client/retry/retry-throttle.js';

describe('retryDelay', () => {
  const policy = { initialBackoffMs: 100, maxBackoffMs: 1000, backoffMultiplier: 3 };
  // [retry, random, expected]: random in [0, min(initial * multiplier^(retry-1), max)).
  const cases: [number, number, number][] = [
    [1, 0.5, 50], [1, 0.999, 99.9], [2, 0.5, 150], [3, 1, 900], [4, 1, 1000], [10, 0.25, 250], [1, 0, 0],
  ];
  for (const [retry, random, expected] of cases) {
    it(`retry ${retry} with random ${random} waits ${expected} ms`, () => {
      assert.ok(Math.abs(retryDelay(policy, retry, () => random) - expected) < 1e-9);
    });
  }
});

describe('parsePushback', () => {
  const cases: [readonly unknown[], number | 'stop' | undefined][] = [
    [[], undefined], [['0'], 0], [['250'], 250], [['-1'], 'stop'], [['abc'], 'stop'], [['1.5'], 'stop'], [['10', '20'], 10],
  ];
  for (const [values, expected] of cases) {
    it(`${JSON.stringify(values)} -> ${String(expected)}`, () => assert.equal(parsePushback(values), expected));
  }
});

describe('RetryThrottle', () => {
  it('allows retries while tokens stay above half, and successes earn them back by tokenRatio', () => {
    const throttle = new RetryThrottle(4, 0.5);
    assert.equal(throttle.allowsRetry(), true);
    throttle.recordFailure();
    assert.equal(throttle.allowsRetry(), true, '3 > 2');
    throttle.recordFailure();
    assert.equal(throttle.allowsRetry(), false, '2 is not above 2');
    throttle.recordSuccess();
    assert.equal(throttle.allowsRetry(), true, '2.5 > 2');
    for (let i = 0; i < 10; i++) throttle.recordFailure();
    for (let i = 0; i < 5; i++) throttle.recordSuccess();
    assert.equal(throttle.allowsRetry(), true, 'tokens never went below 0: 0 + 2.5 > 2');
  });
});

describe('RetryBuffer', () => {
  it('holds bytes up to its limit and frees them on release', () => {
    const buffer = new RetryBuffer(10);
    assert.equal(buffer.hold(6), true);
    assert.equal(buffer.hold(5), false);
    assert.equal(buffer.hold(4), true);
    buffer.release(6);
    assert.equal(buffer.hold(6), true);
  });
});
