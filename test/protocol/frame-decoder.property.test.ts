// Property tests for FrameDecoder (lib/protocol/framing.ts) over random splits: it decodes as a whole-buffer
// reference does, and the bytes it holds are those of the incomplete frame that arrived, never an announced length.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { encodeFrame, FrameDecoder, writeFramePrefix } from '../../lib/protocol/framing.js';
import type { Frame } from '../../lib/protocol/framing.js';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';

const FOUR_MIB = 4 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap in use after a full collection, so what is measured is what is still referenced. */
function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

interface Decoded {
  frames: [boolean, string][];
  /** Code and message of the error the stream fails with, at a frame or at its end; undefined when it is clean. */
  error: [Status, string] | undefined;
}

/** The spec read literally over the whole byte stream at once: the oracle the incremental decoder must match. */
function referenceDecode(stream: Buffer, max: number): Decoded {
  const frames: [boolean, string][] = [];
  let offset = 0;
  while (offset < stream.length) {
    if (stream.length - offset < 5) return { frames, error: [Status.INTERNAL, 'Stream ended in the middle of a gRPC message'] };
    const flag = stream[offset]!;
    const length = stream.readUInt32BE(offset + 1);
    if (flag > 1) return { frames, error: [Status.INTERNAL, `Invalid gRPC message flag byte ${flag}`] };
    if (length > max) return { frames, error: [Status.RESOURCE_EXHAUSTED, `Received message larger than max (${length} vs. ${max})`] };
    if (stream.length - offset - 5 < length) return { frames, error: [Status.INTERNAL, 'Stream ended in the middle of a gRPC message'] };
    frames.push([flag === 1, stream.toString('hex', offset + 5, offset + 5 + length)]);
    offset += 5 + length;
  }
  return { frames, error: undefined };
}

/** Cuts `stream` at the given points (taken modulo its length), each chunk a copy in its own memory as a socket gives it. */
function split(stream: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of [...points, stream.length]) {
    chunks.push(Buffer.from(stream.subarray(start, point)));
    start = point;
  }
  return chunks;
}

/**
 * Feeds every chunk, checking after each push that the decoder holds no more than the bytes of the frame in
 * progress that arrived: all of them, less the prefix once it has been read.
 */
function decodeChunks(chunks: readonly Buffer[], max: number): Decoded {
  const decoder = new FrameDecoder(max);
  const frames: [boolean, string][] = [];
  let pending = 0;
  for (const chunk of chunks) {
    const result = decoder.push(chunk);
    if (result instanceof GrpcError) return { frames, error: [result.code, result.message] };
    frames.push(...result.map((frame: Frame): [boolean, string] => [frame.compressed, frame.data.toString('hex')]));
    pending += chunk.length - result.reduce((sum, frame) => sum + 5 + frame.data.length, 0);
    const held = decoder.bufferedLength;
    assert.ok(held <= pending && held >= pending - 5, `holds ${held} bytes of the ${pending} that arrived of the incomplete frame`);
  }
  const error = decoder.end();
  return { frames, error: error === undefined ? undefined : [error.code, error.message] };
}

const frameArb = fc.record({ compressed: fc.boolean(), data: fc.uint8Array({ maxLength: 300 }) })
  .map(({ compressed, data }) => encodeFrame(data, compressed));
// Mostly well-formed frames, with now and then a prefix announcing anything under any flag, or loose bytes.
const segmentArb = fc.oneof(
  { weight: 8, arbitrary: frameArb },
  { weight: 1, arbitrary: fc.tuple(fc.nat({ max: 255 }), fc.nat({ max: 0xffffffff })).map(([flag, length]) => rawPrefix(flag, length)) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 8 }).map((bytes) => Buffer.from(bytes)) },
);
const cutsArb = fc.array(fc.nat(), { maxLength: 30 });

/** A 5-byte prefix with any flag byte, even one the encoder would never write. */
function rawPrefix(flag: number, length: number): Buffer {
  const prefix = Buffer.alloc(5);
  writeFramePrefix(prefix, 0, length, false);
  prefix[0] = flag;
  return prefix;
}

