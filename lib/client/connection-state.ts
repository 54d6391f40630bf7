// A connection's states in gRPC's connectivity semantics (doc/connectivity-semantics-and-api.md), as a union
// whose members carry what each state holds; their public names; the errors a call meets in them.
import { GrpcError } from '../protocol/grpc-error.js';
import { Status } from '../protocol/status.js';
import { ConnectivityState } from './balancer/connectivity-state.js';
import type { SessionSlot } from './session-slot.js';

/** An attempt in progress: its session, and when the next may start should it fail. */
export interface Connecting {
  readonly kind: 'connecting';
  readonly slot: SessionSlot;
  /** When the next attempt may start should this one fail: the backoff runs from an attempt's start. */
  readonly retryAt: number;
  /** Abandons the attempt after the spec's connect timeout. */
  readonly timeout: NodeJS.Timeout;
}

/** idle -> connecting -> ready; a failed attempt -> transient-failure until its backoff ends; closed for good. */
export type ConnectionState =
  | { readonly kind: 'idle' }
  // Calls without waitForReady go out on a connecting session at once; node:http2 sends them once connected.
  | Connecting
  | { readonly kind: 'ready'; readonly slot: SessionSlot }
  // Until `retry` starts the next attempt, calls without waitForReady fail with the last attempt's error.
  | { readonly kind: 'transient-failure'; readonly reason: unknown; readonly retry: NodeJS.Timeout }
  | { readonly kind: 'closed'; readonly done: Promise<void> };

export const IDLE: ConnectionState = { kind: 'idle' };

/** The public name of each state (grpc-js's connectivityState). */
export const CONNECTIVITY: Readonly<Record<ConnectionState['kind'], ConnectivityState>> = {
  idle: ConnectivityState.IDLE,
  connecting: ConnectivityState.CONNECTING,
  ready: ConnectivityState.READY,
  'transient-failure': ConnectivityState.TRANSIENT_FAILURE,
  closed: ConnectivityState.SHUTDOWN,
};

export function shutdownError(): GrpcError {
  return new GrpcError(Status.UNAVAILABLE, 'Channel has been shut down');
}

export function connectTimeoutError(ms: number): Error {
  return Object.assign(new Error(`Connection attempt timed out after ${ms} ms`), { code: 'ETIMEDOUT' });
}
