// Memory for copies of large bytes fields that is used again once the copies have been written. A fresh
// Buffer per copy costs more than the copy itself: new memory is faulted in page by page and its ArrayBuffer
// waits for a GC to be freed. Copies are carved from a few large slabs instead; a slab is refilled from its
// start once every copy in it was released, which its owner does when the stream has written the copy.

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
  readonly #slabs = new WeakMap<ArrayBufferLike, Slab>();
  /** Slabs with nothing unreleased, ready to be filled again. */
  readonly #idle: Slab[] = [];
  #current: Slab | undefined;
  #unreleased = 0;

  /** `maxIdle`: slabs kept for reuse while no copy is in them; beyond that, they are left to the GC. */
  constructor(private readonly maxIdle = 4) {}

  /** A copy of `bytes`; give it to release() once nothing reads it any more. */
  copy(bytes: Uint8Array): Buffer {
    const length = bytes.length;
    if (length > LARGEST_POOLED) return Buffer.from(bytes);
    let slab = this.#current;
    if (slab === undefined || slab.used + length > SLAB_BYTES) {
      if (slab !== undefined && slab.unreleased === 0) this.#park(slab);
      slab = this.#current = this.#idle.pop() ?? this.#newSlab();
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
    return this.#slabs.has(buffer.buffer);
  }

  /** The copy's memory may be reused: nothing will read it again. Each copy is released once. */
  release(copy: Uint8Array): void {
    const slab = this.#slabs.get(copy.buffer);
    if (slab === undefined || slab.unreleased === 0) return;
    slab.unreleased -= 1;
    this.#unreleased -= 1;
    if (slab.unreleased > 0) return;
    if (slab === this.#current) slab.used = 0;
    else this.#park(slab);
  }

  #park(slab: Slab): void {
    slab.used = 0;
    if (this.#idle.length < this.maxIdle) this.#idle.push(slab);
  }

  #newSlab(): Slab {
    const slab: Slab = { memory: Buffer.allocUnsafeSlow(SLAB_BYTES), used: 0, unreleased: 0 };
    this.#slabs.set(slab.memory.buffer, slab);
    return slab;
  }
}
