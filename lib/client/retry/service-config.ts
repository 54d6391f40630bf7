// The service config as grpc-js takes it in `grpc.service_config` (doc/service_config.md, gRFC A6): the
// load-balancing choice, per-method timeout, waitForReady, retry or hedging policy, and retry throttling.
// Validation follows grpc-js's service-config.ts; a bad config is a TypeError at client construction.

import { Status } from '../../protocol/status.js';
import type { LoadBalancingPolicyName } from '../balancer/policy.js';

/** gRFC A6: more attempts than this are treated as this many. */
const MAX_ATTEMPTS_LIMIT = 5;
const DURATION = /^\d+(\.\d{1,9})?s$/;

/** A retry policy with durations in milliseconds and codes as a set. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly backoffMultiplier: number;
  readonly retryableStatusCodes: ReadonlySet<Status>;
}

/** A hedging policy with its delay in milliseconds. */
export interface HedgingPolicy {
  readonly maxAttempts: number;
  readonly hedgingDelayMs: number;
  readonly nonFatalStatusCodes: ReadonlySet<Status>;
}

/** What a methodConfig entry says about the calls it names. */
export interface MethodConfig {
  readonly timeoutMs: number | undefined;
  readonly waitForReady: boolean | undefined;
  readonly retryPolicy: RetryPolicy | undefined;
  readonly hedgingPolicy: HedgingPolicy | undefined;
}

/** A validated service config. */
export interface ServiceConfig {
  /** The first policy of loadBalancingConfig this client has (or loadBalancingPolicy); undefined: the default. */
  readonly loadBalancingPolicy: LoadBalancingPolicyName | undefined;
  /** Keyed '/service/method', '/service/' (every method of it) and '' (every method). */
  readonly methods: ReadonlyMap<string, MethodConfig>;
  readonly retryThrottling: { readonly maxTokens: number; readonly tokenRatio: number } | undefined;
}

