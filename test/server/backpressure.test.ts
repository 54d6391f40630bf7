// A streaming response from an async iterable is pulled only as fast as the client reads.
import assert from 'node:assert/strict';
import { connect, constants } from 'node:http2';
import { it } from 'node:test';
import { encodeFrame } from '../../lib/protocol/framing.js';
import { delay, shapes, startHarness } from './fixtures.js';

const MESSAGE = 64 * 1024;

it('a client that stops reading stops the generator; cancel runs its finally', { timeout: 10_000 }, async () => {
  let produced = 0;
  let finished = false;
  const harness = await startHarness({
    ServerStream: async function* () {
      try {
        for (;;) {
          produced += 1;
          yield { blob: Buffer.alloc(MESSAGE) };
        }
      } finally {
        finished = true;
      }
    },
  });
  // A raw HTTP/2 peer that never reads: flow control is the only thing holding the server back.
  const session = connect(`http://127.0.0.1:${harness.port}`);
  try {
    const stream = session.request({
      ':method': 'POST', ':path': shapes.methods.get('ServerStream')!.path,
      'content-type': 'application/grpc', te: 'trailers',
    });
    stream.end(encodeFrame(Buffer.alloc(0), false));
    stream.pause();
    await delay(500);
    const stalled = produced;
    await delay(300);
    // Windows are at most a few MiB and the stream's buffer 16 KiB: a few dozen 64 KiB messages, never thousands.
    assert.ok(stalled < 200, `produced ${stalled} messages for a client that read none`);
    assert.ok(produced - stalled <= 1, `kept producing: ${stalled} -> ${produced}`);
    stream.close(constants.NGHTTP2_CANCEL);
    await delay(100);
    assert.equal(finished, true);
  } finally {
    session.destroy();
    await harness.close();
  }
});
