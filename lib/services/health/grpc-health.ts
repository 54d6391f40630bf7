// The serving statuses a server reports through grpc.health.v1 (doc/health-checking.md): one per service name,
// '' for the server as a whole, set by the app at run time and watched by Health/Watch callers.
import { Observable } from 'rxjs';
import type { Subscriber } from 'rxjs';
import { GrpcError } from '../../protocol/grpc-error.js';
import { Status } from '../../protocol/status.js';

/** A status the app sets; `SERVICE_UNKNOWN` is only ever sent to a watcher of a name no one set. */
export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING';
export type WatchedStatus = ServingStatus | 'SERVICE_UNKNOWN';

const SERVING_STATUSES: ReadonlySet<string> = new Set<ServingStatus>(['UNKNOWN', 'SERVING', 'NOT_SERVING']);

/** Serving statuses by service name ('' = the whole server) and the streams watching them. */
export class GrpcHealth {
  readonly #statuses = new Map<string, ServingStatus>();
  readonly #watchers = new Map<string, Set<Subscriber<WatchedStatus>>>();
  #shuttingDown = false;

  /** Sets the status of `service` ('' for the whole server); ignored once shutdown() ran, so nothing reopens a closing server. */
  setStatus(service: string, status: ServingStatus): void {
    // Checked here, not when a Check encodes it: a typo would otherwise fail every probe instead of this call.
    if (!SERVING_STATUSES.has(status)) throw new TypeError(`Unknown serving status "${String(status)}": use ${[...SERVING_STATUSES].join(', ')}`);
    if (this.#shuttingDown) return;
    this.#set(service, status);
  }

  /** The status of `service`, or undefined when none was set (Check answers NOT_FOUND). */
  getStatus(service: string): ServingStatus | undefined {
    return this.#statuses.get(service);
  }

  /** Every status set, by service name. */
  get statuses(): ReadonlyMap<string, ServingStatus> {
    return this.#statuses;
  }

  /** Sets `status` for each name that has none yet; what the app already chose stands. */
  setDefault(services: Iterable<string>, status: ServingStatus): void {
    for (const service of services) {
      if (!this.#statuses.has(service)) this.setStatus(service, status);
    }
  }

  /**
   * The server is going away: every status becomes NOT_SERVING (watchers hear it at once), later updates are
   * ignored, and each Watch stream then ends with UNAVAILABLE so it cannot hold a graceful close open.
   */
  shutdown(): void {
    if (this.#shuttingDown) return;
    for (const service of this.#statuses.keys()) this.#set(service, 'NOT_SERVING');
    this.#shuttingDown = true;
    const closing = new GrpcError(Status.UNAVAILABLE, 'The server is shutting down');
    for (const watchers of this.#watchers.values()) {
      for (const watcher of [...watchers]) watcher.error(closing);
    }
  }

  /** The status of `service` now, then each change, until unsubscribed (Health/Watch). */
  watch(service: string): Observable<WatchedStatus> {
    return new Observable<WatchedStatus>((subscriber) => {
      subscriber.next(this.#statuses.get(service) ?? 'SERVICE_UNKNOWN');
      if (this.#shuttingDown) {
        subscriber.error(new GrpcError(Status.UNAVAILABLE, 'The server is shutting down'));
        return undefined;
      }
      let watchers = this.#watchers.get(service);
      if (watchers === undefined) {
        watchers = new Set();
        this.#watchers.set(service, watchers);
      }
      watchers.add(subscriber);
      return () => {
        watchers.delete(subscriber);
        if (watchers.size === 0 && this.#watchers.get(service) === watchers) this.#watchers.delete(service);
      };
    });
  }

  #set(service: string, status: ServingStatus): void {
    const previous = this.#statuses.get(service);
    this.#statuses.set(service, status);
    // The spec sends a Watch message only when the status changes.
    if (previous === status) return;
    for (const watcher of this.#watchers.get(service) ?? []) watcher.next(status);
  }
}
