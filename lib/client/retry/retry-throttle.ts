// Retry throttling (gRFC A6 "Throttling Retry Attempts and Hedged RPCs"): a client-wide token count that failures
// take one from and successes give tokenRatio back to; retries and hedges go out only while it is above half.

/** The throttle of one client, shared by all its calls. */
export class RetryThrottle {
  private tokens: number;

  constructor(private readonly maxTokens: number, private readonly tokenRatio: number) {
    this.tokens = maxTokens;
  }

  /** A response with a retryable (or non-fatal) status, or a pushback. */
  recordFailure(): void {
    this.tokens = Math.max(0, this.tokens - 1);
  }

  recordSuccess(): void {
    this.tokens = Math.min(this.maxTokens, this.tokens + this.tokenRatio);
  }

  /** True while a further attempt may start. */
  allowsRetry(): boolean {
    return this.tokens > this.maxTokens / 2;
  }
}

/**
 * The request bytes held for retries by all calls of a client (grpc.retry_buffer_size): a call whose request does not
 * fit is not retried, as grpc-js commits it.
 */
export class RetryBuffer {
  private used = 0;

  constructor(private readonly limit: number) {}

  /** Holds `bytes` for a call; false when they do not fit (nothing is held then). */
  hold(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used -= bytes;
  }
}

/**
 * Delay before retry number `retry` (1 for the first retry): random in [0, min(initial * multiplier^(retry-1), max)),
 * as gRFC A6 says.
 */
export function retryDelay(policy: { readonly initialBackoffMs: number; readonly maxBackoffMs: number; readonly backoffMultiplier: number },
  retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.initialBackoffMs * policy.backoffMultiplier ** (retry - 1), policy.maxBackoffMs);
  return random() * ceiling;
}

/**
 * grpc-retry-pushback-ms from the server's trailers: a delay in ms, 'stop' for a value that forbids retrying
 * (negative or not a number), undefined when absent.
 */
export function parsePushback(values: readonly unknown[]): number | 'stop' | undefined {
  if (values.length === 0) return undefined;
  const text = values[0];
  if (typeof text !== 'string' || !/^\d+$/.test(text)) return 'stop';
  return Number(text);
}
