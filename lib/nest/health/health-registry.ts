// The GrpcHealth of each GrpcTransportStrategy serving grpc.health.v1 in this process, from just before it
// listens until it closes: how GrpcHealthService, built by Nest's container, reaches the strategy the app built.
import type { GrpcHealth } from '../../services/health/grpc-health.js';

const attached = new Set<GrpcHealth>();
const listeners = new Set<(health: GrpcHealth) => void>();

/** A strategy is about to listen with `health`: statuses the app already chose are applied to it first. */
export function attachHealth(health: GrpcHealth): void {
  attached.add(health);
  for (const listener of listeners) listener(health);
}

/** The strategy closed. */
export function detachHealth(health: GrpcHealth): void {
  attached.delete(health);
}

/** The health stores attached now. */
export function attachedHealth(): ReadonlySet<GrpcHealth> {
  return attached;
}

/** Calls `listener` for each store attached from now on; returns the unsubscribe. */
export function onHealthAttached(listener: (health: GrpcHealth) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
