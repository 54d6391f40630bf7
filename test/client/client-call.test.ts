// Call lifecycle against a grpc-js server: deadlines, unsubscribe-as-cancel, compression, large streamed responses.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { take } from 'rxjs';
import { GrpcClient } from '../../lib/client/grpc-client.js';
import { Status } from '../../lib/protocol/status.js';
import type { StatusInfo } from '../../lib/protocol/trailers.js';
import { startEchoServer } from './echo-server.js';
import type { EchoServer } from './echo-server.js';
import { CANCEL_SEEN_MS, SUITE_TIMEOUT_MS, TRANSFER_WAIT_MS, collect, echoService, grpcErrorOf, sleep, within } from './fixtures.js';
import type { EchoStub } from './fixtures.js';

describe('call lifecycle', { timeout: SUITE_TIMEOUT_MS }, () => {
  let server: EchoServer;
  let client: GrpcClient;
  let stub: EchoStub;

  before(async () => {
    server = await startEchoServer();
    client = new GrpcClient(server.address);
    stub = client.getService<EchoStub>(echoService);
  });
  after(async () => {
    await client.close();
    await server.stop();
  });

  it('timeout: DEADLINE_EXCEEDED locally, and the server sees the call cancelled', async () => {
    const callsBefore = server.calls.length;
    const started = Date.now();
    let status: StatusInfo | undefined;
    const err = await grpcErrorOf(stub.Unary.promise({ mode: 'hang' }, { timeout: 100, onStatus: (s) => { status = s; } }));
    assert.equal(err.code, Status.DEADLINE_EXCEEDED);
    assert.equal(err.message, 'Deadline exceeded');
    assert.equal(status?.code, Status.DEADLINE_EXCEEDED);
    assert.ok(Date.now() - started < 2000);
    // On a loaded machine the server may read the call's HEADERS only after the client's deadline passed.
    const until = Date.now() + CANCEL_SEEN_MS;
    while (server.calls.length === callsBefore && Date.now() < until) await sleep(10);
    const call = server.calls[callsBefore];
    assert.ok(call !== undefined, 'the server got the call');
    await within(CANCEL_SEEN_MS, call.cancelledSignal, 'server-side cancellation');
    // grpc-js parses our grpc-timeout into a deadline; it must lie within the timeout we gave.
    assert.ok(call.cancelled);
  });

  it('deadline (absolute) wins over a later timeout', async () => {
    const err = await grpcErrorOf(stub.Unary.promise({ mode: 'hang' }, { timeout: 60_000, deadline: new Date(Date.now() + 50) }));
    assert.equal(err.code, Status.DEADLINE_EXCEEDED);
  });

  it('a deadline already passed fails at once', async () => {
    const err = await grpcErrorOf(stub.Unary.promise({ text: 'x' }, { deadline: Date.now() - 1000 }));
    assert.equal(err.code, Status.DEADLINE_EXCEEDED);
  });

  it('a call well within its deadline succeeds', async () => {
    assert.equal((await stub.Unary.promise({ text: 'ok' }, { timeout: 5000 })).text, 'ok');
  });

  it('unsubscribe before the end cancels: the server sees cancelled, onStatus gets CANCELLED', async () => {
    let status: StatusInfo | undefined;
    const subscription = stub.Unary({ mode: 'hang' }, { onStatus: (s) => { status = s; } }).subscribe();
    await sleep(50);
    const call = server.calls.at(-1)!;
    assert.equal(call.cancelled, false);
    subscription.unsubscribe();
    await within(CANCEL_SEEN_MS, call.cancelledSignal, 'server-side cancellation');
    assert.equal(status?.code, Status.CANCELLED);
  });

  it('take(n) on a hanging server stream cancels it after n messages', async () => {
    const got = await collect(stub.ServerStream({ text: 'h', count: 3, mode: 'hang' }).pipe(take(2)));
    assert.deepEqual(got.map((r) => r.text), ['h-0', 'h-1']);
    await within(CANCEL_SEEN_MS, server.calls.at(-1)!.cancelledSignal, 'server-side cancellation');
  });

  for (const encoding of ['gzip', 'deflate'] as const) {
    it(`${encoding}: compressed requests, per call and as the client default`, async () => {
      const text = 'z'.repeat(10_000);
      assert.equal((await stub.Unary.promise({ text }, { compression: encoding })).text, text);
      const other = new GrpcClient(server.address, { defaultCompression: encoding });
      try {
        const otherStub = other.getService<EchoStub>(echoService);
        assert.equal((await otherStub.ClientStream.promise([{ text: 'a' }, { text }])).text, `a,${text}`);
        assert.equal((await otherStub.Unary.promise({ text: 'plain' }, { compression: 'identity' })).text, 'plain');
      } finally {
        await other.close();
      }
    });

    it(`${encoding}: compressed responses from a server that compresses`, async () => {
      const algorithm = encoding === 'gzip' ? 2 : 1;
      const zipping = await startEchoServer(0, { 'grpc.default_compression_algorithm': algorithm });
      const zclient = new GrpcClient(zipping.address);
      try {
        const zstub = zclient.getService<EchoStub>(echoService);
        const replies = await collect(zstub.ServerStream({ text: 'c', count: 3, size: 50_000 }));
        assert.deepEqual(replies.map((r) => r.payload.length), [50_000, 50_000, 50_000]);
        assert.equal(replies[2].payload[0], 2);
      } finally {
        await zclient.close();
        await zipping.stop();
      }
    });
  }

  it('8 MiB over a server stream (8 x 1 MiB), without window stalls', async () => {
    const started = Date.now();
    const replies = await within(TRANSFER_WAIT_MS, collect(stub.ServerStream({ text: 'big', count: 8, size: 1024 * 1024 })), 'large stream');
    assert.equal(replies.length, 8);
    assert.equal(replies.reduce((n, r) => n + r.payload.length, 0), 8 * 1024 * 1024);
    assert.ok(Date.now() - started < 5000);
  });

  it('a response over maxReceiveMessageLength fails RESOURCE_EXHAUSTED', async () => {
    const small = new GrpcClient(server.address, { maxReceiveMessageLength: 1000 });
    try {
      const err = await grpcErrorOf(small.getService<EchoStub>(echoService).Unary.promise({ size: 5000 }));
      assert.equal(err.code, Status.RESOURCE_EXHAUSTED);
    } finally {
      await small.close();
    }
  });

  it('a request over maxSendMessageLength fails RESOURCE_EXHAUSTED without reaching the server', async () => {
    const small = new GrpcClient(server.address, { maxSendMessageLength: 100 });
    try {
      const err = await grpcErrorOf(small.getService<EchoStub>(echoService).Unary.promise({ text: 'x'.repeat(500) }));
      assert.equal(err.code, Status.RESOURCE_EXHAUSTED);
      assert.equal(err.message, 'Attempted to send message with a size larger than 100');
    } finally {
      await small.close();
    }
  });
});
