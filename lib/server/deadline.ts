// One timer per call for grpc-timeout (PROTOCOL-HTTP2 "Timeout"): the clock starts when the request arrives.

/** A running deadline; `clear()` when the call ends first. */
export interface DeadlineTimer {
  readonly deadline: number;
  clear(): void;
}

// setTimeout fires at once for delays above 2^31-1 ms, and grpc-timeout allows 99999999 hours.
const MAX_TIMER_DELAY = 2 ** 31 - 1;

/** Starts a timer that calls `onExpire` once `timeoutMs` have passed. */
export function startDeadline(timeoutMs: number, onExpire: () => void): DeadlineTimer {
  const deadline = Date.now() + timeoutMs;
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      onExpire();
      return;
    }
    timer = setTimeout(arm, Math.min(Math.ceil(remaining), MAX_TIMER_DELAY));
    // The server keeps the process alive; a pending deadline alone should not.
    timer.unref();
  };
  arm();
  return { deadline, clear: () => clearTimeout(timer) };
}
