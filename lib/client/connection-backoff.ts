// How long to wait between connection attempts: gRPC's doc/connection-backoff.md. The first attempt after a reset
// waits INITIAL_BACKOFF; each later one MULTIPLIER times the previous base (capped at MAX_BACKOFF), jittered.
import { MAX_TIMER_DELAY } from '../timing/deadline-timer.js';

/** Reconnect backoff of a client; each field defaults to the spec's (and grpc-js's) value. */
export interface ReconnectBackoffOptions {
  /** Delay from the start of the first failed attempt to the next one (default 1000; grpc.initial_reconnect_backoff_ms). */
  initialMs?: number;
  /** Longest delay between attempts (default 120000; grpc.max_reconnect_backoff_ms). */
  maxMs?: number;
  /** Growth of the delay per failed attempt (default 1.6). */
  multiplier?: number;
  /** Random spread of each delay after the first, as a fraction of it (default 0.2 = +-20%). */
  jitter?: number;
  /** An attempt is abandoned after the larger of this and its delay (default 20000: the spec's MIN_CONNECT_TIMEOUT). */
  minConnectTimeoutMs?: number;
}

const DEFAULTS = { initialMs: 1000, maxMs: 120_000, multiplier: 1.6, jitter: 0.2, minConnectTimeoutMs: 20_000 };

function checkMs(name: string, value: number): number {
  if (typeof value !== 'number' || !(value > 0) || value > MAX_TIMER_DELAY) {
    throw new TypeError(`reconnectBackoff.${name} must be a number of milliseconds in (0, ${MAX_TIMER_DELAY}], got ${String(value)}`);
  }
  return value;
}

/** The delay sequence of one connection; reset() after a successful connect starts it over. */
export class ConnectionBackoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly multiplier: number;
  private readonly jitter: number;
  readonly minConnectTimeoutMs: number;
  /** The un-jittered delay of the last attempt; undefined when no attempt was made since the last reset. */
  private currentMs: number | undefined;

  /** Throws TypeError on a setting out of range, so a bad option fails at construction. */
  constructor(options: ReconnectBackoffOptions = {}, private readonly random: () => number = Math.random) {
    const settings = { ...DEFAULTS, ...options };
    this.maxMs = checkMs('maxMs', settings.maxMs);
    // A maxMs below the default initial delay caps the first delay too, rather than being refused.
    this.initialMs = Math.min(checkMs('initialMs', settings.initialMs), this.maxMs);
    this.minConnectTimeoutMs = checkMs('minConnectTimeoutMs', settings.minConnectTimeoutMs);
    if (typeof settings.multiplier !== 'number' || !(settings.multiplier >= 1) || settings.multiplier === Infinity) {
      throw new TypeError(`reconnectBackoff.multiplier must be a finite number >= 1, got ${String(settings.multiplier)}`);
    }
    if (typeof settings.jitter !== 'number' || !(settings.jitter >= 0 && settings.jitter <= 1)) {
      throw new TypeError(`reconnectBackoff.jitter must be a number in [0, 1], got ${String(settings.jitter)}`);
    }
    this.multiplier = settings.multiplier;
    this.jitter = settings.jitter;
  }

  /** The delay, from the start of the attempt starting now, before the next attempt may start. */
  nextDelay(): number {
    if (this.currentMs === undefined) {
      this.currentMs = this.initialMs;
      return this.initialMs;
    }
    // The spec grows the un-jittered value, so jitter never compounds across attempts.
    this.currentMs = Math.min(this.currentMs * this.multiplier, this.maxMs);
    const spread = this.jitter * this.currentMs;
    return Math.min(this.currentMs + spread * (2 * this.random() - 1), MAX_TIMER_DELAY);
  }

  /** How long the attempt starting now may take, given its delay. */
  connectTimeout(delayMs: number): number {
    return Math.max(delayMs, this.minConnectTimeoutMs);
  }

  reset(): void {
    this.currentMs = undefined;
  }
}
