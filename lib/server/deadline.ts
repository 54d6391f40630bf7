// A served call's end by time or by the client (PROTOCOL-HTTP2 "Timeout"): the grpc-timeout timer, whose clock
// starts when the request arrives, the one AbortSignal handlers listen on, and the reason the call was cancelled.
import { GrpcError } from '../protocol/grpc-error.js';
import { Status } from '../protocol/status.js';
import { startDeadlineTimer } from '../timing/deadline-timer.js';
import type { DeadlineTimer } from '../timing/deadline-timer.js';

/** The status of a call whose deadline passed. */
export function deadlineExceeded(): GrpcError {
  return new GrpcError(Status.DEADLINE_EXCEEDED, 'Deadline exceeded');
}

/** The status of a call whose client reset the stream or dropped the connection. */
export function cancelledByClient(): GrpcError {
  return new GrpcError(Status.CANCELLED, 'Cancelled by the client');
}

/** One call's deadline and cancellation: `cancel` once with the reason, `stop` when the call ends first. */
export class CallDeadline {
  #timer: DeadlineTimer | undefined;
  #abort: AbortController | undefined;
  #reason: GrpcError | undefined;

  /**
   * Starts the timer for `timeoutMs` (none when undefined); `onExpire` runs when it passes, and may run before
   * start() returns when the timeout is already over.
   */
  start(timeoutMs: number | undefined, onExpire: () => void): void {
    // The server keeps the process alive; a pending deadline alone should not.
    if (timeoutMs !== undefined) this.#timer = startDeadlineTimer(Date.now() + timeoutMs, onExpire, false);
  }

  /** Absolute deadline in epoch milliseconds, or undefined without one. */
  get deadline(): number | undefined {
    return this.#timer?.deadline;
  }

  get cancelled(): boolean {
    return this.#reason !== undefined;
  }

  /** Aborted with the cancel reason (a GrpcError) when the call is cancelled. */
  get signal(): AbortSignal {
    if (this.#abort === undefined) {
      // Created on first use: most calls finish without anyone listening for cancellation.
      this.#abort = new AbortController();
      if (this.#reason !== undefined) this.#abort.abort(this.#reason);
    }
    return this.#abort.signal;
  }

  /** Marks the call cancelled; the first reason stays. */
  cancel(reason: GrpcError): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#abort?.abort(reason);
  }

  /** The call ended: the timer will not fire. */
  stop(): void {
    this.#timer?.clear();
  }
}
