/**
 * Copying between a socket's queued bytes and the guest's scatter/gather
 * buffers, shared by every driver (and the in-host DNS stub). Nothing here
 * keeps a reference to a guest buffer: guest memory must not be retained.
 * @module
 */

/** Copies from a queue of chunks into `bufs`; with `consume`, removes what was copied. */
export function copyOut(queue: Uint8Array[], bufs: readonly Uint8Array[], consume: boolean): number {
  let total = 0;
  let qi = 0;
  let qoff = 0;
  for (const buf of bufs) {
    let off = 0;
    while (off < buf.length && qi < queue.length) {
      const head = queue[qi] as Uint8Array;
      const n = Math.min(head.length - qoff, buf.length - off);
      buf.set(qoff === 0 && n === head.length ? head : head.subarray(qoff, qoff + n), off);
      off += n;
      qoff += n;
      if (qoff === head.length) {
        qi++;
        qoff = 0;
      }
    }
    total += off;
    if (qi === queue.length) break;
  }
  if (consume) {
    queue.splice(0, qi);
    if (qoff > 0) queue[0] = (queue[0] as Uint8Array).subarray(qoff);
  }
  return total;
}

/** The bytes `bufs` hold together. */
export function totalLength(bufs: readonly Uint8Array[]): number {
  let total = 0;
  for (const b of bufs) total += b.length;
  return total;
}

/** Copies `bufs` into `out` as far as it goes; returns the bytes copied. */
export function gatherInto(bufs: readonly Uint8Array[], out: Uint8Array): number {
  let off = 0;
  for (const b of bufs) {
    if (off >= out.length) break;
    const n = Math.min(b.length, out.length - off);
    out.set(n === b.length ? b : b.subarray(0, n), off);
    off += n;
  }
  return off;
}

/**
 * Copies up to `limit` bytes of `bufs` into one new array from `alloc`
 * (Node's driver passes `Buffer.allocUnsafe`, which draws small chunks from
 * a pool).
 */
export function gather<T extends Uint8Array = Uint8Array>(
  bufs: readonly Uint8Array[],
  limit: number,
  alloc: (size: number) => T = (size) => new Uint8Array(size) as T,
): T {
  const out = alloc(Math.min(totalLength(bufs), limit));
  gatherInto(bufs, out);
  return out;
}
