import { EFAULT, SysError } from '../internal/errno.ts';
import { MAX_IOVECS, MAX_RW_BYTES } from './limits.ts';

const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8Encoder = new TextEncoder();

/**
 * Bounds-checked access to a guest's linear memory.
 *
 * Every read or write checks `ptr + size <= byteLength` and throws EFAULT
 * otherwise, so no guest pointer can make the host throw a RangeError.
 * The views are rebuilt when `memory.grow` replaces the buffer.
 */
export class GuestMemory {
  readonly #memory: WebAssembly.Memory;
  #buffer: ArrayBuffer;
  #view: DataView;
  #bytes: Uint8Array;

  constructor(memory: WebAssembly.Memory) {
    this.#memory = memory;
    this.#buffer = memory.buffer as ArrayBuffer;
    this.#view = new DataView(this.#buffer);
    this.#bytes = new Uint8Array(this.#buffer);
  }

  #refresh(): void {
    const buffer = this.#memory.buffer as ArrayBuffer;
    if (buffer !== this.#buffer) {
      this.#buffer = buffer;
      this.#view = new DataView(buffer);
      this.#bytes = new Uint8Array(buffer);
    }
  }

  // Note: each accessor calls check() (which refreshes the views after a
  // memory.grow) before touching #view.

  /** Throws EFAULT unless `[ptr, ptr+len)` lies inside memory; returns ptr as unsigned. */
  check(ptr: number, len: number): number {
    const p = ptr >>> 0;
    // `len` may be a guest i32 (negative when above 2^31) or a product such
    // as `count * 8` that exceeds 2^32: never wrap it back into range.
    const n = len < 0 ? len >>> 0 : len;
    const size = this.#bytes.length;
    if (p + n > size || size === 0) {
      // Memory only grows, and growing detaches the old buffer (its views
      // read as length 0), so the views need refreshing only when a check
      // fails or they are detached: the `memory.buffer` getter is not free
      // on every host call.
      this.#refresh();
      if (p + n > this.#bytes.length) throw EFAULT;
    }
    return p;
  }

  getU8(ptr: number): number {
    const p = this.check(ptr, 1);
    return this.#view.getUint8(p);
  }
  getU16(ptr: number): number {
    const p = this.check(ptr, 2);
    return this.#view.getUint16(p, true);
  }
  getU32(ptr: number): number {
    const p = this.check(ptr, 4);
    return this.#view.getUint32(p, true);
  }
  getU64(ptr: number): bigint {
    const p = this.check(ptr, 8);
    return this.#view.getBigUint64(p, true);
  }
  setU8(ptr: number, v: number): void {
    const p = this.check(ptr, 1);
    this.#view.setUint8(p, v);
  }
  setU16(ptr: number, v: number): void {
    const p = this.check(ptr, 2);
    this.#view.setUint16(p, v, true);
  }
  setU32(ptr: number, v: number): void {
    const p = this.check(ptr, 4);
    this.#view.setUint32(p, v, true);
  }
  setU64(ptr: number, v: bigint): void {
    const p = this.check(ptr, 8);
    this.#view.setBigUint64(p, v, true);
  }

  /** A live view of guest bytes (no copy). Valid until the next memory.grow. */
  bytes(ptr: number, len: number): Uint8Array {
    const p = this.check(ptr, len);
    return this.#bytes.subarray(p, p + (len >>> 0));
  }

  /** Decodes UTF-8 text at `[ptr, ptr+len)`. */
  string(ptr: number, len: number): string {
    return utf8.decode(this.bytes(ptr, len));
  }

  /** Writes `data` at `ptr` (bounds-checked). */
  write(ptr: number, data: Uint8Array): void {
    this.bytes(ptr, data.length).set(data);
  }

  /**
   * Reads a list of `{u32 buf, u32 len}` iovecs and returns views of the
   * buffers they name. Each buffer is bounds-checked before any I/O happens,
   * so a bad vector fails whole with EFAULT and nothing is transferred.
   * More than {@link MAX_IOVECS} is EINVAL (before anything is read), and the
   * views stop at {@link transferLimit} bytes in all.
   */
  iovecs(iovsPtr: number, iovsLen: number): Uint8Array[] {
    const count = checkIovecCount(iovsLen);
    this.check(iovsPtr, count * 8);
    const out: Uint8Array[] = [];
    let room = this.transferLimit();
    for (let i = 0; i < count; i++) {
      const base = (iovsPtr >>> 0) + i * 8;
      const buf = this.#view.getUint32(base, true);
      const len = this.#view.getUint32(base + 4, true);
      const view = this.bytes(buf, len);
      if (room > 0 && len > 0) out.push(len <= room ? view : view.subarray(0, room));
      room -= Math.min(room, len);
    }
    return out;
  }

  /**
   * Most bytes one call transfers: {@link MAX_RW_BYTES}, and never more than
   * the guest's memory holds, so iovecs naming the same bytes many times
   * cannot make the host copy more than the guest's own size.
   */
  transferLimit(): number {
    this.#refresh();
    return Math.min(MAX_RW_BYTES, this.#bytes.length);
  }
}

/** A guest's iovec count as unsigned; EINVAL past {@link MAX_IOVECS} (Linux: IOV_MAX). */
export function checkIovecCount(iovsLen: number): number {
  const count = iovsLen >>> 0;
  if (count > MAX_IOVECS) throw new SysError('EINVAL', `${count} iovecs (at most ${MAX_IOVECS})`);
  return count;
}

/** UTF-8 encodes a string. */
export function encodeUtf8(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}
