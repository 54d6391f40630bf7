// ConnectionBackoff: the delay sequence of gRPC's connection-backoff spec, its cap, jitter bounds, reset and
// option checks. `random` is injected so each sequence is exact.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionBackoff } from '../../lib/client/connection-backoff.js';
import type { ReconnectBackoffOptions } from '../../lib/client/connection-backoff.js';

function delays(backoff: ConnectionBackoff, count: number): number[] {
  return Array.from({ length: count }, () => Math.round(backoff.nextDelay()));
}

describe('ConnectionBackoff', () => {
  const cases: { name: string; options: ReconnectBackoffOptions; random: number; expected: number[] }[] = [
    { name: 'spec defaults, no jitter drawn', options: {}, random: 0.5, expected: [1000, 1600, 2560, 4096, 6554] },
    { name: 'first delay is never jittered; later +jitter', options: {}, random: 1, expected: [1000, 1920, 3072, 4915] },
    { name: 'later -jitter', options: {}, random: 0, expected: [1000, 1280, 2048, 3277] },
    { name: 'capped at maxMs', options: { initialMs: 10, maxMs: 30, multiplier: 2 }, random: 0.5, expected: [10, 20, 30, 30] },
    { name: 'maxMs below the initial delay caps it', options: { maxMs: 500 }, random: 0.5, expected: [500, 500] },
    { name: 'jitter 0', options: { initialMs: 5, multiplier: 3, jitter: 0 }, random: 1, expected: [5, 15, 45] },
  ];
  for (const { name, options, random, expected } of cases) {
    it(name, () => {
      assert.deepEqual(delays(new ConnectionBackoff(options, () => random), expected.length), expected);
    });
  }

  it('jitter stays within +-jitter of the un-jittered delay, which grows without compounding it', () => {
    const backoff = new ConnectionBackoff({ initialMs: 100, multiplier: 2, jitter: 0.5 });
    backoff.nextDelay();
    for (const base of [200, 400, 800, 1600]) {
      const delay = backoff.nextDelay();
      assert.ok(delay >= base * 0.5 && delay <= base * 1.5, `${delay} for ${base}`);
    }
  });

  it('reset() starts over at initialMs', () => {
    const backoff = new ConnectionBackoff({ initialMs: 10, multiplier: 2, jitter: 0 });
    assert.deepEqual(delays(backoff, 3), [10, 20, 40]);
    backoff.reset();
    assert.deepEqual(delays(backoff, 2), [10, 20]);
  });

  it('an attempt may take the larger of its delay and minConnectTimeoutMs', () => {
    const backoff = new ConnectionBackoff();
    assert.equal(backoff.minConnectTimeoutMs, 20_000);
    assert.equal(backoff.connectTimeout(1000), 20_000);
    assert.equal(backoff.connectTimeout(90_000), 90_000);
    assert.equal(new ConnectionBackoff({ minConnectTimeoutMs: 50 }).connectTimeout(10), 50);
  });

  const invalid: ReconnectBackoffOptions[] = [
    { initialMs: 0 }, { initialMs: -1 }, { maxMs: Number.NaN }, { maxMs: 2 ** 31 }, { multiplier: 0.5 },
    { multiplier: Infinity }, { jitter: -0.1 }, { jitter: 1.5 }, { minConnectTimeoutMs: 0 },
    { initialMs: '10' as unknown as number },
  ];
  for (const options of invalid) {
    it(`refuses ${JSON.stringify(options)} with a TypeError`, () => {
      assert.throws(() => new ConnectionBackoff(options), TypeError);
    });
  }
});
