// A channel over the addresses a resolver finds: one subchannel (a Connection, with its own backoff) per address, a
// policy that picks one per call, and the channel's connectivity state (doc/connectivity-semantics-and-api.md).
// Calls queue while nothing is ready, as grpc-js's picker queues; without waitForReady they fail once the channel fails.

import type { ClientHttp2Stream, OutgoingHttpHeaders } from 'node:http2';
import { GrpcError } from '../../protocol/grpc-error.js';
import { Status } from '../../protocol/status.js';
import { MAX_TIMER_DELAY } from '../../timing/deadline-timer.js';
import type { CallChannel } from '../call-channel.js';
import type { Connection, ReadyWaiter } from '../connection.js';
import { addressKey } from '../resolver/address.js';
import type { Address } from '../resolver/address.js';
import type { Resolver, ResolverListener } from '../resolver/resolver.js';
import type { SessionSlot } from '../session-slot.js';
import { ConnectivityState } from './connectivity-state.js';
import type { BalancingPolicy } from './policy.js';

/** What a BalancedChannel is built from. */
export interface BalancedChannelOptions {
  readonly policy: BalancingPolicy;
  /** Starts resolving (once, at the first call or connect) and reports to the listener. */
  startResolver(listener: ResolverListener): Resolver;
  /** A subchannel for an address; it must report its state changes to `onStateChange`. */
  createSubchannel(address: Address, onStateChange: () => void): Connection;
  /** Told when the channel's state changes. */
  onStateChange(state: ConnectivityState): void;
}

/** The channel of a client whose target resolves to any number of addresses. */
export class BalancedChannel implements CallChannel, ResolverListener {
  private subchannels: Connection[] = [];
  private readonly byAddress = new Map<string, Connection>();
  private resolver: Resolver | undefined;
  private resolutionError: Error | undefined;
  /** Queued calls, each with its waitForReady. */
  private readonly waiters = new Map<ReadyWaiter, boolean>();
  private keepAlive: NodeJS.Timeout | undefined;
  private state = ConnectivityState.IDLE;
  private wanted = false;
  private scheduled = false;
  private closed: Promise<void> | undefined;

  constructor(private readonly options: BalancedChannelOptions) {}

  get connectivity(): ConnectivityState {
    return this.state;
  }

  request<T>(headers: OutgoingHttpHeaders, opened: (stream: ClientHttp2Stream, slot: SessionSlot) => T): T {
    const subchannel = this.options.policy.pick(this.subchannels);
    if (subchannel !== undefined) return subchannel.request(headers, opened);
    throw this.unavailable();
  }

  admit(waiter: ReadyWaiter, waitForReady: boolean): boolean {
    if (this.closed !== undefined || this.hasReady()) return true;
    this.connect();
    // A failed channel fails calls without waitForReady at once (request() throws), as grpc-js's picker.
    if (this.state === ConnectivityState.TRANSIENT_FAILURE && !waitForReady) return true;
    this.waiters.set(waiter, waitForReady);
    // Keeps the process alive while calls wait for a subchannel, as a call in flight would: a timer that never fires.
    this.keepAlive ??= setInterval(() => {}, MAX_TIMER_DELAY);
    return false;
  }

  stopWaiting(waiter: ReadyWaiter): void {
    this.waiters.delete(waiter);
    this.releaseKeepAlive();
  }

  retire(slot: SessionSlot): void {
    for (const subchannel of this.subchannels) subchannel.retire(slot);
  }

  connect(): void {
    if (this.closed !== undefined) return;
    this.wanted = true;
    if (this.resolver === undefined) {
      this.resolver = this.options.startResolver(this);
      this.setState(ConnectivityState.CONNECTING);
    }
    this.schedule();
  }

  close(force: boolean): Promise<void> {
    if (this.closed !== undefined) return this.closed;
    this.resolver?.close();
    this.closed = Promise.all(this.subchannels.map((subchannel) => subchannel.close(force))).then(() => undefined);
    this.setState(ConnectivityState.SHUTDOWN);
    const waiting = [...this.waiters.keys()];
    this.waiters.clear();
    this.releaseKeepAlive();
    for (const waiter of waiting) waiter.onShutdown(new GrpcError(Status.UNAVAILABLE, 'Channel has been shut down'));
    return this.closed;
  }

