// gRPC's channel connectivity states (doc/connectivity-semantics-and-api.md), numbered as grpc-js's
// connectivityState enum so code written against a grpc-js channel reads the same numbers here.

/** The state of a client (channel) or of one of its subchannels. */
export enum ConnectivityState {
  IDLE = 0,
  CONNECTING = 1,
  READY = 2,
  TRANSIENT_FAILURE = 3,
  SHUTDOWN = 4,
}

/** The state of a policy's subchannels seen as one, as grpc-js's round_robin reports it: the best of them. */
export function aggregateState(states: Iterable<ConnectivityState>): ConnectivityState {
  let seen = 0;
  let best = ConnectivityState.TRANSIENT_FAILURE;
  for (const state of states) {
    seen++;
    if (state === ConnectivityState.READY) return state;
    if (state === ConnectivityState.CONNECTING) best = state;
    else if (state === ConnectivityState.IDLE && best !== ConnectivityState.CONNECTING) best = state;
  }
  return seen === 0 ? ConnectivityState.TRANSIENT_FAILURE : best;
}

/** Callbacks waiting for a state other than the one they saw (grpc-js's watchConnectivityState). */
export class StateWatchers {
  private readonly watchers = new Set<{ readonly from: ConnectivityState; readonly done: (error?: Error) => void; readonly timer: NodeJS.Timeout | undefined }>();

  /** Calls `done()` once the state differs from `from`, or `done(error)` at `deadline` (epoch ms or Date). */
  watch(current: ConnectivityState, from: ConnectivityState, deadline: Date | number, done: (error?: Error) => void): void {
    if (current !== from) {
      queueMicrotask(() => done());
      return;
    }
    const at = deadline instanceof Date ? deadline.getTime() : deadline;
    const watcher = {
      from,
      done,
      timer: at === Infinity ? undefined : setTimeout(() => {
        this.watchers.delete(watcher);
        done(new Error('Deadline passed without connectivity state change'));
      }, Math.max(0, at - Date.now())),
    };
    this.watchers.add(watcher);
  }

  /** The state is now `state`: every watcher that saw another one is told. */
  changed(state: ConnectivityState): void {
    for (const watcher of this.watchers) {
      if (watcher.from === state) continue;
      this.watchers.delete(watcher);
      clearTimeout(watcher.timer);
      watcher.done();
    }
  }
}
