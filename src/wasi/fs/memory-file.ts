import { SysError } from '../../internal/errno.ts';
import { Filetype, Whence } from '../constants.ts';
import { Descriptor, type Filestat } from '../descriptor.ts';

/**
 * A read-only file whose contents live in memory (the virtual /etc files).
 * Writes are EBADF, as on a file opened read-only.
 */
export class MemoryFile extends Descriptor {
  readonly filetype = Filetype.REGULAR_FILE;
  readonly #data: Uint8Array;
  readonly #ino: bigint;
  readonly #mtim: bigint;
  #position = 0;

  constructor(data: Uint8Array, ino: bigint, mtim: bigint) {
    super();
    this.#data = data;
    this.#ino = ino;
    this.#mtim = mtim;
  }

  override read(bufs: Uint8Array[]): number {
    const n = this.pread(bufs, BigInt(this.#position));
    this.#position += n;
    return n;
  }

  override pread(bufs: Uint8Array[], offset: bigint): number {
    let at = Number(offset);
    let total = 0;
    for (const b of bufs) {
      if (at >= this.#data.length) break;
      const n = Math.min(b.length, this.#data.length - at);
      b.set(this.#data.subarray(at, at + n));
      at += n;
      total += n;
    }
    return total;
  }

  override seek(offset: bigint, whence: number): bigint {
    const base = whence === Whence.SET ? 0n : whence === Whence.CUR ? BigInt(this.#position) : BigInt(this.#data.length);
    if (whence > Whence.END) throw new SysError('EINVAL');
    const next = base + offset;
    if (next < 0n) throw new SysError('EINVAL');
    this.#position = Number(next);
    return next;
  }

  override stat(): Filestat {
    return {
      dev: 0n,
      ino: this.#ino,
      filetype: this.filetype,
      nlink: 1n,
      size: BigInt(this.#data.length),
      atim: this.#mtim,
      mtim: this.#mtim,
      ctim: this.#mtim,
    };
  }
}
