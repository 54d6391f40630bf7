// Client keepalive: a peer that stops answering (a frozen relay) is found by PINGs and the call on it fails
// UNAVAILABLE long before its deadline, for our client and grpc-js's with the same settings; too_many_pings backs off.
import * as grpc from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { GrpcServer } from '../../lib/server/grpc-server.js';
import type { CallContext } from '../../lib/server/call-context.js';
import { startRelay } from '../fixtures/freezable-relay.js';
import { callUnary, delay, shapes, startHarness } from '../server/fixtures.js';
import type { Item } from '../server/fixtures.js';

type ShapesStub = { Unary: { promise(request: Partial<Item>, options?: { deadline?: number }): Promise<Item> } };

// Answers only when the call is cancelled: the call ends by keepalive, or by its deadline if keepalive failed.
const heldUnary = (_request: never, context: CallContext): Promise<Partial<Item>> =>
  new Promise((resolve) => context.signal.addEventListener('abort', () => resolve({})));

async function outcomeOf(kind: 'ours' | 'grpc-js', port: number): Promise<number> {
  const keepalive = { keepaliveTimeMs: 200, keepaliveTimeoutMs: 200 };
  if (kind === 'ours') {
    const client = new GrpcClient(`127.0.0.1:${port}`, { keepalive });
    try {
      await client.getService<ShapesStub>(shapes).Unary.promise({}, { deadline: Date.now() + 8000 });
      return grpc.status.OK;
    } catch (error) {
      return error instanceof GrpcError ? error.code : -1;
    } finally {
      await client.close();
    }
  }
  const harness = await startHarness({});
  await harness.close();
  const GrpcJsClient = harness.client.constructor as new (address: string, credentials: grpc.ChannelCredentials, options: object) => typeof harness.client;
  const client = new GrpcJsClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(),
    { 'grpc.keepalive_time_ms': 200, 'grpc.keepalive_timeout_ms': 200 });
  try {
    return (await callUnary(client, {}, { deadline: Date.now() + 8000 })).status.code;
  } finally {
    client.close();
  }
}

describe('client keepalive', () => {
  for (const kind of ['ours', 'grpc-js'] as const) {
    it(`client=${kind}: a call on a peer that stops answering fails UNAVAILABLE, not at its deadline`, { timeout: 20_000 }, async () => {
      const server = new GrpcServer({ keepaliveMinTimeMs: 50 });
      server.addService(shapes, { Unary: heldUnary });
      const port = await server.listen('127.0.0.1:0');
      const relay = await startRelay(port);
      try {
        const outcome = outcomeOf(kind, relay.port);
        await delay(500);
        relay.freeze();
        assert.equal(await outcome, grpc.status.UNAVAILABLE);
      } finally {
        relay.stop();
        await server.close({ force: true });
      }
    });
  }

  it('an answering peer keeps the call open: it ends by its own deadline', { timeout: 20_000 }, async () => {
    const server = new GrpcServer({ keepaliveMinTimeMs: 50 });
    server.addService(shapes, { Unary: heldUnary });
    const port = await server.listen('127.0.0.1:0');
    const client = new GrpcClient(`127.0.0.1:${port}`, { keepalive: { keepaliveTimeMs: 100, keepaliveTimeoutMs: 100 } });
    try {
      const error = await client.getService<ShapesStub>(shapes).Unary.promise({}, { deadline: Date.now() + 1000 }).catch((err: unknown) => err);
      assert.equal((error as GrpcError).code, grpc.status.DEADLINE_EXCEEDED);
    } finally {
      await client.close();
      await server.close({ force: true });
    }
  });

  it('after GOAWAY too_many_pings the client pings half as often, so its next connection is kept', { timeout: 20_000 }, async () => {
    // PINGs 100 ms apart are strikes against a 150 ms minimum; doubled to 200 ms they are not.
    const server = new GrpcServer({ keepaliveMinTimeMs: 150 });
    server.addService(shapes, { Unary: async () => { await delay(700); return { text: 'ok' }; } });
    const port = await server.listen('127.0.0.1:0');
    let sessions = 0;
    server.http2Server!.on('session', () => { sessions++; });
    const client = new GrpcClient(`127.0.0.1:${port}`, { keepalive: { keepaliveTimeMs: 100, keepaliveTimeoutMs: 1000 } });
    try {
      const stub = client.getService<ShapesStub>(shapes);
      const outcomes: unknown[] = [];
      for (let i = 0; i < 4; i++) outcomes.push(await stub.Unary.promise({}).then((r) => r.text, (err: GrpcError) => err.code));
      // The first connection is sent away (its call may be cut); every later call runs on the second one.
      assert.deepEqual(outcomes.slice(1), ['ok', 'ok', 'ok']);
      assert.equal(sessions, 2);
    } finally {
      await client.close();
      await server.close({ force: true });
    }
  });
});
