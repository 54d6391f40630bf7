// FrameBatch: many messages as gRPC frames in one buffer (large bytes fields copied into a pool), read back by
// FrameDecoder exactly as one frame per message.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { GrpcError } from '../../lib/protocol/grpc-error.js';
import { Status } from '../../lib/protocol/status.js';
import { BufferPool } from '../../lib/memory/buffer-pool.js';
import { FrameBatch, POOLED_BYTES } from '../../lib/protocol/frame-batch.js';
import { loadProtos } from '../../lib/schema/load-protos.js';
import { framesOf } from '../fixtures/frames.js';

const protos = fileURLToPath(new URL('../../../test/schema/protos/', import.meta.url));
const schema = loadProtos('shapes.proto', { includeDirs: [`${protos}main`, `${protos}lib`] });
const echo = schema.method('/shapes.v1.KindsService/Echo')!;
const upload = schema.method('/shapes.v1.KindsService/Upload')!;

describe('FrameBatch', () => {
  it('holds one frame per message, in order, each equal to the message serialized alone', () => {
    const batch = new FrameBatch();
    const values = [{ a_string: 'first' }, {}, { a_int32: -1, many_strings: ['x', 'y'] }];
    const lengths = values.map((value) => echo.serializeResponseFrame(value, batch));
    const frames = framesOf(batch.take());
    assert.deepEqual(frames.map((f) => f.compressed), [false, false, false]);
    assert.deepEqual(frames.map((f) => f.data.length), lengths);
    assert.deepEqual(frames.map((f) => Buffer.from(f.data)), values.map((value) => echo.serializeResponse(value)));
  });

  it('patches each length after the writer grows mid-message', () => {
    const batch = new FrameBatch();
    const big = { a_bytes: Buffer.alloc(100_000, 7) };
    echo.serializeResponseFrame({ a_string: 's' }, batch);
    echo.serializeResponseFrame(big, batch);
    const frames = framesOf(batch.take());
    assert.equal(frames.length, 2);
    assert.deepEqual(echo.deserializeResponse(frames[1]!.data), echo.deserializeResponse(echo.serializeResponse(big)));
  });

  it('drops a message over maxLength, answers RESOURCE_EXHAUSTED naming its length, and keeps the frames before it', () => {
    const batch = new FrameBatch();
    echo.serializeResponseFrame({ a_string: 'kept' }, batch, 10);
    const before = batch.byteLength;
    const error = echo.serializeResponseFrame({ a_string: 'x'.repeat(50) }, batch, 10);
    assert.ok(error instanceof GrpcError);
    assert.equal(error.code, Status.RESOURCE_EXHAUSTED);
    assert.equal(error.message, `Sent message larger than max (${echo.serializeResponse({ a_string: 'x'.repeat(50) }).length} vs. 10)`);
    assert.equal(batch.byteLength, before);
    assert.equal(framesOf(batch.take()).length, 1);
  });

  it('takes an empty batch as an empty Buffer, and starts empty again after take()', () => {
    const batch = new FrameBatch();
    assert.deepEqual(batch.take(), []);
    upload.serializeResponseFrame(undefined, batch);
    assert.equal(batch.byteLength, 5);
    assert.deepEqual(batch.take(), [Buffer.from([0, 0, 0, 0, 0])]);
    assert.equal(batch.byteLength, 0);
  });

  it('copies a large top-level bytes field into the pool as a part of its own, and one inside a nested message inline', () => {
    const pool = new BufferPool();
    const batch = new FrameBatch(pool);
    const data = Buffer.alloc(POOLED_BYTES, 1);
    const nested = { extra: { type_url: 't/x', value: Buffer.alloc(POOLED_BYTES, 2) } };
    echo.serializeResponseFrame({ a_string: 'before' }, batch);
    const length = echo.serializeResponseFrame({ a_bytes: data, a_string: 'after' }, batch) as number;
    echo.serializeResponseFrame(nested, batch);
    assert.equal(batch.byteLength, 5 + echo.serializeResponse({ a_string: 'before' }).length + 5 + length
      + 5 + echo.serializeResponse(nested).length);
    data.fill(9);
    const parts = batch.take();
    assert.equal(parts.length, 3);
    assert.deepEqual(parts.map((part) => pool.owns(part)), [false, true, false]);
    assert.equal(pool.unreleased, 1);
    const frames = framesOf(parts);
    assert.deepEqual(frames.map((f) => Buffer.from(f.data)),
      [{ a_string: 'before' }, { a_bytes: Buffer.alloc(POOLED_BYTES, 1), a_string: 'after' }, nested]
        .map((value) => echo.serializeResponse(value)));
    pool.release(parts[1]!);
    assert.equal(pool.unreleased, 0);
  });

  it('copies every bytes field inline without a pool', () => {
    const batch = new FrameBatch();
    const data = Buffer.alloc(POOLED_BYTES * 2, 3);
    echo.serializeResponseFrame({ a_bytes: data }, batch);
    data.fill(0);
    const parts = batch.take();
    assert.equal(parts.length, 1);
    assert.deepEqual(Buffer.from(framesOf(parts)[0]!.data), echo.serializeResponse({ a_bytes: Buffer.alloc(POOLED_BYTES * 2, 3) }));
  });

  it('drops a frame over maxLength whose bytes field went into the pool, releasing the copy and keeping the frames before it', () => {
    const pool = new BufferPool();
    const batch = new FrameBatch(pool);
    echo.serializeResponseFrame({ a_string: 'kept' }, batch);
    assert.ok(echo.serializeResponseFrame({ a_bytes: Buffer.alloc(32 * 1024) }, batch, 1000) instanceof GrpcError);
    assert.equal(pool.unreleased, 0);
    assert.deepEqual(framesOf(batch.take()).map((f) => (echo.deserializeResponse(f.data) as { a_string: string }).a_string), ['kept']);
  });

  it('leaves Buffers it handed over untouched by what is appended after take()', () => {
    const batch = new FrameBatch();
    echo.serializeResponseFrame({ a_string: 'first' }, batch);
    const first = batch.take();
    const copy = Buffer.concat(first);
    for (let i = 0; i < 50; i++) echo.serializeResponseFrame({ a_string: `next ${i}`, a_bytes: Buffer.alloc(i * 1000, i) }, batch);
    assert.deepEqual(Buffer.concat(first), copy);
    assert.equal(framesOf(batch.take()).length, 50);
  });

  it('throws on a value that is not a message, leaving the batch as it was', () => {
    const batch = new FrameBatch();
    echo.serializeResponseFrame({ a_string: 'kept' }, batch);
    const before = batch.byteLength;
    assert.throws(() => echo.serializeResponseFrame('text' as never, batch), TypeError);
    assert.equal(batch.byteLength, before);
  });
});
