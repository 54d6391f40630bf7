// What a call needs from its client's connections: one Connection for a single address, a BalancedChannel over
// many. The one-address case keeps the Connection itself, so its calls pay for no picking.

import type { OutgoingHttpHeaders, ClientHttp2Stream } from 'node:http2';
import type { ConnectivityState } from './balancer/connectivity-state.js';
import type { ReadyWaiter } from './connection.js';
import type { SessionSlot } from './session-slot.js';

/** Where calls open their streams. */
export interface CallChannel {
  /** gRPC's connectivity state of the whole channel. */
  readonly connectivity: ConnectivityState;
  /**
   * Opens a stream (see Connection.request); the caller must release the slot. Throws UNAVAILABLE when no
   * connection can take it.
   */
  request<T>(headers: OutgoingHttpHeaders, opened: (stream: ClientHttp2Stream, slot: SessionSlot) => T): T;
  /**
   * True when a call may open its stream now. Otherwise the waiter is queued until a connection is ready (or, when
   * `waitForReady` is false, until the channel fails, so the call fails fast); stopWaiting() takes it back.
   */
  admit(waiter: ReadyWaiter, waitForReady: boolean): boolean;
  stopWaiting(waiter: ReadyWaiter): void;
  /** No new call goes on the slot's session (see Connection.retire). */
  retire(slot: SessionSlot): void;
  /** Leaves IDLE: connect (grpc-js's getConnectivityState(true)). */
  connect(): void;
  close(force: boolean): Promise<void>;
}
