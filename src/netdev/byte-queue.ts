/**
 * A stream socket's received bytes, copied in as they arrive and out into
 * the guest's buffers. Portable (no node:* imports).
 *
 * Bulk data goes into 64 KiB slabs that are reused: a slab the guest has
 * drained goes back to a small pool shared by every queue, so a streaming
 * socket copies through the same few cache-warm slabs instead of allocating
 * (and later collecting) a fresh buffer per read. A small arrival that does
 * not fit in the last slab gets a buffer of its own size from `alloc`
 * (Node's driver passes `Buffer.allocUnsafe`, which carves small buffers
 * out of a shared pool), so many connections each holding a short request
 * do not each pin a slab. A drained queue holds no memory.
 * @module
 */
import { copyOut } from './buffers.ts';

/** Size of a reusable slab. */
export const SLAB_SIZE = 64 * 1024;
/** Arrivals shorter than this that do not fit in the tail slab get their own buffer. */
const SMALL = 4 * 1024;
/** Free slabs kept for reuse, shared by every queue (1 MiB). */
const MAX_POOLED_SLABS = 16;
const pool: Uint8Array[] = [];

function takeSlab(): Uint8Array {
  return pool.pop() ?? new Uint8Array(SLAB_SIZE);
}

function releaseSlab(slab: Uint8Array): void {
  if (pool.length < MAX_POOLED_SLABS) pool.push(slab);
}

/** A FIFO of bytes (see the module comment). */
export class ByteQueue {
  /** Queued bytes: views into slabs or small buffers, oldest first. */
  readonly #chunks: Uint8Array[] = [];
  /** For each chunk, the pooled slab it lies in (undefined for a small buffer). */
  readonly #slabs: (Uint8Array | undefined)[] = [];
  #length = 0;
  readonly #alloc: (size: number) => Uint8Array;

  constructor(alloc: (size: number) => Uint8Array = (size) => new Uint8Array(size)) {
    this.#alloc = alloc;
  }

  /** Bytes queued. */
  get length(): number {
    return this.#length;
  }

  /** Appends a copy of `src`. */
  push(src: Uint8Array): void {
    let off = 0;
    const n = src.length;
    if (n === 0) return;
    // Fill the room left in the tail slab first.
    const last = this.#chunks.length - 1;
    const tailSlab = last >= 0 ? this.#slabs[last] : undefined;
    if (tailSlab !== undefined) {
      const tail = this.#chunks[last] as Uint8Array;
      const end = tail.byteOffset + tail.length;
      const room = SLAB_SIZE - end;
      if (room > 0) {
        const k = Math.min(room, n);
        tailSlab.set(k === n ? src : src.subarray(0, k), end);
        this.#chunks[last] = tailSlab.subarray(tail.byteOffset, end + k);
        off = k;
      }
    }
    if (off < n && n - off < SMALL) {
      const buf = this.#alloc(n - off);
      buf.set(off === 0 ? src : src.subarray(off));
      this.#chunks.push(buf);
      this.#slabs.push(undefined);
      off = n;
    }
    while (off < n) {
      const slab = takeSlab();
      const k = Math.min(SLAB_SIZE, n - off);
      slab.set(src.subarray(off, off + k));
      this.#chunks.push(slab.subarray(0, k));
      this.#slabs.push(slab);
      off += k;
    }
    this.#length += n;
  }

  /**
   * Copies the oldest bytes into `bufs` (in order, each filled before the
   * next); with `consume`, removes them and returns drained slabs to the
   * pool. Returns the bytes copied.
   */
  copyOut(bufs: readonly Uint8Array[], consume: boolean): number {
    const before = this.#chunks.length;
    const n = copyOut(this.#chunks, bufs, consume);
    if (consume) {
      // copyOut removed the chunks it drained from the front; their slabs go back.
      const drained = before - this.#chunks.length;
      for (let i = 0; i < drained; i++) {
        const slab = this.#slabs[i];
        if (slab !== undefined) releaseSlab(slab);
      }
      this.#slabs.splice(0, drained);
      this.#length -= n;
    }
    return n;
  }

  /** Drops everything queued. */
  clear(): void {
    for (const slab of this.#slabs) if (slab !== undefined) releaseSlab(slab);
    this.#chunks.length = 0;
    this.#slabs.length = 0;
    this.#length = 0;
  }
}
