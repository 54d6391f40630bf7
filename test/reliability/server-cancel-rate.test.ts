// A legitimate client that cancels many calls (issue 13): nghttp2's rapid-reset budget (1,000 RST_STREAMs, refilled
// at 33/s) would end its connection with GOAWAY INTERNAL_ERROR after (1000 / (rate - 33)) seconds and fail the calls
// in flight. Cancelling 400 calls a second for 5 s (2,000 resets, the budget gone after ~2.7 s) must keep working:
// the server moves the client to a new connection gracefully before the budget runs out.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { connect, constants } from 'node:http2';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import type { CallContext } from '../../lib/server/call-context.js';
import { callUnary, delay, startHarness } from '../server/fixtures.js';

const RATE = 400;
const SECONDS = 5;

describe('a client cancelling 400 calls per second', { timeout: 60_000 }, () => {
  it('sees only its own cancels, and its calls keep being answered', async () => {
    const harness = await startHarness({
      // Waits to be cancelled; the client cancels before any response header came, as a timed-out caller does.
      ServerStream: (_request: unknown, context: CallContext) => {
        return new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }));
      },
      Unary: () => ({ text: 'pong' }),
    });
    try {
      const codes = new Map<number, number>();
      const finished: Promise<void>[] = [];
      const start = Date.now();
      let started = 0;
      while (Date.now() - start < SECONDS * 1000) {
        const due = Math.floor(((Date.now() - start) / 1000) * RATE);
        for (; started < due; started++) {
          const call = harness.client['ServerStream']!({}) as unknown as grpc.ClientReadableStream<unknown>;
          call.on('error', () => {});
          call.on('data', () => {});
          setTimeout(() => call.cancel(), 20);
          finished.push(new Promise((resolve) => call.on('status', (status: grpc.StatusObject) => {
            codes.set(status.code, (codes.get(status.code) ?? 0) + 1);
            resolve();
          })));
        }
        await delay(5);
      }
      await Promise.all(finished);
      assert.deepEqual([...codes], [[grpc.status.CANCELLED, started]], `statuses: ${JSON.stringify([...codes])}`);
      assert.ok(started >= RATE * SECONDS * 0.9, `only ${started} calls`);
      const after = await callUnary(harness.client, { text: 'ping' });
      assert.equal(after.response?.text, 'pong');
    } finally {
      await harness.close();
    }
  });
});

describe('a rapid-reset attacker (HEADERS then RST_STREAM, 5,000 times as fast as it can)', { timeout: 60_000 }, () => {
  it('is cut off after about 1,000 resets, while another connection is served', async () => {
    let handled = 0;
    const harness = await startHarness({
      ServerStream: (_request: unknown, context: CallContext) => {
        handled += 1;
        return new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }));
      },
      Unary: () => ({ text: 'pong' }),
    });
    try {
      const session = connect(`http://127.0.0.1:${harness.port}`);
      session.on('error', () => {});
      const closed = once(session, 'close');
      const headers = { ':method': 'POST', ':path': '/servertest.Shapes/ServerStream', 'content-type': 'application/grpc', te: 'trailers' };
      for (let i = 0; i < 5_000 && !session.closed && !session.destroyed; i++) {
        const stream = session.request(headers);
        stream.on('error', () => {});
        stream.close(constants.NGHTTP2_CANCEL);
        if (i % 100 === 99) await delay(1);
      }
      await closed;
      assert.ok(handled < 1_200, `${handled} calls reached handlers`);
      const healthy = await callUnary(harness.client, { text: 'ping' });
      assert.equal(healthy.response?.text, 'pong');
    } finally {
      await harness.close();
    }
  });
});
