// grpc-timeout header: encode a relative timeout, parse a received one.
// Follows PROTOCOL-HTTP2 "Timeout": 1-8 ASCII digits then one unit of H M S m u n.
import { GrpcError } from './grpc-error.js';
import { Status } from './status.js';

const MAX_TIMEOUT_VALUE = 99_999_999;
// Finest first: the encoder picks the first unit whose value fits in 8 digits.
const UNITS_FINEST_FIRST: readonly (readonly [unit: string, perMs: number])[] = [
  ['n', 1e6],
  ['u', 1e3],
  ['m', 1],
  ['S', 1 / 1e3],
  ['M', 1 / 60e3],
  ['H', 1 / 3600e3],
];
const MS_PER_UNIT: Readonly<Record<string, number>> = { H: 3600e3, M: 60e3, S: 1e3, m: 1, u: 1e-3, n: 1e-6 };
const TIMEOUT_PATTERN = /^(\d{1,8})([HMSmun])$/;

// Rounds up, but forgives float noise such as 0.001 * 1e6 = 1000.0000000000001.
function ceilish(amount: number): number {
  const rounded = Math.round(amount);
  return Math.abs(amount - rounded) < 1e-6 ? rounded : Math.ceil(amount);
}

/**
 * Encodes a relative timeout in ms, rounded up, in the finest unit that fits 8 digits (as grpc-go does).
 * `ms <= 0` (deadline already passed) encodes as '0n', as grpc-go sends and grpc-js's '0m' means: the server
 * sees an expired deadline and ends the call with DEADLINE_EXCEEDED at once. Beyond 99999999 hours (and
 * Infinity) clamps to '99999999H'; NaN is a caller bug and throws RangeError.
 */
export function encodeTimeout(ms: number): string {
  if (Number.isNaN(ms)) throw new RangeError('grpc-timeout must be a number of milliseconds, got NaN');
  if (ms <= 0) return '0n';
  for (const [unit, perMs] of UNITS_FINEST_FIRST) {
    const amount = ceilish(ms * perMs);
    if (amount <= MAX_TIMEOUT_VALUE) return `${amount}${unit}`;
  }
  return `${MAX_TIMEOUT_VALUE}H`;
}

/**
 * Parses a received grpc-timeout into ms (fractional for u and n).
 * A malformed value gets INTERNAL 'Invalid grpc-timeout value "<v>"', the code and text grpc-js's server
 * answers (server-interceptors.ts handleTimeoutHeader). grpc-js's DEADLINE_REGEX /(\d{1,8})\s*([HMSmun])/ is
 * unanchored; this one is anchored, so '123456789m' or '5m trailing' are refused rather than half-read.
 */
export function parseTimeout(value: string): number | GrpcError {
  const match = TIMEOUT_PATTERN.exec(value.trim());
  if (match === null) return new GrpcError(Status.INTERNAL, `Invalid grpc-timeout value "${value}"`);
  return Number(match[1]) * MS_PER_UNIT[match[2]!]!;
}
