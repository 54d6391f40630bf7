// Server lifecycle and routing: listen errors, registration errors, UNIMPLEMENTED, graceful and forced close.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GrpcServer } from '../../lib/server/grpc-server.js';
import { Status } from '../../lib/protocol/status.js';
import { callUnary, delay, shapes, startHarness, withHarness } from './fixtures.js';

describe('GrpcServer', () => {
  it('reports a port in use as a startup error naming the address', async () => {
    await withHarness(startHarness({ Unary: () => ({}) }), async (harness) => {
      const second = new GrpcServer();
      await assert.rejects(second.listen(`127.0.0.1:${harness.port}`), (err: Error) => {
        assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${harness.port}`));
        assert.match(err.message, /EADDRINUSE/);
        return true;
      });
    });
  });

  it('rejects a handler for a method the service does not have', () => {
    const server = new GrpcServer();
    assert.throws(() => server.addService(shapes, { Missing: () => ({}) }), /servertest\.Shapes has no method named Missing/);
  });

  it('rejects a second handler for the same method', () => {
    const server = new GrpcServer();
    server.addService(shapes, { Unary: () => ({}) });
    assert.throws(() => server.addService(shapes, { Unary: () => ({}) }), /\/servertest\.Shapes\/Unary/);
  });

  it('answers a proto method without a handler with UNIMPLEMENTED', async () => {
    await withHarness(startHarness({ ServerStream: () => [] }), async (harness) => {
      const outcome = await callUnary(harness.client, {});
      assert.equal(outcome.status.code, Status.UNIMPLEMENTED);
      assert.match(outcome.status.details, /\/servertest\.Shapes\/Unary/);
    });
  });

  it('close() lets a call in flight finish', async () => {
    const harness = await startHarness({ Unary: async () => { await delay(150); return { text: 'late' }; } });
    const pending = callUnary(harness.client, {});
    await delay(50);
    const closed = harness.server.close();
    const outcome = await pending;
    await closed;
    harness.client.close();
    assert.equal(outcome.response?.text, 'late');
  });

  it('close({ force: true }) ends calls in flight at once', async () => {
    const harness = await startHarness({ Unary: () => new Promise(() => {}) });
    const pending = callUnary(harness.client, {}, { deadline: Date.now() + 5000 });
    await delay(50);
    await harness.server.close({ force: true });
    const outcome = await pending;
    harness.client.close();
    // As after grpc-js's forceShutdown (Nest's Transport.GRPC closing without gracefulShutdown).
    assert.deepEqual([outcome.status.code, outcome.status.details], [grpc.status.CANCELLED, 'Call cancelled']);
  });
});

describe('GrpcServer.close', () => {
  it('a forced close after a graceful one ends the calls the graceful one waits for', async () => {
    const harness = await startHarness({ Unary: () => new Promise(() => {}) });
    const pending = callUnary(harness.client, {}, { deadline: Date.now() + 5000 });
    await delay(50);
    const graceful = harness.server.close();
    await delay(50);
    await harness.server.close({ force: true });
    await graceful;
    const outcome = await pending;
    harness.client.close();
    assert.equal(outcome.status.code, grpc.status.CANCELLED);
  });
});
