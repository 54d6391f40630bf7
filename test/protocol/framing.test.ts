// Unit and property tests for lib/protocol/framing.ts (Length-Prefixed-Message encode and incremental decode).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FrameDecoder, encodeFrame, frameMessage, writeFramePrefix, type Frame } from '../../lib/protocol/framing.js';
import { findCodec } from '../../lib/protocol/compression.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';

interface Message {
  compressed: boolean;
  data: Uint8Array;
}

/** The 5-byte prefix alone, as a peer sends it before (or without) the body. */
function prefixOf(length: number, compressed: boolean): Buffer {
  const prefix = Buffer.alloc(5);
  writeFramePrefix(prefix, 0, length, compressed);
  return prefix;
}

function split(stream: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (stream.length === 0 ? 0 : c % (stream.length + 1))))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of [...points, stream.length]) {
    chunks.push(stream.subarray(start, point));
    start = point;
  }
  return chunks;
}

function decodeAll(decoder: FrameDecoder, chunks: readonly Buffer[]): Frame[] | GrpcError {
  const frames: Frame[] = [];
  for (const chunk of chunks) {
    const result = decoder.push(chunk);
    if (result instanceof GrpcError) return result;
    frames.push(...result);
  }
  return decoder.end() ?? frames;
}

const messageArb = (maxLength: number): fc.Arbitrary<Message> =>
  fc.record({ compressed: fc.boolean(), data: fc.uint8Array({ maxLength }) });

describe('encodeFrame / writeFramePrefix', () => {
  const cases: [string, number[], boolean, string][] = [
    ['empty, uncompressed', [], false, '0000000000'],
    ['three bytes, compressed', [1, 2, 3], true, '0100000003010203'],
    ['one byte', [0xff], false, '0000000001ff'],
  ];
  for (const [name, body, compressed, hex] of cases) {
    it(name, () => {
      assert.equal(encodeFrame(Uint8Array.from(body), compressed).toString('hex'), hex);
      assert.equal(prefixOf(body.length, compressed).toString('hex'), hex.slice(0, 10));
    });
  }
  it('writes a 4-byte big-endian length', () => {
    assert.equal(prefixOf(0x01020304, false).toString('hex'), '0001020304');
    assert.equal(prefixOf(0xffffffff, true).toString('hex'), '01ffffffff');
  });
  it('refuses lengths that do not fit the prefix', () => {
    for (const bad of [-1, 2 ** 32, Number.NaN]) assert.throws(() => prefixOf(bad, false), RangeError);
  });
});

describe('frameMessage', () => {
  const serialize = (text: string, reserve: number): Buffer => Buffer.concat([Buffer.alloc(reserve), Buffer.from(text)]);

  it('frames uncompressed behind the reserved prefix, and compressed with the flag set', () => {
    assert.equal((frameMessage(serialize, 'abc', undefined, 10, 'server') as Buffer).toString('hex'), '0000000003616263');
    const compressed = frameMessage(serialize, 'abc', findCodec('gzip'), 10, 'client') as Buffer;
    assert.equal(compressed[0], 1);
    assert.equal(findCodec('gzip')!.decompress(compressed.subarray(5), 10).toString(), 'abc');
  });

  const tooLarge: [string, 'client' | 'server', string][] = [
    ['the server', 'server', 'Sent message larger than max (4 vs. 3)'],
    ['the client', 'client', 'Attempted to send message with a size larger than 3'],
  ];
  for (const [name, sender, message] of tooLarge) {
    it(`refuses a message over the limit, before compression, with RESOURCE_EXHAUSTED in grpc-js's words for ${name}`, () => {
      for (const codec of [undefined, findCodec('gzip')]) {
        const error = frameMessage(serialize, 'abcd', codec, 3, sender);
        assert.ok(error instanceof GrpcError);
        assert.equal(error.code, Status.RESOURCE_EXHAUSTED);
        assert.equal(error.message, message);
      }
    });
  }
});

