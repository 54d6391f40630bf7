// One timer per call for grpc-timeout (PROTOCOL-HTTP2 "Timeout"): the clock starts when the request arrives.
import { startDeadlineTimer } from '../timing/deadline-timer.js';
import type { DeadlineTimer } from '../timing/deadline-timer.js';

export type { DeadlineTimer };

/** Starts a timer that calls `onExpire` once `timeoutMs` have passed. */
export function startDeadline(timeoutMs: number, onExpire: () => void): DeadlineTimer {
  // The server keeps the process alive; a pending deadline alone should not.
  return startDeadlineTimer(Date.now() + timeoutMs, onExpire, false);
}
