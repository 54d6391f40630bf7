// BufferPool: copies whose memory is reused only once they are released. What a user depends on is that no copy
// still being written ever changes, whatever the order of copies and releases.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BufferPool, SLAB_BYTES } from '../../lib/memory/buffer-pool.js';

const KIB = 1024;

describe('BufferPool', () => {
  it('copies: the copy equals the source and does not follow later changes to it', () => {
    const pool = new BufferPool();
    const source = Buffer.alloc(20 * KIB, 1);
    const copy = pool.copy(source);
    source.fill(2);
    assert.ok(copy.equals(Buffer.alloc(20 * KIB, 1)));
    assert.equal(pool.owns(copy), true);
    assert.equal(pool.unreleased, 1);
  });

  it('reuses a slab once every copy in it is released, and not before', () => {
    const pool = new BufferPool();
    const size = SLAB_BYTES / 8;
    const first = Array.from({ length: 8 }, () => pool.copy(Buffer.alloc(size, 1)));
    const slab = first[0]!.buffer;
    assert.ok(first.every((copy) => copy.buffer === slab), 'eight copies fill one slab');
    // The slab is full and one copy in it is still unreleased: the next copy needs other memory.
    for (const copy of first.slice(1)) pool.release(copy);
    const second = pool.copy(Buffer.alloc(size, 2));
    assert.notEqual(second.buffer, slab);
    assert.ok(first[0]!.equals(Buffer.alloc(size, 1)));
    // Released at last, the first slab is refilled from its start once the second is full.
    pool.release(first[0]!);
    const more = Array.from({ length: 8 }, () => pool.copy(Buffer.alloc(size, 3)));
    assert.equal(more[7]!.buffer, slab);
    assert.equal(more[7]!.byteOffset, 0);
  });

  it('gives values larger than a quarter slab a Buffer of their own, outside the pool', () => {
    const pool = new BufferPool();
    const copy = pool.copy(Buffer.alloc(SLAB_BYTES / 2, 5));
    assert.ok(copy.equals(Buffer.alloc(SLAB_BYTES / 2, 5)));
    assert.equal(pool.owns(copy), false);
    assert.equal(pool.unreleased, 0);
  });

  it('past its slab cap hands out plain copies, and pools again once a slab comes free', () => {
    const pool = new BufferPool(1, 2);
    const size = SLAB_BYTES / 4;
    // Two full slabs with every copy unreleased: the cap is reached.
    const held = Array.from({ length: 8 }, (_, i) => pool.copy(Buffer.alloc(size, i)));
    assert.ok(held.every((copy) => pool.owns(copy)));
    const plain = pool.copy(Buffer.alloc(size, 9));
    assert.equal(pool.owns(plain), false);
    assert.ok(plain.equals(Buffer.alloc(size, 9)));
    for (const copy of held.slice(0, 4)) pool.release(copy);
    const again = pool.copy(Buffer.alloc(size, 7));
    assert.equal(again.buffer, held[0]!.buffer, 'the first slab, now free, is reused');
    assert.ok(held.slice(4).every((copy, i) => copy.equals(Buffer.alloc(size, i + 4))));
  });

  it('ignores buffers it did not hand out, and a second release of the same copy', () => {
    const pool = new BufferPool();
    const kept = pool.copy(Buffer.alloc(16 * KIB, 1));
    const released = pool.copy(Buffer.alloc(16 * KIB, 2));
    pool.release(Buffer.alloc(16 * KIB));
    pool.release(released);
    assert.equal(pool.unreleased, 1);
    pool.release(kept);
    assert.equal(pool.unreleased, 0);
  });

  it('never changes a copy that is not released, under any order of copies and releases', () => {
    const operation = fc.oneof(
      fc.record({ copy: fc.integer({ min: 1, max: 300 * KIB }) }),
      fc.record({ release: fc.nat() }),
    );
    fc.assert(fc.property(fc.array(operation, { maxLength: 60 }), (operations) => {
      const pool = new BufferPool(1, 3);
      const live: Array<{ copy: Buffer; source: Buffer }> = [];
      let fill = 0;
      for (const op of operations) {
        if ('copy' in op) {
          fill = (fill + 1) % 256;
          const source = Buffer.alloc(op.copy, fill);
          live.push({ copy: pool.copy(source), source });
        } else if (live.length > 0) {
          const [released] = live.splice(op.release % live.length, 1);
          pool.release(released!.copy);
        }
        if (!live.every(({ copy, source }) => copy.equals(source))) return false;
      }
      return pool.unreleased === live.filter(({ copy }) => pool.owns(copy)).length;
    }), { numRuns: 40 });
  });
});