describe('FrameDecoder', () => {
  it('yields the same messages for any split of the byte stream', () => {
    fc.assert(
      fc.property(fc.array(messageArb(64), { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 20 }), (messages, cuts) => {
        const stream = Buffer.concat(messages.map((m) => encodeFrame(m.data, m.compressed)));
        const frames = decodeAll(new FrameDecoder(), split(stream, cuts));
        assert.ok(!(frames instanceof GrpcError));
        assert.deepEqual(
          frames.map((f) => [f.compressed, f.data.toString('hex')]),
          messages.map((m) => [m.compressed, Buffer.from(m.data).toString('hex')]),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('handles large messages split anywhere', () => {
    fc.assert(
      fc.property(fc.integer({ min: 70_000, max: 3_000_000 }), fc.array(fc.nat(), { maxLength: 40 }), (size, cuts) => {
        const body = Buffer.alloc(size);
        for (let i = 0; i < size; i += 997) body[i] = i & 0xff;
        const stream = Buffer.concat([encodeFrame(body, true), encodeFrame(new Uint8Array(0), false)]);
        const frames = decodeAll(new FrameDecoder(4 * 1024 * 1024), split(stream, cuts));
        assert.ok(!(frames instanceof GrpcError));
        assert.equal(frames.length, 2);
        assert.ok(frames[0]!.compressed && frames[0]!.data.equals(body));
        assert.equal(frames[1]!.data.length, 0);
      }),
      { numRuns: 20 },
    );
  });

  it('emits a zero-length message as soon as its prefix completes, even one byte at a time', () => {
    const decoder = new FrameDecoder();
    const stream = encodeFrame(new Uint8Array(0), true);
    for (let i = 0; i < 4; i++) assert.deepEqual(decoder.push(stream.subarray(i, i + 1)), []);
    const last = decoder.push(stream.subarray(4));
    assert.ok(Array.isArray(last) && last.length === 1 && last[0]!.compressed && last[0]!.data.length === 0);
    assert.equal(decoder.end(), undefined);
  });

  it('returns a subarray of the chunk when a frame lies inside it', () => {
    const chunk = Buffer.concat([encodeFrame(Buffer.from('abc'), false), encodeFrame(Buffer.from('defg'), false)]);
    const frames = new FrameDecoder().push(chunk);
    assert.ok(Array.isArray(frames));
    assert.equal(frames[0]!.data.buffer, chunk.buffer);
    assert.equal(frames[0]!.data.byteOffset, chunk.byteOffset + 5);
    assert.equal(frames[1]!.data.byteOffset, chunk.byteOffset + 13);
    assert.equal(frames[1]!.data.toString(), 'defg');
  });

  it('copies a frame that spans chunks into a buffer of its exact size', () => {
    const stream = encodeFrame(Buffer.alloc(10_000, 7), false);
    const decoder = new FrameDecoder();
    assert.deepEqual(decoder.push(stream.subarray(0, 3000)), []);
    const frames = decoder.push(stream.subarray(3000));
    assert.ok(Array.isArray(frames));
    assert.notEqual(frames[0]!.data.buffer, stream.buffer);
    assert.equal(frames[0]!.data.length, 10_000);
    assert.ok(frames[0]!.data.equals(Buffer.alloc(10_000, 7)));
  });

  it('enforces the max length from the prefix alone, before buffering the body', () => {
    const decoder = new FrameDecoder(100);
    const error = decoder.push(prefixOf(101, false));
    assert.ok(error instanceof GrpcError);
    assert.equal(error.code, Status.RESOURCE_EXHAUSTED);
    assert.equal(error.message, 'Received message larger than max (101 vs. 100)');
    assert.equal(decoder.push(Buffer.alloc(0)), error, 'stays failed');
    assert.equal(decoder.end(), error);
  });

  it('accepts messages up to the max and refuses the first one over it, for any split', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 40 }),
        fc.array(messageArb(48), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (max, messages, cuts) => {
          const stream = Buffer.concat(messages.map((m) => encodeFrame(m.data, m.compressed)));
          const decoder = new FrameDecoder(max);
          const received: Frame[] = [];
          let error: GrpcError | undefined;
          for (const chunk of split(stream, cuts)) {
            const result = decoder.push(chunk);
            if (result instanceof GrpcError) {
              error = result;
              break;
            }
            received.push(...result);
          }
          const firstOver = messages.findIndex((m) => m.data.length > max);
          if (firstOver === -1) {
            assert.equal(error, undefined);
            assert.equal(received.length, messages.length);
          } else {
            assert.equal(error?.code, Status.RESOURCE_EXHAUSTED);
            assert.equal(error.message, `Received message larger than max (${messages[firstOver]!.data.length} vs. ${max})`);
            assert.ok(received.length <= firstOver);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('fails with INTERNAL on a flag byte other than 0 or 1', () => {
    const frame = encodeFrame(Buffer.from('x'), false);
    frame[0] = 2;
    const error = new FrameDecoder().push(frame);
    assert.ok(error instanceof GrpcError);
    assert.equal(error.code, Status.INTERNAL);
  });

  const partial: [string, Buffer][] = [
    ['part of a prefix', Buffer.from([0, 0, 0])],
    ['a prefix alone', prefixOf(4, false)],
    ['part of a body', encodeFrame(Buffer.from('abcd'), false).subarray(0, 7)],
  ];
  for (const [name, bytes] of partial) {
    it(`end() fails with INTERNAL after ${name}`, () => {
      const decoder = new FrameDecoder();
      assert.deepEqual(decoder.push(bytes), []);
      assert.equal(decoder.end()?.code, Status.INTERNAL);
    });
  }
});
