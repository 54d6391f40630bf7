// dns: targets as grpc-js resolves them: every A and AAAA record of the name (dns.lookup with all), resolved again
// when the client asks (a connection dropped) but never sooner than the minimum interval after the last resolution;
// a failed lookup is tried again on the connection-backoff schedule, as grpc-js retries it.

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ConnectionBackoff } from '../connection-backoff.js';
import type { Address } from './address.js';
import type { Resolver, ResolverListener, ResolverOptions } from './resolver.js';
import { DEFAULT_PORT, parseHostPort } from './target.js';
import type { ParsedTarget } from './target.js';

/** Resolves one `host[:port]`; an IP literal is reported as is, without a lookup. */
export class DnsResolver implements Resolver {
  private readonly host: string;
  private readonly port: number;
  private lastStart = 0;
  private pending: NodeJS.Timeout | undefined;
  private running = false;
  private closed = false;
  private readonly failures = new ConnectionBackoff();

  /** Throws TypeError for an endpoint that is not host[:port]. */
  constructor(target: ParsedTarget, private readonly listener: ResolverListener, private readonly options: ResolverOptions) {
    const hostPort = parseHostPort(target.endpoint, DEFAULT_PORT);
    if (hostPort === undefined) throw new TypeError(`dns target needs 'host[:port]', got '${target.endpoint}'`);
    this.host = hostPort.host;
    this.port = hostPort.port;
    this.resolve();
  }

  refresh(): void {
    if (this.closed || this.running || this.pending !== undefined || isIP(this.host) !== 0) return;
    const wait = this.lastStart + this.options.minTimeBetweenResolutionsMs - Date.now();
    if (wait <= 0) return this.resolve();
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.resolve();
    }, wait);
    // A pending re-resolution alone does not keep the process alive.
    this.pending.unref();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.pending);
  }

  private resolve(): void {
    this.lastStart = Date.now();
    if (isIP(this.host) !== 0) {
      const address: Address = { host: this.host, port: this.port };
      queueMicrotask(() => { if (!this.closed) this.listener.onAddresses([address]); });
      return;
    }
    this.running = true;
    lookup(this.host, { all: true }).then(
      (records) => {
        this.running = false;
        if (this.closed) return;
        if (records.length === 0) return this.fail(new Error(`DNS: no address for ${this.host}`));
        this.failures.reset();
        this.listener.onAddresses(records.map((record) => ({ host: record.address, port: this.port })));
      },
      (err: unknown) => {
        this.running = false;
        if (this.closed) return;
        this.fail(new Error(`DNS resolution of ${this.host} failed: ${(err as Error).message}`));
      },
    );
  }

  private fail(error: Error): void {
    this.listener.onError(error);
    clearTimeout(this.pending);
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.resolve();
    }, this.failures.nextDelay());
    this.pending.unref();
  }
}
