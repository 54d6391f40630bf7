// One timer per call deadline, shared by the server (grpc-timeout received) and the client (grpc-timeout sent):
// deadlines may lie far beyond what one setTimeout can hold (PROTOCOL-HTTP2 "Timeout" allows 99999999 hours).

/** A running deadline; `clear()` when the call ends first. */
export interface DeadlineTimer {
  /** Epoch milliseconds. */
  readonly deadline: number;
  clear(): void;
}

/** The longest delay setTimeout honours: above it Node fires after 1 ms instead. */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/**
 * Calls `onExpire` once the clock passes `deadline` (epoch ms), re-arming in steps of MAX_TIMER_DELAY for far
 * deadlines. `keepAlive: false` unrefs the timer, so a pending deadline alone does not hold the process open.
 */
export function startDeadlineTimer(deadline: number, onExpire: () => void, keepAlive: boolean): DeadlineTimer {
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      timer = undefined;
      onExpire();
      return;
    }
    timer = setTimeout(arm, Math.min(Math.ceil(remaining), MAX_TIMER_DELAY));
    if (!keepAlive) timer.unref();
  };
  arm();
  return { deadline, clear: () => clearTimeout(timer) };
}
