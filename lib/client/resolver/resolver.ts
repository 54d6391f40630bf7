// Name resolution (doc/naming.md): a resolver turns a target into addresses and tells its listener whenever they
// change. A user registers one for a scheme (Kubernetes endpoints, a registry); dns, ipv4, ipv6 and unix are built in.

import type { Address } from './address.js';
import { DnsResolver } from './dns-resolver.js';
import { parseIpList } from './target.js';
import type { ParsedTarget } from './target.js';

/** Where a resolver reports. Either may be called any number of times, from any tick. */
export interface ResolverListener {
  /** The full current list of addresses (replaces the previous one). */
  onAddresses(addresses: readonly Address[]): void;
  /** Resolution failed; the client keeps the addresses it had, or fails calls UNAVAILABLE when it has none. */
  onError(error: Error): void;
}

/** What a resolver is told by the client that owns it. */
export interface ResolverOptions {
  /** Shortest time between two resolutions (grpc.dns_min_time_between_resolutions_ms, default 30000). */
  readonly minTimeBetweenResolutionsMs: number;
}

/** A running resolution of one target; it starts resolving when created. */
export interface Resolver {
  /** A connection dropped or failed: resolve again soon (a resolver may wait out its minimum interval). */
  refresh(): void;
  /** The client closed: stop, and report nothing more. */
  close(): void;
}

/** Makes the resolver of one target of its scheme. */
export type ResolverFactory = (target: ParsedTarget, listener: ResolverListener, options: ResolverOptions) => Resolver;

/** Reports a fixed list once: ipv4:, ipv6: and unix: targets, and dns targets naming an IP literal. */
export class StaticResolver implements Resolver {
  private closed = false;

  constructor(addresses: readonly Address[], listener: ResolverListener) {
    queueMicrotask(() => { if (!this.closed) listener.onAddresses(addresses); });
  }

  refresh(): void {}

  close(): void {
    this.closed = true;
  }
}

const registry = new Map<string, ResolverFactory>([
  ['dns', (target, listener, options) => new DnsResolver(target, listener, options)],
  ['ipv4', (target, listener) => new StaticResolver(parseIpList('ipv4', target.endpoint), listener)],
  ['ipv6', (target, listener) => new StaticResolver(parseIpList('ipv6', target.endpoint), listener)],
  ['unix', (target, listener) => new StaticResolver([{ path: target.endpoint }], listener)],
]);

/** Routes targets `scheme:...` to `factory` for clients created from now on; replaces a resolver of that scheme. */
export function registerResolver(scheme: string, factory: ResolverFactory): void {
  if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) throw new TypeError(`Resolver scheme must be a lower-case URI scheme, got '${scheme}'`);
  registry.set(scheme, factory);
}

/** The factory for a scheme, if any. */
export function findResolver(scheme: string): ResolverFactory | undefined {
  return registry.get(scheme);
}

/** True when a resolver handles the scheme (target parsing needs it to tell `localhost:50051` from a scheme). */
export function hasResolver(scheme: string): boolean {
  return registry.has(scheme);
}
