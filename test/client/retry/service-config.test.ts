// Service config validation as grpc-js does it: what is accepted, normalised (durations, code names, the
// maxAttempts cap of gRFC A6), and refused with a TypeError; method lookup by method, service, default.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { methodConfigFor, parseDuration, parseServiceConfig } from '../../../lib/client/retry/service-config.js';
import { Status } from '../../../lib/protocol/status.js';

const RETRY = { maxAttempts: 3, initialBackoff: '0.1s', maxBackoff: '1s', backoffMultiplier: 2, retryableStatusCodes: ['UNAVAILABLE', 4] };

describe('parseServiceConfig', () => {
  it('reads the load-balancing policy: the first known one of loadBalancingConfig, else loadBalancingPolicy', () => {
    assert.equal(parseServiceConfig('{}').loadBalancingPolicy, undefined);
    assert.equal(parseServiceConfig({ loadBalancingConfig: [{ round_robin: {} }] }).loadBalancingPolicy, 'round_robin');
    assert.equal(parseServiceConfig({ loadBalancingConfig: [{ weird_policy: {} }, { pick_first: {} }] }).loadBalancingPolicy, 'pick_first');
    assert.equal(parseServiceConfig({ loadBalancingPolicy: 'ROUND_ROBIN' }).loadBalancingPolicy, 'round_robin');
  });

  it('reads a retry policy: durations in ms, codes by name or number, maxAttempts capped at 5', () => {
    const config = parseServiceConfig(JSON.stringify({ methodConfig: [{ name: [{ service: 'a.S' }], retryPolicy: { ...RETRY, maxAttempts: 9 } }] }));
    const policy = methodConfigFor(config, '/a.S/M')?.retryPolicy;
    assert.deepEqual(policy, {
      maxAttempts: 5, initialBackoffMs: 100, maxBackoffMs: 1000, backoffMultiplier: 2,
      retryableStatusCodes: new Set([Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED]),
    });
  });

  it('reads a hedging policy with its defaults', () => {
    const config = parseServiceConfig({ methodConfig: [{ name: [{}], hedgingPolicy: { maxAttempts: 3 } }] });
    assert.deepEqual(methodConfigFor(config, '/x.Y/Z')?.hedgingPolicy, { maxAttempts: 3, hedgingDelayMs: 0, nonFatalStatusCodes: new Set() });
  });

  it('finds the method entry first, then the service entry, then the default', () => {
    const config = parseServiceConfig({
      methodConfig: [
        { name: [{ service: 'a.S', method: 'M' }], timeout: '1s' },
        { name: [{ service: 'a.S' }], timeout: '2s' },
        { name: [{}], timeout: { seconds: 3, nanos: 500_000_000 } },
      ],
    });
    assert.equal(methodConfigFor(config, '/a.S/M')?.timeoutMs, 1000);
    assert.equal(methodConfigFor(config, '/a.S/N')?.timeoutMs, 2000);
    assert.equal(methodConfigFor(config, '/b.T/M')?.timeoutMs, 3500);
  });

  it('reads retryThrottling to three decimals', () => {
    assert.deepEqual(parseServiceConfig({ retryThrottling: { maxTokens: 10.12345, tokenRatio: 0.1 } }).retryThrottling, { maxTokens: 10.123, tokenRatio: 0.1 });
  });

  const bad: [string, unknown][] = [
    ['not JSON', '{'],
    ['not an object', '[]'],
    ['unknown policy only', { loadBalancingConfig: [{ weird: {} }] }],
    ['two policies in one entry', { loadBalancingConfig: [{ pick_first: {}, round_robin: {} }] }],
    ['retry and hedging together', { methodConfig: [{ name: [{}], retryPolicy: RETRY, hedgingPolicy: { maxAttempts: 2 } }] }],
    ['maxAttempts 1', { methodConfig: [{ name: [{}], retryPolicy: { ...RETRY, maxAttempts: 1 } }] }],
    ['backoff without s', { methodConfig: [{ name: [{}], retryPolicy: { ...RETRY, initialBackoff: '100ms' } }] }],
    ['zero backoff', { methodConfig: [{ name: [{}], retryPolicy: { ...RETRY, initialBackoff: '0s' } }] }],
    ['multiplier 0', { methodConfig: [{ name: [{}], retryPolicy: { ...RETRY, backoffMultiplier: 0 } }] }],
    ['no retryable codes', { methodConfig: [{ name: [{}], retryPolicy: { ...RETRY, retryableStatusCodes: [] } }] }],
    ['unknown code name', { methodConfig: [{ name: [{}], retryPolicy: { ...RETRY, retryableStatusCodes: ['NOPE'] } }] }],
    ['code out of range', { methodConfig: [{ name: [{}], retryPolicy: { ...RETRY, retryableStatusCodes: [17] } }] }],
    ['method without service', { methodConfig: [{ name: [{ method: 'M' }] }] }],
    ['name twice', { methodConfig: [{ name: [{ service: 's' }] }, { name: [{ service: 's' }] }] }],
    ['waitForReady not boolean', { methodConfig: [{ name: [{}], waitForReady: 'yes' }] }],
    ['maxTokens over 1000', { retryThrottling: { maxTokens: 1001, tokenRatio: 1 } }],
    ['tokenRatio 0', { retryThrottling: { maxTokens: 10, tokenRatio: 0 } }],
  ];
  for (const [name, input] of bad) {
    it(`refuses ${name} with a TypeError`, () => {
      assert.throws(() => parseServiceConfig(input as string | object), TypeError);
    });
  }
});

describe('parseDuration', () => {
  for (const [text, ms] of [['1s', 1000], ['0.5s', 500], ['0.001s', 1], ['120s', 120000]] as const) {
    it(`${text} = ${ms} ms`, () => assert.equal(parseDuration(text, 'x'), ms));
  }
});
