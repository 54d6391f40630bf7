// One HTTP/2 connection to one address (a client's only one, or a balancer's subchannel) in gRPC's connectivity
// states (doc/connectivity-semantics-and-api.md): idle -> connecting -> ready. A failed attempt is a transient
// failure, retried after a backoff (doc/connection-backoff.md); a ready connection that drops goes idle and the
// next call reconnects (as grpc-js).

import { connect } from 'node:http2';
import type { ClientHttp2Stream, OutgoingHttpHeaders, SecureClientSessionOptions } from 'node:http2';
import type { GrpcError } from '../protocol/grpc-error.js';
import type { ConnectivityState } from './balancer/connectivity-state.js';
import type { CallChannel } from './call-channel.js';
import { ConnectionBackoff } from './connection-backoff.js';
import { DEFAULT_CONNECTION_WINDOW, sessionOptionsOf } from './connection-options.js';
import type { ConnectionOptions } from './connection-options.js';
import { CONNECTIVITY, connectTimeoutError, IDLE, shutdownError } from './connection-state.js';
import type { ConnectionState } from './connection-state.js';
import { grpcErrorFromConnectFailure, isStaleSessionError } from './node-errors.js';
import { ClientKeepalive } from './session-keepalive.js';
import { SessionSlot } from './session-slot.js';

/** A call waiting for a ready connection (waitForReady); the connection runs one of these, once. */
export interface ReadyWaiter {
  /** The connection is ready: open the stream now. */
  onReady(): void;
  /** The client was closed first. */
  onShutdown(error: GrpcError): void;
}

/**
 * Owns the sessions to one address (a client's only one, or one subchannel of a balancer); a session that is going
 * away stays alive for the calls still on it.
 */
export class Connection implements CallChannel {
  private state: ConnectionState = IDLE;
  private readonly live = new Set<SessionSlot>();
  private readonly waiters = new Set<ReadyWaiter>();
  private readonly backoff: ConnectionBackoff;
  private readonly sessionOptions: SecureClientSessionOptions;
  private readonly connectionWindow: number;
  private readonly onStateChange: ((connection: Connection) => void) | undefined;
  private readonly keepalive: ClientKeepalive;

  /** Throws TypeError on bad reconnectBackoff settings. */
  constructor(private readonly url: string, options: ConnectionOptions = {}) {
    this.sessionOptions = sessionOptionsOf(options);
    this.connectionWindow = options.connectionWindowSize ?? DEFAULT_CONNECTION_WINDOW;
    this.backoff = new ConnectionBackoff(options.reconnectBackoff);
    this.onStateChange = options.onStateChange;
    this.keepalive = new ClientKeepalive(options.keepalive);
  }

  /** gRPC's connectivity state of this connection. */
  get connectivity(): ConnectivityState {
    return CONNECTIVITY[this.state.kind];
  }

  /** Starts connecting if idle (grpc-js's getConnectivityState(true), a round_robin subchannel); else nothing. */
  connect(): void {
    if (this.state.kind === 'idle') this.startAttempt();
  }

  /** Why the last attempt failed, as the UNAVAILABLE a call would get; undefined unless in transient failure. */
  failure(): GrpcError | undefined {
    const state = this.state;
    return state.kind === 'transient-failure' ? grpcErrorFromConnectFailure(state.reason) : undefined;
  }

  /**
   * Opens a stream on the current session (connecting first if idle) and returns what `opened` makes of it and its
   * slot: the caller's own record of the open stream, with no pair in between. The caller must release the slot.
   * Throws UNAVAILABLE while the connection is in transient failure or closed.
   */
  request<T>(headers: OutgoingHttpHeaders, opened: (stream: ClientHttp2Stream, slot: SessionSlot) => T): T {
    let slot = this.current();
    let stream: ClientHttp2Stream;
    try {
      stream = slot.session.request(headers);
    } catch (err) {
      // A GOAWAY or close can land between our last event and this call: one fresh session, once.
      if (!isStaleSessionError(err)) throw err;
      this.onSessionGone(slot, err);
      slot = this.current();
      stream = slot.session.request(headers);
    }
    slot.acquire();
    return opened(stream, slot);
  }

  /**
   * True when a waitForReady call may go out now (ready; or closed, and request() fails it). Otherwise the call
   * waits for ready, an idle connection starts connecting, and stopWaiting() takes the call back.
   */
  waitForReady(waiter: ReadyWaiter): boolean {
    const kind = this.state.kind;
    if (kind === 'ready' || kind === 'closed') return true;
    this.waiters.add(waiter);
    // As grpc-js: waiting never brings an attempt forward; a connection in backoff retries when its timer fires.
    if (kind === 'idle') this.startAttempt();
    else this.holdProcessWhileWaiting();
    return false;
  }

  /** A call without waitForReady goes out at once, on a connecting session too (node:http2 holds it until connected). */
  admit(waiter: ReadyWaiter, waitForReady: boolean): boolean {
    return !waitForReady || this.waitForReady(waiter);
  }

  /** A waiting call ended first (deadline, cancel). */
  stopWaiting(waiter: ReadyWaiter): void {
    if (this.waiters.delete(waiter)) this.holdProcessWhileWaiting();
  }

