// A per-connection budget of buffered request bytes (issue 13): streams that each send most of a large message and
// stop hold memory that flow control does not bound (the bytes were read). Past maxBufferedRequestBytes the stream
// that goes over ends with RESOURCE_EXHAUSTED; the budget comes back when calls end.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, constants } from 'node:http2';
import type { ClientHttp2Session, ClientHttp2Stream } from 'node:http2';
import { describe, it } from 'node:test';
import { callUnary, delay, shapes, startHarness } from '../server/fixtures.js';

const method = shapes.methods.get('ClientStream')!;
const KIB = 1024;

function open(session: ClientHttp2Session): { stream: ClientHttp2Stream; status: Promise<{ code?: string; message?: string }> } {
  const stream = session.request({ ':method': 'POST', ':path': method.path, 'content-type': 'application/grpc', te: 'trailers' });
  stream.on('error', () => {});
  stream.on('data', () => {});
  const status = new Promise<{ code?: string; message?: string }>((resolve) => {
    const read = (headers: Record<string, unknown>): void => {
      if (headers['grpc-status'] !== undefined) resolve({ code: String(headers['grpc-status']), message: String(headers['grpc-message'] ?? '') });
    };
    stream.on('response', read);
    stream.on('trailers', read);
    stream.on('close', () => resolve({}));
  });
  return { stream, status };
}

/** The prefix of a `length`-byte message and `sent` bytes of its body: a frame that never completes. */
function partialFrame(length: number, sent: number): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(length, 1);
  return Buffer.concat([prefix, Buffer.alloc(sent, 1)]);
}

describe('buffered request bytes per connection', { timeout: 30_000 }, () => {
  it('the stream that passes the budget gets RESOURCE_EXHAUSTED; the budget returns when calls end', async () => {
    const harness = await startHarness({
      ClientStream: (requests: { subscribe(o: object): void }) => new Promise((resolve) => requests.subscribe({ complete: () => resolve({}), error: () => resolve({}) })),
      Unary: (request: { blob: Buffer }) => ({ count: request.blob.length }),
    }, { maxBufferedRequestBytes: 1024 * KIB });
    const session = connect(`http://127.0.0.1:${harness.port}`);
    session.on('error', () => {});
    try {
      const first = open(session);
      first.stream.write(partialFrame(2048 * KIB, 600 * KIB));
      await delay(200);
      const second = open(session);
      second.stream.write(partialFrame(2048 * KIB, 600 * KIB));
      const refused = await second.status;
      assert.equal(refused.code, '8');
      assert.match(refused.message ?? '', /exceed 1048576/);
      // The first call is still open: only the stream that went over was ended.
      assert.equal(first.stream.closed, false);
      first.stream.close(constants.NGHTTP2_CANCEL);
      await once(first.stream, 'close');
      // Both calls ended: their bytes are back, so 900 KiB fits again, on another connection too.
      const outcome = await callUnary(harness.client, { blob: Buffer.alloc(900 * KIB) });
      assert.equal(outcome.response?.count, 900 * KIB);
      const third = open(session);
      // One empty message, then half-close.
      third.stream.end(Buffer.alloc(5));
      assert.deepEqual((await third.status).code, '0');
    } finally {
      session.destroy();
      await harness.close();
    }
  });
});
