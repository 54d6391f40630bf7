// What the probe handlers observed per call, keyed by the x-tag request header: messages read, replies sent,
// whether their AbortSignal fired and why. Tests wait on it with a bound, never on a bare sleep.
import type { CallContext } from '../../lib/server/call-context.js';

/** One handler invocation as the handler saw it. */
export interface CallRecord {
  readonly tag: string;
  messages: number;
  replies: number;
  /** The signal's reason once it fired; undefined while the call is live. */
  abortReason: unknown;
  aborted: boolean;
  /** A streaming handler ran its finally block. */
  finished: boolean;
}

/** Records handler activity and lets tests wait for a condition on one call. */
export class CallLog {
  readonly #records = new Map<string, CallRecord>();
  readonly #listeners = new Set<() => void>();

  /** Called by a handler as it starts; watches the call's AbortSignal. */
  begin(context: CallContext): CallRecord {
    const tag = String(context.metadata.get('x-tag')[0] ?? 'untagged');
    const record: CallRecord = { tag, messages: 0, replies: 0, abortReason: undefined, aborted: false, finished: false };
    this.#records.set(tag, record);
    context.signal.addEventListener('abort', () => {
      this.update(record, () => {
        record.aborted = true;
        record.abortReason = context.signal.reason;
      });
    }, { once: true });
    this.#notify();
    return record;
  }

  /** Applies `change` to `record` and wakes waiters. */
  update(record: CallRecord, change: () => void): void {
    change();
    this.#notify();
  }

  get(tag: string): CallRecord | undefined {
    return this.#records.get(tag);
  }

  /** Resolves with the record of `tag` once `predicate` holds; rejects after `timeoutMs`. */
  waitFor(tag: string, predicate: (record: CallRecord) => boolean, timeoutMs = 3000): Promise<CallRecord> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const record = this.#records.get(tag);
        if (record === undefined || !predicate(record)) return;
        stop();
        resolve(record);
      };
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`Call ${tag} did not reach the expected state within ${timeoutMs} ms: ${JSON.stringify(this.#records.get(tag))}`));
      }, timeoutMs);
      const stop = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      this.#listeners.add(check);
      check();
    });
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}
