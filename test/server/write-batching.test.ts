// Streamed responses written in one tick go out framed together: what the client reads must be exactly the
// messages written, in order, whatever their sizes, and a failure mid-batch must not cost the messages before it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Observable } from 'rxjs';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';
import type { ServerHandler } from '../../lib/server/call-context.js';
import type { ServerOptions } from '../../lib/server/grpc-server.js';
import { COPIES } from '../../lib/server/response-writer.js';
import { collectStream, delay, startHarness, withHarness } from './fixtures.js';
import type { Item, StreamOutcome } from './fixtures.js';

const LARGE = 100 * 1024;

/** Message i: its number as text and count, and every 97th a large blob filled with i's low byte. */
function item(i: number): Partial<Item> {
  return { text: `m${i}`, count: i, blob: i % 97 === 0 ? Buffer.alloc(LARGE, i & 0xff) : Buffer.alloc(0) };
}

/** Copies of large bytes fields still waiting for the stream to write them, after up to two seconds. */
async function unreleasedCopies(): Promise<number> {
  for (let waited = 0; COPIES.unreleased > 0 && waited < 2_000; waited += 20) await delay(20);
  return COPIES.unreleased;
}

/** One ServerStream call to a server answering with `handler`; copies still held are counted before it closes. */
async function streamFrom(handler: ServerHandler, options?: ServerOptions): Promise<StreamOutcome & { unreleased: number }> {
  return withHarness(startHarness({ ServerStream: handler }, options), async (harness) => {
    const outcome = await collectStream(harness.client['ServerStream']!({}));
    return { ...outcome, unreleased: await unreleasedCopies() };
  });
}

function assertItems(received: Item[], count: number): void {
  assert.equal(received.length, count);
  for (let i = 0; i < count; i++) {
    const expected = item(i);
    const got = received[i]!;
    assert.deepEqual([got.text, got.count, got.blob.length], [expected.text, expected.count, expected.blob!.length], `message ${i}`);
    assert.ok(got.blob.equals(expected.blob!), `message ${i}: blob content`);
  }
}

describe('write batching', () => {
  it('thousands of small and large messages written in one tick arrive whole and in order', async () => {
    const count = 5_000;
    const outcome = await streamFrom(() => Array.from({ length: count }, (_, i) => item(i)));
    assert.equal(outcome.status.code, Status.OK);
    assertItems(outcome.responses, count);
    assert.equal(outcome.unreleased, 0);
  });

  it('an Observable emitting synchronously, then completing in the same tick, delivers every message', async () => {
    const count = 1_000;
    const outcome = await streamFrom(() => new Observable<Partial<Item>>((subscriber) => {
      for (let i = 0; i < count; i++) subscriber.next(item(i));
      subscriber.complete();
    }));
    assert.equal(outcome.status.code, Status.OK);
    assertItems(outcome.responses, count);
  });

  it('a message that cannot be encoded ends the call INTERNAL after the batched messages before it', async () => {
    const outcome = await streamFrom(() => [item(0), item(1), item(2), 'not a message', item(3)]);
    assertItems(outcome.responses, 3);
    assert.equal(outcome.status.code, Status.INTERNAL);
  });

  it('a message over maxSendMessageLength ends the call RESOURCE_EXHAUSTED after the messages before it', async () => {
    const outcome = await streamFrom(() => [item(1), item(2), { blob: Buffer.alloc(LARGE + 1024) }, item(3)],
      { maxSendMessageLength: LARGE + 100 });
    assert.deepEqual(outcome.responses.map((r) => r.text), ['m1', 'm2']);
    assert.equal(outcome.status.code, Status.RESOURCE_EXHAUSTED);
  });

  it('switching compression per message keeps the order of batched and compressed messages', async () => {
    const count = 300;
    const outcome = await streamFrom((_request, context) => new Observable<Partial<Item>>((subscriber) => {
      for (let i = 0; i < count; i++) {
        // Runs of uncompressed messages (batched) between compressed ones (written one by one); the first
        // is compressed, so the headers name gzip.
        context.setResponseCompression(i % 7 === 0 ? 'gzip' : 'identity');
        subscriber.next(item(i));
      }
      subscriber.complete();
    }), { defaultCompression: 'gzip' });
    assert.equal(outcome.status.code, Status.OK);
    assertItems(outcome.responses, count);
  });
});

it('an iterable answer may reuse one Buffer for successive messages: each is sent as it was when pulled', async () => {
  const count = 20;
  const outcome = await streamFrom(function* () {
    const chunk = Buffer.alloc(64 * 1024);
    for (let i = 0; i < count; i++) {
      chunk.fill(i);
      yield { count: i, blob: chunk };
    }
  });
  assert.equal(outcome.status.code, Status.OK);
  assert.deepEqual(outcome.responses.map((r) => r.blob.every((byte) => byte === r.count)), Array(count).fill(true));
});

it('an Observable burst waits as the values it emitted, not as serialized copies of them', async () => {
  const count = 512;
  const chunk = Buffer.alloc(64 * 1024, 7);
  let growth = Infinity;
  const outcome = await streamFrom(() => new Observable<Partial<Item>>((subscriber) => {
    // 32 MiB emitted in one tick, far beyond the stream's write-ahead: what the server holds for it is measured
    // before anything can go out or be collected.
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < count; i++) subscriber.next({ count: i, blob: chunk });
    growth = process.memoryUsage().arrayBuffers - before;
    subscriber.complete();
  }));
  assert.equal(outcome.status.code, Status.OK);
  assert.deepEqual(outcome.responses.map((r) => r.count), Array.from({ length: count }, (_, i) => i));
  // Serialized as emitted, the burst held 32 MiB of copies; waiting as values, the write-ahead's 256 KiB and a frame.
  assert.ok(growth < 4 * 1024 * 1024, `the burst held ${growth} bytes`);
});

it('an Observable that fails after a burst: every message emitted before the error is delivered, then its status', async () => {
  const count = 64;
  const outcome = await streamFrom(() => new Observable<Partial<Item>>((subscriber) => {
    for (let i = 0; i < count; i++) subscriber.next({ count: i, blob: Buffer.alloc(64 * 1024, i) });
    subscriber.error(new GrpcError(Status.ABORTED, 'stopped after the burst'));
  }));
  assert.deepEqual(outcome.responses.map((r) => r.count), Array.from({ length: count }, (_, i) => i));
  assert.deepEqual([outcome.status.code, outcome.status.details], [Status.ABORTED, 'stopped after the burst']);
});

it('a client that cancels mid-stream leaves no copy of a large message held', async () => {
  let produced = 0;
  const harness = await startHarness({
    ServerStream: async function* () {
      for (;;) {
        produced += 1;
        yield { count: produced, blob: Buffer.alloc(64 * 1024, produced & 0xff) };
      }
    },
  });
  try {
    const call = harness.client['ServerStream']!({});
    const outcome = collectStream(call);
    let received = 0;
    call.on('data', () => {
      if (++received === 10) call.cancel();
    });
    assert.equal((await outcome).status.code, Status.CANCELLED);
    assert.ok(produced >= 10);
    assert.equal(await unreleasedCopies(), 0);
  } finally {
    await harness.close();
  }
});
