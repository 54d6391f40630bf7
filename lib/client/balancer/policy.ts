// The two load-balancing policies grpc-js ships (gRFC A52 names): pick_first, its default, sends every call to one
// connected address, trying them in the resolver's order; round_robin connects to all and rotates over the ready ones.

import type { Connection } from '../connection.js';
import { aggregateState, ConnectivityState } from './connectivity-state.js';

/** The policy names a service config or the client's options choose from. */
export type LoadBalancingPolicyName = 'pick_first' | 'round_robin';

/** One channel's policy: which subchannel takes a call, which ones connect. */
export interface BalancingPolicy {
  /** A ready subchannel for the next call, or undefined when none is ready. */
  pick(subchannels: readonly Connection[]): Connection | undefined;
  /**
   * The list or a subchannel's state changed: start the connections the policy wants and say the channel's state.
   * `wanted`: calls are waiting or a connection was asked for (pick_first connects only then).
   */
  update(subchannels: readonly Connection[], wanted: boolean): ConnectivityState;
}

/** Sticks to one ready subchannel; connects the next address only when the ones before it failed. */
export class PickFirst implements BalancingPolicy {
  private selected: Connection | undefined;

  pick(subchannels: readonly Connection[]): Connection | undefined {
    const selected = this.selected;
    // The common case, one connected address: no loop, nothing made.
    if (selected !== undefined && selected.connectivity === ConnectivityState.READY) return selected;
    this.selected = subchannels.find((subchannel) => subchannel.connectivity === ConnectivityState.READY);
    return this.selected;
  }

  update(subchannels: readonly Connection[], wanted: boolean): ConnectivityState {
    let idle: Connection | undefined;
    let failed = 0;
    for (const subchannel of subchannels) {
      const state = subchannel.connectivity;
      if (state === ConnectivityState.READY) return state;
      // One attempt at a time, in the resolver's order.
      if (state === ConnectivityState.CONNECTING) return state;
      if (state === ConnectivityState.IDLE) idle ??= subchannel;
      else failed++;
    }
    if (idle !== undefined && wanted) {
      idle.connect();
      return ConnectivityState.CONNECTING;
    }
    return idle !== undefined || failed === 0 ? ConnectivityState.IDLE : ConnectivityState.TRANSIENT_FAILURE;
  }
}

/** Keeps every address connected and hands calls to the ready ones in turn. */
export class RoundRobin implements BalancingPolicy {
  private next = 0;

  pick(subchannels: readonly Connection[]): Connection | undefined {
    const count = subchannels.length;
    for (let i = 0; i < count; i++) {
      const index = (this.next + i) % count;
      const subchannel = subchannels[index]!;
      if (subchannel.connectivity === ConnectivityState.READY) {
        this.next = index + 1;
        return subchannel;
      }
    }
    return undefined;
  }

  update(subchannels: readonly Connection[]): ConnectivityState {
    // A dropped connection goes idle; round_robin reconnects it at once (its backoff paces a server that stays down).
    for (const subchannel of subchannels) subchannel.connect();
    return aggregateState(subchannels.map((subchannel) => subchannel.connectivity));
  }
}

/** The policy object for a name. */
export function createPolicy(name: LoadBalancingPolicyName): BalancingPolicy {
  return name === 'round_robin' ? new RoundRobin() : new PickFirst();
}
