// Which request metadata a served call hands on to the calls it makes, and the metadata key names of the context.
// Credentials never travel by pattern, only when named exactly: a forwarded token is a token leaked downstream.

import { randomUUID } from 'node:crypto';

/** Carries the call-id stack: call ids joined by ',', oldest first, this call's last. */
export const CALL_ID_STACK_KEY = 'x-call-id-stack';
/** Context data travels as `x-context-<name>`. */
export const CONTEXT_DATA_PREFIX = 'x-context-';

/** Forwarded unless configured otherwise: W3C trace context, the request id, and all context data. */
export const DEFAULT_FORWARDED_KEYS: readonly string[] = Object.freeze(['traceparent', 'tracestate', 'x-request-id', `${CONTEXT_DATA_PREFIX}*`]);
/** Always secret; `secret` adds to them. */
export const DEFAULT_SECRET_KEYS: readonly string[] = Object.freeze(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);

/** How a served call's context is built and what of it propagates. */
export interface RequestContextOptions {
  /**
   * Request metadata keys forwarded to outgoing calls: exact names, or prefixes ending in '*' ('x-tenant-*', '*').
   * Replaces the defaults: spread DEFAULT_FORWARDED_KEYS to keep them. A secret key is forwarded only when listed
   * here by its exact name.
   */
  forward?: readonly string[];
  /** More keys (or 'prefix*' patterns) holding credentials, beside DEFAULT_SECRET_KEYS. */
  secret?: readonly string[];
  /** How many call ids x-call-id-stack keeps, newest last (default 10, as nameko's parent calls tracked). */
  maxCallIdStack?: number;
  /** This call's id from its method path (default '<package.Service>.<Method>.<uuid>', as nameko's call ids). */
  createCallId?(path: string): string;
}

// Connection-level or recomputed per hop: never copied by a pattern, not even '*'.
const NOT_BY_PATTERN = new Set(['user-agent', CALL_ID_STACK_KEY]);
const DEFAULT_MAX_CALL_ID_STACK = 10;

interface KeyMatcher {
  readonly exact: ReadonlySet<string>;
  readonly prefixes: readonly string[];
}

function compile(patterns: readonly string[]): KeyMatcher {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const raw of patterns) {
    const pattern = raw.toLowerCase();
    if (pattern.endsWith('*')) prefixes.push(pattern.slice(0, -1));
    else exact.add(pattern);
  }
  return { exact, prefixes };
}

function matchesPrefix(matcher: KeyMatcher, key: string): boolean {
  for (const prefix of matcher.prefixes) if (key.startsWith(prefix)) return true;
  return false;
}

/** RequestContextOptions compiled once, at interceptor construction. */
export class PropagationPolicy {
  readonly maxCallIdStack: number;
  readonly createCallId: (path: string) => string;
  private readonly forward: KeyMatcher;
  private readonly secret: KeyMatcher;

  constructor(options: RequestContextOptions = {}) {
    const max = options.maxCallIdStack ?? DEFAULT_MAX_CALL_ID_STACK;
    if (!Number.isInteger(max) || max < 1) throw new TypeError(`maxCallIdStack must be a positive integer, got ${String(max)}`);
    this.maxCallIdStack = max;
    this.createCallId = options.createCallId ?? defaultCallId;
    this.forward = compile(options.forward ?? DEFAULT_FORWARDED_KEYS);
    this.secret = compile([...DEFAULT_SECRET_KEYS, ...(options.secret ?? [])]);
  }

  /** True when metadata under `key` (lowercase) goes on to outgoing calls. */
  forwards(key: string): boolean {
    if (this.forward.exact.has(key)) return true;
    if (NOT_BY_PATTERN.has(key) || this.isSecret(key)) return false;
    return matchesPrefix(this.forward, key);
  }

  /** True for credentials: the defaults and what `secret` adds. */
  isSecret(key: string): boolean {
    return this.secret.exact.has(key) || matchesPrefix(this.secret, key);
  }
}

function defaultCallId(path: string): string {
  // '/pkg.Service/Method' -> 'pkg.Service.Method.<uuid>'.
  return `${path.slice(1).replace('/', '.')}.${randomUUID()}`;
}

/** The call-id stack a request carries: every value of the key, split on ',' (node:http2 joins repeats with ', '). */
export function parseCallIdStack(values: readonly unknown[]): string[] {
  const stack: string[] = [];
  for (const value of values) {
    if (typeof value !== 'string') continue;
    for (const part of value.split(',')) {
      const id = part.trim();
      if (id.length > 0) stack.push(id);
    }
  }
  return stack;
}
