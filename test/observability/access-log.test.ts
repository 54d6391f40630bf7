// The access log: one structured entry per served call, with method, peer, status, duration, bytes and deadline.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccessLogEntry } from '../../lib/observability/access-log.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';
import { callUnary, delay, startHarness, withHarness } from '../server/fixtures.js';
import type { Item } from '../server/fixtures.js';

describe('access log', () => {
  it('logs each call once it ended: OK with sizes and deadline, and an error status with its message', async () => {
    const entries: AccessLogEntry[] = [];
    const handlers = {
      Unary: (req: Item) => {
        if (req.text === 'missing') throw new GrpcError(Status.NOT_FOUND, 'no such item');
        return { text: req.text };
      },
    };
    await withHarness(startHarness(handlers, { accessLog: { log: (entry) => entries.push(entry) } }), async (harness) => {
      const deadline = Date.now() + 60_000;
      await callUnary(harness.client, { text: 'hello' }, { deadline });
      await callUnary(harness.client, { text: 'missing' });
      for (let i = 0; i < 100 && entries.length < 2; i++) await delay(5);
      assert.equal(entries.length, 2);
      const [ok, missing] = entries as [AccessLogEntry, AccessLogEntry];
      assert.equal(ok.method, 'servertest.Shapes/Unary');
      assert.match(ok.peer, /^127\.0\.0\.1:\d+$/);
      assert.equal(ok.status, 'OK');
      assert.equal(ok.code, 0);
      assert.equal(ok.bytesIn, 7);
      assert.equal(ok.bytesOut, 7);
      assert.equal(ok.messagesIn, 1);
      assert.equal(ok.messagesOut, 1);
      assert.ok(ok.durationMs >= 0);
      // grpc-timeout travels in whole units: the server's deadline is within a second of the client's.
      assert.ok(Math.abs(Date.parse(ok.deadline!) - deadline) < 1000, ok.deadline);
      assert.equal(missing.status, 'NOT_FOUND');
      assert.equal(missing.message, 'no such item');
      assert.equal(missing.deadline, undefined);
      assert.equal(missing.bytesOut, 0);
    });
  });
});
