// Tests for lib/protocol/timeout.ts: grpc-timeout encoding (unit choice, rounding) and parsing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';
import { encodeTimeout, parseTimeout } from '../../lib/protocol/timeout.js';

describe('encodeTimeout', () => {
  const cases: [number, string][] = [
    [0, '0n'],
    [-5, '0n'],
    [0.000001, '1n'],
    [0.0000001, '1n'],
    [0.001, '1000n'],
    [1, '1000000n'],
    [99.999999, '99999999n'],
    [100, '100000u'],
    [99_999.999, '99999999u'],
    [100_000, '100000m'],
    [100_000.2, '100001m'],
    [99_999_999, '99999999m'],
    [100_000_000, '100000S'],
    [100_000_001, '100001S'],
    [99_999_999_000, '99999999S'],
    [99_999_999_001, '1666667M'],
    [99_999_999 * 3_600_000, '99999999H'],
    [Number.MAX_VALUE, '99999999H'],
    [Infinity, '99999999H'],
  ];
  for (const [ms, expected] of cases) {
    it(`${ms} ms -> ${expected}`, () => assert.equal(encodeTimeout(ms), expected));
  }
  it('throws RangeError on NaN', () => assert.throws(() => encodeTimeout(Number.NaN), RangeError));

  it('never shortens a timeout and stays within one unit of it', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1e12, noNaN: true }), (ms) => {
        const encoded = encodeTimeout(ms);
        assert.match(encoded, /^\d{1,8}[HMSmun]$/);
        const parsed = parseTimeout(encoded);
        assert.equal(typeof parsed, 'number');
        const unitMs = { n: 1e-6, u: 1e-3, m: 1, S: 1e3, M: 60e3, H: 3600e3 }[encoded.slice(-1) as 'n'];
        assert.ok((parsed as number) >= ms * (1 - 1e-9), `${encoded} shorter than ${ms}`);
        assert.ok((parsed as number) - ms <= unitMs * (1 + 1e-9), `${encoded} too long for ${ms}`);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseTimeout', () => {
  const valid: [string, number][] = [
    ['1H', 3_600_000],
    ['2M', 120_000],
    ['3S', 3000],
    ['40m', 40],
    ['5u', 0.005],
    ['7n', 0.000007],
    ['0n', 0],
    ['99999999m', 99_999_999],
    ['00000001S', 1000],
    [' 10S ', 10_000],
  ];
  for (const [header, ms] of valid) {
    it(`${JSON.stringify(header)} -> ${ms} ms`, () => {
      const result = parseTimeout(header);
      assert.equal(typeof result, 'number');
      assert.ok(Math.abs((result as number) - ms) < 1e-12, `${String(result)} vs ${ms}`);
    });
  }

  for (const header of ['', '1', 'S', '123456789m', '1x', '1.5S', '-1S', '1 S', '1s', '5m trailing', '0x10m', '1Sm']) {
    it(`${JSON.stringify(header)} -> INTERNAL, as grpc-js answers`, () => {
      const result = parseTimeout(header);
      assert.ok(result instanceof GrpcError);
      assert.equal(result.code, Status.INTERNAL);
      assert.equal(result.message, `Invalid grpc-timeout value "${header}"`);
    });
  }
});
