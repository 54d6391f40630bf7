// What a handler's CallContext gives and takes: metadata both ways, status, peer, deadline, cancellation.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { describe, it } from 'node:test';
import { encodeFrame } from '../../lib/protocol/framing.js';
import type { CallContext } from '../../lib/server/call-context.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';
import { callUnary, collectStream, delay, shapes, startHarness, withHarness } from './fixtures.js';

describe('call context', () => {
  it('gives the invocation metadata, text and -bin, without reserved headers', async () => {
    let seen: CallContext | undefined;
    await withHarness(startHarness({ Unary: (_req, ctx) => { seen = ctx; return {}; } }), async (harness) => {
      const metadata = new grpc.Metadata();
      metadata.set('x-text', 'hello');
      metadata.set('x-raw-bin', Buffer.from([0, 1, 255]));
      await callUnary(harness.client, {}, {}, metadata);
      assert.deepEqual(seen!.metadata.get('x-text'), ['hello']);
      assert.deepEqual(seen!.metadata.get('x-raw-bin'), [Buffer.from([0, 1, 255])]);
      for (const key of seen!.metadata.keys()) {
        assert.ok(!key.startsWith('grpc-') && !key.startsWith(':') && key !== 'te' && key !== 'content-type', key);
      }
    });
  });

  it('sends initial and trailing metadata', async () => {
    await withHarness(startHarness({
      Unary: (_req, ctx) => {
        ctx.sendMetadata({ 'x-initial': 'one', 'x-initial-bin': Buffer.from('init') });
        ctx.setTrailingMetadata({ 'x-trailing': 'two' });
        return { text: 'ok' };
      },
    }), async (harness) => {
      const outcome = await callUnary(harness.client, {});
      assert.deepEqual(outcome.headers?.get('x-initial'), ['one']);
      assert.deepEqual(outcome.headers?.get('x-initial-bin'), [Buffer.from('init')]);
      assert.deepEqual(outcome.status.metadata.get('x-trailing'), ['two']);
    });
  });

  it('sendMetadata after the first message is an error the handler sees', async () => {
    let thrown: unknown;
    const harness = await startHarness({
      ServerStream: async function* (_req, ctx) {
        yield { text: 'first' };
        try { ctx.sendMetadata({ 'x-late': 'no' }); } catch (err) { thrown = err; }
      },
    });
    try {
      const outcome = await collectStream(harness.client['ServerStream']!({}));
      assert.equal(outcome.status.code, 0);
      assert.ok(thrown instanceof Error);
    } finally {
      await harness.close();
    }
  });

  it('a status set through the context ends the call after the messages already sent', async () => {
    await withHarness(startHarness({
      ServerStream: async function* (_req, ctx) {
        yield { text: 'a' };
        yield { text: 'b' };
        ctx.setCode(Status.RESOURCE_EXHAUSTED);
        ctx.setMessage('Out of tokens!');
        ctx.setTrailingMetadata({ 'x-why': 'tokens' });
      },
    }), async (harness) => {
      const outcome = await collectStream(harness.client['ServerStream']!({}));
      assert.deepEqual(outcome.responses.map((r) => r.text), ['a', 'b']);
      assert.equal(outcome.status.code, Status.RESOURCE_EXHAUSTED);
      assert.equal(outcome.status.details, 'Out of tokens!');
      assert.deepEqual(outcome.status.metadata.get('x-why'), ['tokens']);
    });
  });

  it('a unary handler that sets an error code sends no message', async () => {
    await withHarness(startHarness({
      Unary: (_req, ctx) => { ctx.setCode(Status.NOT_FOUND); ctx.setMessage('no such item'); return { text: 'ignored' }; },
    }), async (harness) => {
      const outcome = await callUnary(harness.client, {});
      assert.equal(outcome.status.code, Status.NOT_FOUND);
      assert.equal(outcome.status.details, 'no such item');
      assert.equal(outcome.response, undefined);
    });
  });

  it('knows the peer address and the deadline', async () => {
    let seen: { peer: string; deadline: number | undefined; remaining: number } | undefined;
    await withHarness(startHarness({
      Unary: (_req, ctx) => { seen = { peer: ctx.peer, deadline: ctx.deadline, remaining: ctx.timeRemaining() }; return {}; },
    }), async (harness) => {
      const before = Date.now();
      await callUnary(harness.client, {}, { deadline: before + 5000 });
      assert.match(seen!.peer, /^127\.0\.0\.1:\d+$/);
      assert.ok(seen!.deadline! > before && seen!.deadline! <= before + 5100, `deadline ${seen!.deadline}`);
      assert.ok(seen!.remaining > 0 && seen!.remaining <= 5100);
      await callUnary(harness.client, {});
      assert.equal(seen!.deadline, undefined);
      assert.equal(seen!.remaining, Infinity);
    });
  });

  it('at the deadline the client gets DEADLINE_EXCEEDED and the handler signal fires', async () => {
    let reason: unknown;
    const harness = await startHarness({
      Unary: (_req, ctx) => new Promise((resolve) => {
        ctx.signal.addEventListener('abort', () => { reason = ctx.signal.reason; resolve({}); });
      }),
    });
    // A raw peer with no timer of its own: a grpc-js client's deadline starts first and races the server's,
    // so its RST_STREAM CANCEL may fire the signal before the server's own deadline does.
    const session = connect(`http://127.0.0.1:${harness.port}`);
    try {
      const stream = session.request({
        ':method': 'POST', ':path': shapes.methods.get('Unary')!.path,
        'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '100m',
      });
      stream.end(encodeFrame(Buffer.alloc(0), false));
      const status = await new Promise<unknown>((resolve) => {
        stream.on('response', (headers) => resolve(headers['grpc-status']));
        stream.resume();
      });
      assert.equal(status, String(Status.DEADLINE_EXCEEDED));
      await delay(50);
      assert.ok(reason instanceof GrpcError);
      assert.equal(reason.code, Status.DEADLINE_EXCEEDED);
    } finally {
      session.destroy();
      await harness.close();
    }
  });

  it('a client cancel fires the signal and marks the call cancelled', { timeout: 5000 }, async () => {
    let context: CallContext | undefined;
    let markAborted: (reason: unknown) => void = () => {};
    const aborted = new Promise<unknown>((resolve) => { markAborted = resolve; });
    const harness = await startHarness({
      ServerStream: (_req, ctx) => {
        context = ctx;
        ctx.signal.addEventListener('abort', () => markAborted(ctx.signal.reason));
        return new Promise(() => {});
      },
    });
    try {
      const call = harness.client['ServerStream']!({});
      call.on('error', () => {});
      await delay(50);
      call.cancel();
      const reason = await aborted;
      assert.ok(reason instanceof GrpcError);
      assert.equal(reason.code, Status.CANCELLED);
      assert.equal(context!.cancelled, true);
    } finally {
      await harness.close();
    }
  });
});
