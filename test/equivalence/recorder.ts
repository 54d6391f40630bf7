// What the server under test saw, call by call: metadata, deadline, requests read, cancellation.
// Servers run in the test process, so scenarios assert on this in-memory log directly.
import { setTimeout as delay } from 'node:timers/promises';
import type { ExampleCall, MetadataMap } from './example-service.js';

export interface CallRecord {
  readonly method: string;
  readonly tag: string;               // the request's `value`; '' for request streams
  readonly request: unknown;          // the request object as the handler got it; undefined for request streams
  readonly metadata: MetadataMap;
  readonly timeRemaining: number;     // ms left when the handler started; Infinity without a deadline
  received: number;                   // request messages read (request streams)
  finished: boolean;                  // the handler returned, threw or its reply stream ended
  cancelled: boolean;                 // the call's signal fired while the handler was running
}

export class Recorder {
  readonly calls: CallRecord[] = [];

  /** Opens a record for a call that just reached a handler. */
  begin(method: string, call: ExampleCall, tag: string, request?: unknown): CallRecord {
    const record: CallRecord = {
      method, tag, request, metadata: call.metadata, timeRemaining: call.timeRemaining,
      received: 0, finished: false, cancelled: false,
    };
    const onAbort = (): void => {
      if (!record.finished) record.cancelled = true;
    };
    if (call.signal.aborted) onAbort();
    else call.signal.addEventListener('abort', onAbort, { once: true });
    this.calls.push(record);
    return record;
  }

  /** Marks the record finished when the handler's promise settles. */
  async settle<T>(record: CallRecord, result: Promise<T>): Promise<T> {
    try {
      return await result;
    } finally {
      record.finished = true;
    }
  }

  /** The latest call of a method (with a tag, the latest with that tag). */
  last(method: string, tag?: string): CallRecord | undefined {
    return this.calls.findLast((c) => c.method === method && (tag === undefined || c.tag === tag));
  }

  /** Polls until a call matches, failing after timeoutMs with what was recorded. */
  async waitFor(predicate: (call: CallRecord) => boolean, timeoutMs = 2000): Promise<CallRecord> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.calls.find(predicate);
      if (found) return found;
      if (Date.now() > until) {
        const seen = this.calls.map(({ method, tag, received, finished, cancelled }) =>
          ({ method, tag, received, finished, cancelled }));
        throw new Error(`no recorded call matched within ${timeoutMs} ms; recorded: ${JSON.stringify(seen)}`);
      }
      await delay(5);
    }
  }
}