describe('FrameDecoder under random splits', () => {
  it('decodes every split of a byte stream as the whole-buffer reference does: frames, then the same error', () => {
    fc.assert(
      fc.property(fc.array(segmentArb, { maxLength: 10 }), cutsArb, fc.oneof(fc.constant(Infinity), fc.nat({ max: 400 })),
        (segments, cuts, max) => {
          const stream = Buffer.concat(segments);
          const expected = referenceDecode(stream, max);
          const actual = decodeChunks(split(stream, cuts), max);
          assert.deepEqual(actual.error, expected.error);
          // A push that fails returns its error alone, so frames completed earlier in that chunk are not delivered.
          if (expected.error === undefined) assert.deepEqual(actual.frames, expected.frames);
          else assert.deepEqual(actual.frames, expected.frames.slice(0, actual.frames.length));
        }),
      { numRuns: 1000 },
    );
  });

  it('holds only what arrived of a large message, whatever its prefix announced', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: FOUR_MIB }), fc.integer({ min: 0, max: 64 * 1024 }), cutsArb,
        (announced, sent, cuts) => {
          const bytes = Buffer.alloc(5 + Math.min(sent, announced), 9);
          rawPrefix(0, announced).copy(bytes);
          const decoder = new FrameDecoder(FOUR_MIB);
          let pushed = 0;
          for (const chunk of split(bytes, cuts)) {
            const completes = pushed < 5 + announced && pushed + chunk.length === 5 + announced;
            assert.deepEqual(decoder.push(chunk), completes ? [{ compressed: false, data: bytes.subarray(5) }] : []);
            pushed += chunk.length;
            if (pushed < 5 + announced) assert.equal(decoder.bufferedLength, pushed < 5 ? pushed : pushed - 5);
          }
        }),
      { numRuns: 300 },
    );
  });

  it('reserves no memory for a prefix announcing 4 MiB: 64 such decoders take well under 64 x 4 MiB', () => {
    const decoders = Array.from({ length: 64 }, () => new FrameDecoder(FOUR_MIB));
    const before = process.memoryUsage().arrayBuffers;
    for (const decoder of decoders) assert.deepEqual(decoder.push(rawPrefix(0, FOUR_MIB)), []);
    const grown = process.memoryUsage().arrayBuffers - before;
    // A decoder that preallocated would have grown by 256 MiB here; the margin is for unrelated allocations.
    assert.ok(grown < 16 * 1024 * 1024, `array buffers grew by ${grown} bytes`);
    assert.deepEqual(decoders.map((decoder) => decoder.bufferedLength), decoders.map(() => 0));
    for (const decoder of decoders) assert.equal(decoder.end()?.code, Status.INTERNAL);
  });

  it('decodes a body trickled in many chunks, tiny or not, as it was sent', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40_000 }), fc.array(fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 600 })), { minLength: 1, maxLength: 400 }),
        (size, sizes) => {
          const body = Buffer.alloc(size);
          for (let i = 0; i < size; i++) body[i] = (i * 7) & 0xff;
          const stream = Buffer.concat([encodeFrame(body, false), encodeFrame(Buffer.from('next'), true)]);
          const decoder = new FrameDecoder();
          const frames: Frame[] = [];
          for (let offset = 0, turn = 0; offset < stream.length; turn++) {
            const next = Math.min(stream.length, offset + sizes[turn % sizes.length]!);
            const result = decoder.push(Buffer.from(stream.subarray(offset, next)));
            assert.ok(Array.isArray(result));
            frames.push(...result);
            offset = next;
          }
          assert.equal(frames.length, 2);
          assert.ok(frames[0]!.data.equals(body));
          assert.equal(frames[1]!.data.toString(), 'next');
        }),
      { numRuns: 200 },
    );
  });

  it('holds a trickle of 1-byte chunks without a heap object per byte', () => {
    const decoder = new FrameDecoder(FOUR_MIB);
    assert.deepEqual(decoder.push(rawPrefix(0, FOUR_MIB)), []);
    const bytes = Buffer.alloc(200_000, 1);
    const before = heapUsed();
    for (let i = 0; i < bytes.length; i++) decoder.push(bytes.subarray(i, i + 1));
    const grown = heapUsed() - before;
    // A Buffer per held byte would be some 20 MB here; merged runs keep it near the bytes themselves.
    assert.ok(grown < 5 * 1024 * 1024, `heap grew by ${grown} bytes for ${bytes.length} bytes held`);
    assert.equal(decoder.bufferedLength, bytes.length);
  });

  it('refuses a prefix over the max before holding any byte of its body', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1000 }), fc.integer({ min: 1, max: 1000 }), cutsArb, (max, over, cuts) => {
        const stream = Buffer.concat([rawPrefix(0, max + over), Buffer.alloc(Math.min(max + over, 2000))]);
        const decoder = new FrameDecoder(max);
        let error: GrpcError | undefined;
        for (const chunk of split(stream, cuts)) {
          const result = decoder.push(chunk);
          if (result instanceof GrpcError) {
            error = result;
            break;
          }
          assert.deepEqual(result, []);
        }
        assert.equal(error?.code, Status.RESOURCE_EXHAUSTED);
        assert.equal(decoder.bufferedLength, 0);
        assert.equal(decoder.push(Buffer.alloc(1)), error, 'stays failed');
      }),
      { numRuns: 200 },
    );
  });

  it('returns a body that came in one chunk after its prefix as that chunk, uncopied', () => {
    const body = Buffer.from('a body sent after its prefix');
    const decoder = new FrameDecoder();
    assert.deepEqual(decoder.push(rawPrefix(1, body.length)), []);
    const frames = decoder.push(body);
    assert.ok(Array.isArray(frames) && frames.length === 1);
    assert.equal(frames[0]!.data, body);
    assert.equal(frames[0]!.compressed, true);
  });
});
