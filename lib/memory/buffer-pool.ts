// Memory for copies of large bytes fields that is used again once the copies have been written. A fresh
// Buffer per copy costs more than the copy itself: new memory is faulted in page by page and its ArrayBuffer
// waits for a GC to be freed. Copies are carved from a few large slabs instead; a slab is refilled from its
// start once every copy in it was released, which its owner does when the stream has written the copy.
// One copy a slow reader holds keeps its whole slab, so the slabs are capped: past the cap, copies are plain
// Buffers again, and the pool costs at most the cap on top of what unpooled copies would.

/** Copies go into slabs of this size; larger values get a Buffer of their own. */
export const SLAB_BYTES = 1024 * 1024;
const LARGEST_POOLED = SLAB_BYTES / 4;

interface Slab {
  readonly memory: Buffer;
  /** Bytes handed out since the slab was (re)started. */
  used: number;
  /** Copies handed out and not yet released. */
  unreleased: number;
}

export class BufferPool {
  readonly #slabOf = new WeakMap<ArrayBufferLike, Slab>();
  /** Slabs with nothing unreleased, ready to be filled again. */
  readonly #idle: Slab[] = [];
  #current: Slab | undefined;
  /** Slabs the pool still reaches: the current one, idle ones, and full ones with copies unreleased. */
  #slabCount = 0;
  #unreleased = 0;

  /**
   * `maxIdle`: slabs kept for reuse while no copy is in them; beyond that, they are left to the GC.
   * `maxSlabs`: slabs in use at most; past it, copies are plain Buffers until slabs come free.
   */
  constructor(private readonly maxIdle = 4, private readonly maxSlabs = 16) {}

  /** A copy of `bytes`; give it to release() once nothing reads it any more (a plain Buffer needs nothing). */
  copy(bytes: Uint8Array): Buffer {
    const length = bytes.length;
    if (length > LARGEST_POOLED) return Buffer.from(bytes);
    let slab = this.#current;
    if (slab === undefined || slab.used + length > SLAB_BYTES) {
      if (slab !== undefined && slab.unreleased === 0) this.#park(slab);
      const next = this.#idle.pop() ?? (this.#slabCount < this.maxSlabs ? this.#newSlab() : undefined);
      this.#current = next;
      if (next === undefined) return Buffer.from(bytes);
      slab = next;
    }
    const copy = slab.memory.subarray(slab.used, slab.used + length);
    copy.set(bytes);
    // Eight-byte steps keep every copy aligned, as Node's own pool does.
    slab.used += (length + 7) & ~7;
    slab.unreleased += 1;
    this.#unreleased += 1;
    return copy;
  }

  /** Copies handed out and not released yet, in every slab. */
  get unreleased(): number {
    return this.#unreleased;
  }

  /** Whether `buffer` is a copy this pool handed out (and so wants release()). */
  owns(buffer: Uint8Array): boolean {
    return this.#slabOf.has(buffer.buffer);
  }

  /** The copy's memory may be reused: nothing will read it again. Each copy is released once. */
  release(copy: Uint8Array): void {
    const slab = this.#slabOf.get(copy.buffer);
    if (slab === undefined || slab.unreleased === 0) return;
    slab.unreleased -= 1;
    this.#unreleased -= 1;
    if (slab.unreleased > 0) return;
    if (slab === this.#current) slab.used = 0;
    else this.#park(slab);
  }

  #park(slab: Slab): void {
    slab.used = 0;
    if (this.#idle.length < this.maxIdle) {
      this.#idle.push(slab);
    } else {
      this.#slabOf.delete(slab.memory.buffer);
      this.#slabCount -= 1;
    }
  }

  #newSlab(): Slab {
    const slab: Slab = { memory: Buffer.allocUnsafeSlow(SLAB_BYTES), used: 0, unreleased: 0 };
    this.#slabOf.set(slab.memory.buffer, slab);
    this.#slabCount += 1;
    return slab;
  }
}
