// A request stream a handler can pull (`for await`): in order, reading paused while PULL_HIGH_WATER messages wait,
// and over HTTP/2 a slow puller holds the client back through flow control where a subscriber takes everything.
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { describe, it } from 'node:test';
import { encodeFrame } from '../../lib/protocol/framing.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';
import type { RequestReceiver } from '../../lib/server/request-reader.js';
import { PULL_HIGH_WATER, ServerRequestStream } from '../../lib/server/request-stream.js';
import type { RequestSource } from '../../lib/server/request-stream.js';
import { delay, shapes, startHarness } from './fixtures.js';

/** A source the test feeds by hand, recording pause/resume. */
class FakeSource implements RequestSource {
  receiver: RequestReceiver | undefined;
  readonly flow: string[] = [];
  readRequests(receiver: RequestReceiver): void {
    if (this.receiver !== undefined) throw new Error('twice');
    this.receiver = receiver;
  }
  pauseRequests(): void { this.flow.push('pause'); }
  resumeRequests(): void { this.flow.push('resume'); }
}

describe('ServerRequestStream pulled', () => {
  it('gives messages in order, pauses at the high-water mark and resumes below half of it', async () => {
    const source = new FakeSource();
    const iterator = new ServerRequestStream<number>(source)[Symbol.asyncIterator]();
    for (let i = 0; i < PULL_HIGH_WATER; i++) source.receiver!.message(i);
    assert.deepEqual(source.flow, ['pause']);
    const got: number[] = [];
    for (let i = 0; i < PULL_HIGH_WATER / 2 + 1; i++) got.push((await iterator.next()).value as number);
    assert.deepEqual(source.flow, ['pause', 'resume']);
    source.receiver!.end();
    for (let r = await iterator.next(); r.done !== true; r = await iterator.next()) got.push(r.value);
    assert.deepEqual(got, Array.from({ length: PULL_HIGH_WATER }, (_, i) => i));
  });

  it('a pull waiting for a message gets it; the end resolves a waiting pull as done', async () => {
    const source = new FakeSource();
    const iterator = new ServerRequestStream<string>(source)[Symbol.asyncIterator]();
    const first = iterator.next();
    source.receiver!.message('a');
    assert.deepEqual(await first, { done: false, value: 'a' });
    const second = iterator.next();
    source.receiver!.end();
    assert.equal((await second).done, true);
  });

  it('a failed request stream rejects the pull with its status; a cancel ends it, dropping what waits', async () => {
    const failing = new FakeSource();
    const failed = new ServerRequestStream<string>(failing)[Symbol.asyncIterator]();
    failing.receiver!.message('a');
    failing.receiver!.failed(new GrpcError(Status.RESOURCE_EXHAUSTED, 'too big'));
    await assert.rejects(failed.next(), (err: unknown) => err instanceof GrpcError && err.code === Status.RESOURCE_EXHAUSTED);

    const cancelling = new FakeSource();
    const cancelled = new ServerRequestStream<string>(cancelling)[Symbol.asyncIterator]();
    cancelling.receiver!.message('a');
    cancelling.receiver!.cancelled();
    assert.equal((await cancelled.next()).done, true);
  });

  it('leaving the loop early stops reading; later messages are dropped', async () => {
    const source = new FakeSource();
    const stream = new ServerRequestStream<number>(source);
    const seen: number[] = [];
    const loop = (async () => {
      for await (const value of stream) {
        seen.push(value);
        break;
      }
    })();
    source.receiver!.message(1);
    await loop;
    source.receiver!.message(2);
    assert.deepEqual([seen, source.flow], [[1], ['pause']]);
  });

  it('is read once: subscribing after pulling errors', () => {
    const source = new FakeSource();
    const stream = new ServerRequestStream<number>(source);
    stream[Symbol.asyncIterator]();
    let error: unknown;
    stream.subscribe({ error: (err: unknown) => { error = err; } });
    assert.ok(error instanceof Error);
  });
});

const MESSAGE = 64 * 1024;
const MESSAGES = 512;

/** Bytes a raw HTTP/2 client still holds after offering 32 MiB of request messages for `ms`. */
async function unsentAfter(port: number, ms: number): Promise<number> {
  const method = shapes.methods.get('ClientStream')!;
  const frame = encodeFrame(method.serializeRequest({ blob: Buffer.alloc(MESSAGE, 1) }), false);
  const session = connect(`http://127.0.0.1:${port}`);
  try {
    const stream = session.request({
      ':method': 'POST', ':path': shapes.methods.get('ClientStream')!.path, 'content-type': 'application/grpc', te: 'trailers',
    });
    stream.on('error', () => {});
    for (let i = 0; i < MESSAGES; i++) stream.write(frame);
    await delay(ms);
    return stream.writableLength;
  } finally {
    session.destroy();
  }
}

describe('a slow handler over HTTP/2', () => {
  it('pulling holds the client back by flow control; subscribing takes all it sends', { timeout: 20_000 }, async () => {
    let pulled = 0;
    let pushed = 0;
    let mode: 'pull' | 'push' = 'pull';
    const harness = await startHarness({
      ClientStream: async (requests: ServerRequestStream<unknown>) => {
        if (mode === 'push') {
          requests.subscribe(() => { pushed += 1; });
          await delay(5_000);
          return {};
        }
        for await (const _ of requests) {
          pulled += 1;
          await delay(5_000);
        }
        return {};
      },
    });
    try {
      // Windows: 1 MiB per stream, 16 MiB per connection; the queue holds PULL_HIGH_WATER messages.
      const heldBack = await unsentAfter(harness.port, 1_000);
      assert.ok(heldBack > 16 * 1024 * 1024, `only ${heldBack} bytes unsent: the server read ahead of the handler`);
      assert.equal(pulled, 1);
      mode = 'push';
      const pushedUnsent = await unsentAfter(harness.port, 1_000);
      assert.equal(pushed, MESSAGES, `subscriber got ${pushed} messages, ${pushedUnsent} bytes unsent`);
    } finally {
      await harness.close();
    }
  });
});
