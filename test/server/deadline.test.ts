// Tests for lib/server/deadline.ts: a served call's deadline, its one AbortSignal and the reason it was cancelled.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallDeadline, cancelledByClient, deadlineExceeded } from '../../lib/server/deadline.js';
import { Status } from '../../lib/protocol/status.js';

describe('CallDeadline', () => {
  it('without a timeout has no deadline and never expires', () => {
    const deadline = new CallDeadline();
    let expired = false;
    deadline.start(undefined, () => { expired = true; });
    assert.equal(deadline.deadline, undefined);
    assert.equal(expired, false);
    assert.equal(deadline.cancelled, false);
  });

  it('with a timeout already over expires at once, and the deadline is absolute', () => {
    const deadline = new CallDeadline();
    let expired = false;
    const before = Date.now();
    deadline.start(0, () => { expired = true; });
    assert.equal(expired, true);
    assert.ok(deadline.deadline! >= before && deadline.deadline! <= Date.now());
  });

  it('a far timeout gives a far deadline, and stop() keeps it from firing', () => {
    const deadline = new CallDeadline();
    deadline.start(60_000, () => assert.fail('stopped deadlines do not fire'));
    assert.ok(deadline.deadline! - Date.now() > 59_000);
    deadline.stop();
  });

  const orders: [string, boolean][] = [['a signal read before the cancel', true], ['a signal read after it', false]];
  for (const [when, readFirst] of orders) {
    it(`aborts ${when} with the first reason only`, () => {
      const deadline = new CallDeadline();
      const early = readFirst ? deadline.signal : undefined;
      deadline.cancel(deadlineExceeded());
      deadline.cancel(cancelledByClient());
      const signal = early ?? deadline.signal;
      assert.equal(deadline.cancelled, true);
      assert.equal(signal.aborted, true);
      assert.equal((signal.reason as { code: Status }).code, Status.DEADLINE_EXCEEDED);
      assert.equal(deadline.signal, signal, 'one signal per call');
    });
  }
});