function fail(message: string): never {
  throw new TypeError(`Invalid service config: ${message}`);
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what} must be an object`);
  return value as Record<string, unknown>;
}

/** A protobuf JSON Duration ('0.5s') in milliseconds. */
export function parseDuration(value: unknown, what: string): number {
  if (typeof value !== 'string' || !DURATION.test(value)) fail(`${what} must be a duration like "0.5s", got ${JSON.stringify(value)}`);
  return Number(value.slice(0, -1)) * 1000;
}

function parseCodes(value: unknown, what: string): Set<Status> {
  if (!Array.isArray(value)) fail(`${what} must be an array of status codes`);
  return new Set(value.map((code: unknown) => {
    if (typeof code === 'number' && Number.isInteger(code) && code >= 0 && code <= 16) return code as Status;
    if (typeof code === 'string' && code.toUpperCase() in Status && Number.isNaN(Number(code))) {
      return Status[code.toUpperCase() as keyof typeof Status];
    }
    return fail(`${what} has ${JSON.stringify(code)}, not a status code`);
  }));
}

function parseAttempts(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 2) fail(`${what}.maxAttempts must be an integer at least 2`);
  return Math.min(value, MAX_ATTEMPTS_LIMIT);
}

function parseRetryPolicy(value: unknown): RetryPolicy {
  const policy = record(value, 'retryPolicy');
  const multiplier = policy['backoffMultiplier'];
  if (typeof multiplier !== 'number' || !(multiplier > 0)) fail('retryPolicy.backoffMultiplier must be a number greater than 0');
  const codes = parseCodes(policy['retryableStatusCodes'], 'retryPolicy.retryableStatusCodes');
  if (codes.size === 0) fail('retryPolicy.retryableStatusCodes must not be empty');
  const initialBackoffMs = parseDuration(policy['initialBackoff'], 'retryPolicy.initialBackoff');
  const maxBackoffMs = parseDuration(policy['maxBackoff'], 'retryPolicy.maxBackoff');
  if (!(initialBackoffMs > 0) || !(maxBackoffMs > 0)) fail('retryPolicy backoffs must be greater than 0');
  return { maxAttempts: parseAttempts(policy['maxAttempts'], 'retryPolicy'), initialBackoffMs, maxBackoffMs, backoffMultiplier: multiplier, retryableStatusCodes: codes };
}

function parseHedgingPolicy(value: unknown): HedgingPolicy {
  const policy = record(value, 'hedgingPolicy');
  return {
    maxAttempts: parseAttempts(policy['maxAttempts'], 'hedgingPolicy'),
    hedgingDelayMs: policy['hedgingDelay'] === undefined ? 0 : parseDuration(policy['hedgingDelay'], 'hedgingPolicy.hedgingDelay'),
    nonFatalStatusCodes: policy['nonFatalStatusCodes'] === undefined ? new Set() : parseCodes(policy['nonFatalStatusCodes'], 'hedgingPolicy.nonFatalStatusCodes'),
  };
}

function parseTimeout(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'object' && value !== null) {
    const { seconds, nanos } = value as { seconds?: unknown; nanos?: unknown };
    if (typeof seconds !== 'number' || typeof nanos !== 'number') fail('methodConfig.timeout needs numeric seconds and nanos');
    return seconds * 1000 + nanos / 1e6;
  }
  return parseDuration(value, 'methodConfig.timeout');
}

function nameKeys(value: unknown): string[] {
  if (!Array.isArray(value)) fail('methodConfig.name must be an array');
  return value.map((entry: unknown) => {
    const name = record(entry, 'methodConfig.name entry');
    const service = name['service'] ?? '';
    const method = name['method'] ?? '';
    if (typeof service !== 'string' || typeof method !== 'string') fail('methodConfig.name service and method must be strings');
    if (service === '' && method !== '') fail('methodConfig.name has a method without a service');
    return service === '' ? '' : `/${service}/${method}`;
  });
}

function parseMethodConfig(value: unknown): { keys: string[]; config: MethodConfig } {
  const entry = record(value, 'methodConfig entry');
  if (entry['retryPolicy'] !== undefined && entry['hedgingPolicy'] !== undefined) fail('retryPolicy and hedgingPolicy cannot both be set');
  const waitForReady = entry['waitForReady'];
  if (waitForReady !== undefined && typeof waitForReady !== 'boolean') fail('methodConfig.waitForReady must be a boolean');
  return {
    keys: nameKeys(entry['name']),
    config: {
      timeoutMs: parseTimeout(entry['timeout']),
      waitForReady,
      retryPolicy: entry['retryPolicy'] === undefined ? undefined : parseRetryPolicy(entry['retryPolicy']),
      hedgingPolicy: entry['hedgingPolicy'] === undefined ? undefined : parseHedgingPolicy(entry['hedgingPolicy']),
    },
  };
}

function parseLoadBalancing(config: Record<string, unknown>): LoadBalancingPolicyName | undefined {
  const list = config['loadBalancingConfig'];
  if (list !== undefined) {
    if (!Array.isArray(list)) fail('loadBalancingConfig must be an array');
    for (const item of list) {
      const keys = Object.keys(record(item, 'loadBalancingConfig entry'));
      if (keys.length !== 1) fail('each loadBalancingConfig entry names exactly one policy');
      // As grpc-js: the first policy this client knows wins; later ones are fallbacks.
      if (keys[0] === 'pick_first' || keys[0] === 'round_robin') return keys[0];
    }
    if (list.length > 0) fail(`no supported policy in loadBalancingConfig (pick_first, round_robin)`);
  }
  const name = config['loadBalancingPolicy'];
  if (name === undefined) return undefined;
  if (typeof name !== 'string') fail('loadBalancingPolicy must be a string');
  const lower = name.toLowerCase();
  if (lower !== 'pick_first' && lower !== 'round_robin') fail(`unsupported loadBalancingPolicy '${name}'`);
  return lower;
}

/** Validates a service config given as JSON text or as the parsed object. Throws TypeError. */
export function parseServiceConfig(input: string | object): ServiceConfig {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (err) {
      fail(`not JSON (${(err as Error).message})`);
    }
  }
  const config = record(value, 'the service config');
  const methods = new Map<string, MethodConfig>();
  const methodConfig = config['methodConfig'] ?? [];
  if (!Array.isArray(methodConfig)) fail('methodConfig must be an array');
  for (const entry of methodConfig) {
    const { keys, config: parsed } = parseMethodConfig(entry);
    for (const key of keys) {
      if (methods.has(key)) fail(`two methodConfig entries name '${key || '(default)'}'`);
      methods.set(key, parsed);
    }
  }
  let retryThrottling: ServiceConfig['retryThrottling'];
  if (config['retryThrottling'] !== undefined) {
    const throttling = record(config['retryThrottling'], 'retryThrottling');
    const { maxTokens, tokenRatio } = throttling;
    if (typeof maxTokens !== 'number' || !(maxTokens > 0 && maxTokens <= 1000)) fail('retryThrottling.maxTokens must be a number in (0, 1000]');
    if (typeof tokenRatio !== 'number' || !(tokenRatio > 0)) fail('retryThrottling.tokenRatio must be a number greater than 0');
    // As grpc-js: three decimal places.
    retryThrottling = { maxTokens: +maxTokens.toFixed(3), tokenRatio: +tokenRatio.toFixed(3) };
  }
  return { loadBalancingPolicy: parseLoadBalancing(config), methods, retryThrottling };
}

/** The entry for a method path ('/pkg.Service/Method'): the method's own, else its service's, else the default. */
export function methodConfigFor(config: ServiceConfig, path: string): MethodConfig | undefined {
  const exact = config.methods.get(path);
  if (exact !== undefined) return exact;
  return config.methods.get(path.slice(0, path.lastIndexOf('/') + 1)) ?? config.methods.get('');
}