  /**
   * No new call goes on this session; the calls on it run to their end. For a session node:http2 can no longer
   * send on correctly: a header block it refused locally was already entered in its HPACK table (RFC 7541 §2.3.2),
   * so the server would decode the next request's headers wrong.
   */
  retire(slot: SessionSlot): void {
    const state = this.state;
    if ((state.kind === 'ready' || state.kind === 'connecting') && state.slot === slot) {
      if (state.kind === 'connecting') clearTimeout(state.timeout);
      this.enter(IDLE);
    }
    slot.endWhenIdle();
  }

  /**
   * Stops new calls (they fail UNAVAILABLE), fails the calls waiting for ready, and closes every session. Graceful
   * by default: calls in flight run to completion, as on grpc-js's channel.close(). `force` destroys the sessions;
   * their calls end UNAVAILABLE.
   */
  close(force = false): Promise<void> {
    const state = this.state;
    if (state.kind === 'closed') return state.done;
    if (state.kind === 'connecting') clearTimeout(state.timeout);
    if (state.kind === 'transient-failure') clearTimeout(state.retry);
    const slots = [...this.live];
    const done = Promise.all(slots.map((slot) => slot.ended)).then(() => undefined);
    this.enter({ kind: 'closed', done });
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiting) waiter.onShutdown(shutdownError());
    for (const slot of slots) {
      if (force) slot.end();
      else slot.endWhenIdle();
    }
    return done;
  }

  private current(): SessionSlot {
    const state = this.state;
    switch (state.kind) {
      case 'ready':
      case 'connecting':
        return state.slot;
      case 'idle':
        return this.startAttempt();
      case 'transient-failure':
        // Fail fast without a new connect, as grpc-js's TRANSIENT_FAILURE picker does.
        throw grpcErrorFromConnectFailure(state.reason);
      case 'closed':
        throw shutdownError();
    }
  }

  private startAttempt(): SessionSlot {
    const delay = this.backoff.nextDelay();
    const session = connect(this.url, this.sessionOptions);
    const slot = new SessionSlot(session);
    this.live.add(slot);
    this.keepalive.watch(slot);
    const timeoutMs = this.backoff.connectTimeout(delay);
    const timeout = setTimeout(() => {
      this.onSessionGone(slot, connectTimeoutError(timeoutMs));
      slot.end();
    }, timeoutMs);
    this.enter({ kind: 'connecting', slot, retryAt: Date.now() + delay, timeout });
    this.holdProcessWhileWaiting();
    session.once('connect', () => {
      try {
        session.setLocalWindowSize(this.connectionWindow);
      } catch {
        // The session can be torn down between 'connect' and here; the next call reconnects anyway.
      }
    });
    // As grpc-js: connected means the server's SETTINGS arrived, not just TCP or TLS (a TLS server answering a
    // plaintext client, or a server that is not HTTP/2, accepts the socket and then drops it).
    session.once('remoteSettings', () => this.onReady(slot));
    // Streams see the error themselves; the listener keeps an 'error' from crashing the process.
    session.on('error', (err: unknown) => this.onSessionGone(slot, err));
    session.once('goaway', () => this.onSessionGone(slot, undefined));
    session.once('close', () => {
      this.onSessionGone(slot, undefined);
      this.live.delete(slot);
    });
    return slot;
  }

  private onReady(slot: SessionSlot): void {
    const state = this.state;
    if (state.kind !== 'connecting' || state.slot !== slot) return;
    clearTimeout(state.timeout);
    this.backoff.reset();
    this.enter({ kind: 'ready', slot });
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiting) waiter.onReady();
  }

  /** A ready session going away leaves the connection idle; a connecting one has failed its attempt. */
  private onSessionGone(slot: SessionSlot, error: unknown): void {
    const state = this.state;
    if (state.kind === 'ready' && state.slot === slot) {
      this.enter(IDLE);
    } else if (state.kind === 'connecting' && state.slot === slot) {
      clearTimeout(state.timeout);
      const retry = setTimeout(() => this.retry(), Math.max(0, state.retryAt - Date.now()));
      this.enter({ kind: 'transient-failure', reason: error, retry });
      this.holdProcessWhileWaiting();
    }
  }

  /** As grpc-js's pick-first: a connection in transient failure retries on its backoff until it connects or closes. */
  private retry(): void {
    if (this.state.kind === 'transient-failure') this.startAttempt();
  }

  private enter(state: ConnectionState): void {
    const changed = state.kind !== this.state.kind;
    this.state = state;
    if (changed) this.onStateChange?.(this);
  }

  /**
   * The attempt and backoff timers keep the process alive only while a call waits for ready, as a call in flight
   * would; otherwise they are unref'd (as grpc-js's backoff timer), like the idle session.
   */
  private holdProcessWhileWaiting(): void {
    const state = this.state;
    const timer = state.kind === 'connecting' ? state.timeout : state.kind === 'transient-failure' ? state.retry : undefined;
    if (this.waiters.size > 0) timer?.ref();
    else timer?.unref();
  }
}
