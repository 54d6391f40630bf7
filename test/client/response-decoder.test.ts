// Tests for lib/client/response-decoder.ts: response bytes -> messages, with grpc-encoding and the receive limit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import { ResponseDecoder } from '../../lib/client/response-decoder.js';
import { encodeFrame } from '../../lib/protocol/framing.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';
import type { EchoReply } from './echo-server.js';
import { echoMethod } from './fixtures.js';

const unary = echoMethod('Unary');
const message = unary.serializeResponse({ text: 'hello' });

/** Every message of one chunk, or the first error. */
function decodeAll(decoder: ResponseDecoder<unknown>, chunk: Buffer): unknown[] | GrpcError {
  const frames = decoder.push(chunk);
  if (frames instanceof GrpcError) return frames;
  const out: unknown[] = [];
  for (const frame of frames) {
    const decoded = decoder.decode(frame);
    if (decoded instanceof GrpcError) return decoded;
    out.push(decoded);
  }
  return out;
}

describe('ResponseDecoder', () => {
  const decoded: [string, string, Buffer][] = [
    ['identity', 'identity', encodeFrame(message, false)],
    ['gzip', 'gzip', encodeFrame(gzipSync(message), true)],
    ['deflate', 'deflate', encodeFrame(deflateSync(message), true)],
    ['an uncompressed frame under gzip', 'gzip', encodeFrame(message, false)],
  ];
  for (const [name, encoding, chunk] of decoded) {
    it(`${name}: the message`, () => {
      const decoder = new ResponseDecoder(unary, 1024);
      decoder.useEncoding(encoding);
      const out = decodeAll(decoder, Buffer.concat([chunk, chunk]));
      assert.ok(Array.isArray(out));
      assert.deepEqual(out.map((m) => (m as EchoReply).text), ['hello', 'hello']);
    });
  }

  const failures: [string, string, Buffer, number, Status, string | RegExp][] = [
    ['compressed under identity', 'identity', encodeFrame(gzipSync(message), true), 1024, Status.INTERNAL,
      'Received compressed message but "grpc-encoding" header was identity'],
    ['compressed in an unknown encoding', 'snappy', encodeFrame(message, true), 1024, Status.INTERNAL, 'Compression method not supported: snappy'],
    ['over the limit before decompression', 'identity', encodeFrame(Buffer.alloc(100), false), 50, Status.RESOURCE_EXHAUSTED, /./],
    ['over the limit after decompression', 'gzip', encodeFrame(gzipSync(Buffer.alloc(5000)), true), 1000, Status.RESOURCE_EXHAUSTED, /./],
    ['undecodable protobuf', 'identity', encodeFrame(Buffer.from([0x0a, 0xff]), false), 1024, Status.INTERNAL, /^Response message parsing error: /],
  ];
  for (const [name, encoding, chunk, limit, code, text] of failures) {
    it(`${name} -> ${Status[code]}`, () => {
      const decoder = new ResponseDecoder(unary, limit);
      decoder.useEncoding(encoding);
      const err = decodeAll(decoder, chunk);
      assert.ok(err instanceof GrpcError);
      assert.equal(Status[err.code], Status[code]);
      if (typeof text === 'string') assert.equal(err.message, text);
      else assert.match(err.message, text);
    });
  }

  it('a frame cut off at the end is an INTERNAL error', () => {
    const decoder = new ResponseDecoder(unary, 1024);
    assert.deepEqual(decodeAll(decoder, encodeFrame(message, false).subarray(0, 4)), []);
    assert.equal(decoder.end()?.code, Status.INTERNAL);
  });
});