  /** ResolverListener: the new address list; subchannels of addresses still listed are kept with their connections. */
  onAddresses(addresses: readonly Address[]): void {
    if (this.closed !== undefined) return;
    this.resolutionError = undefined;
    const next: Connection[] = [];
    const keys = new Set<string>();
    for (const address of addresses) {
      const key = addressKey(address);
      if (keys.has(key)) continue;
      keys.add(key);
      let subchannel = this.byAddress.get(key);
      if (subchannel === undefined) {
        subchannel = this.options.createSubchannel(address, () => this.onSubchannelChange(subchannel!));
        this.byAddress.set(key, subchannel);
      }
      next.push(subchannel);
    }
    for (const [key, subchannel] of this.byAddress) {
      if (keys.has(key)) continue;
      this.byAddress.delete(key);
      // Calls in flight on a removed address run to their end.
      void subchannel.close(false);
    }
    this.subchannels = next;
    this.schedule();
  }

  /** ResolverListener: keep the addresses we have; with none, the channel has failed. */
  onError(error: Error): void {
    if (this.closed !== undefined) return;
    this.resolutionError = error;
    if (this.subchannels.length === 0) this.schedule();
  }

  private onSubchannelChange(subchannel: Connection): void {
    const state = subchannel.connectivity;
    // A connection dropped or failed: the addresses may have changed (the resolver paces itself).
    if (state === ConnectivityState.IDLE || state === ConnectivityState.TRANSIENT_FAILURE) this.resolver?.refresh();
    this.schedule();
  }

  /** State changes come in bursts (a server going away drops every call's stream): settle them once per tick. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.reconcile();
    });
  }

  private reconcile(): void {
    if (this.closed !== undefined) return;
    let state: ConnectivityState;
    if (this.subchannels.length === 0) {
      state = this.resolutionError !== undefined ? ConnectivityState.TRANSIENT_FAILURE : this.state;
    } else {
      state = this.options.policy.update(this.subchannels, this.wanted || this.waiters.size > 0);
      // Sticky failure (as grpc-js): a channel that failed stays failed while its subchannels retry, until one is ready.
      if (this.state === ConnectivityState.TRANSIENT_FAILURE && state === ConnectivityState.CONNECTING) state = this.state;
    }
    // A connection asked for has been made (or the policy went idle): after a drop, pick_first waits for the next call, as grpc-js.
    if (state === ConnectivityState.READY || state === ConnectivityState.IDLE) this.wanted = false;
    this.setState(state);
    if (this.waiters.size === 0) return;
    const ready = this.hasReady();
    if (!ready && state !== ConnectivityState.TRANSIENT_FAILURE) return;
    for (const [waiter, waitForReady] of [...this.waiters]) {
      if (!ready && waitForReady) continue;
      this.waiters.delete(waiter);
      waiter.onReady();
    }
    this.releaseKeepAlive();
  }

  private hasReady(): boolean {
    for (const subchannel of this.subchannels) if (subchannel.connectivity === ConnectivityState.READY) return true;
    return false;
  }

  private setState(state: ConnectivityState): void {
    if (state === this.state) return;
    this.state = state;
    this.options.onStateChange(state);
  }

  private releaseKeepAlive(): void {
    if (this.waiters.size > 0 || this.keepAlive === undefined) return;
    clearInterval(this.keepAlive);
    this.keepAlive = undefined;
  }

  private unavailable(): GrpcError {
    if (this.closed !== undefined) return new GrpcError(Status.UNAVAILABLE, 'Channel has been shut down');
    for (const subchannel of this.subchannels) {
      const failure = subchannel.failure();
      if (failure !== undefined) return failure;
    }
    if (this.resolutionError !== undefined) return new GrpcError(Status.UNAVAILABLE, `Name resolution failed: ${this.resolutionError.message}`);
    return new GrpcError(Status.UNAVAILABLE, 'No connection ready');
  }
}
