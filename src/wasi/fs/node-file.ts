import * as fs from 'node:fs';
import { SysError, toSysError } from '../../internal/errno.ts';
import { FdFlags, Filetype, Whence } from '../constants.ts';
import { Descriptor, type Filestat, type SetTimes } from '../descriptor.ts';
import { setTimes } from './set-times.ts';
import { fdFilestat } from './stat.ts';

/**
 * A regular file (or other non-directory) opened on the host with `node:fs`.
 *
 * Node has no `lseek`, so the file position is kept here and every read and
 * write is positioned. APPEND is emulated (the position moves to the end
 * before each write) so that `fd_fdstat_set_flags` can switch it on and off.
 */
export class NodeFile extends Descriptor {
  readonly filetype: Filetype;
  readonly #fd: number;
  #position = 0n;
  #closed = false;

  constructor(hostFd: number, filetype: Filetype, fdflags: number) {
    super();
    this.#fd = hostFd;
    this.filetype = filetype;
    this.fdflags = fdflags;
  }

  override read(bufs: Uint8Array[]): number {
    const n = this.pread(bufs, this.#position);
    this.#position += BigInt(n);
    return n;
  }

  override write(bufs: Uint8Array[]): number {
    if (this.fdflags & FdFlags.APPEND) this.#position = this.stat().size;
    const n = this.pwrite(bufs, this.#position);
    this.#position += BigInt(n);
    return n;
  }

  override pread(bufs: Uint8Array[], offset: bigint): number {
    if (bufs.length === 0) return 0;
    try {
      return fs.readvSync(this.#fd, bufs, Number(offset));
    } catch (err) {
      throw toSysError(err);
    }
  }

  override pwrite(bufs: Uint8Array[], offset: bigint): number {
    if (bufs.length === 0) return 0;
    try {
      return fs.writevSync(this.#fd, bufs, Number(offset));
    } catch (err) {
      throw toSysError(err);
    }
  }

  override seek(offset: bigint, whence: number): bigint {
    let base: bigint;
    if (whence === Whence.SET) base = 0n;
    else if (whence === Whence.CUR) base = this.#position;
    else if (whence === Whence.END) base = this.stat().size;
    else throw new SysError('EINVAL', `whence ${whence}`);
    const next = base + offset;
    if (next < 0n) throw new SysError('EINVAL', 'seek before start of file');
    this.#position = next;
    return next;
  }

  override stat(): Filestat {
    return fdFilestat(this.#fd);
  }

  override setSize(size: bigint): void {
    try {
      fs.ftruncateSync(this.#fd, Number(size));
    } catch (err) {
      throw toSysError(err);
    }
  }

  override allocate(offset: bigint, len: bigint): void {
    // Node has no fallocate: extending the file with ftruncate gives the
    // guest-visible part of the contract (the size grows, never shrinks).
    if (this.stat().size < offset + len) this.setSize(offset + len);
  }

  override setTimes(times: SetTimes): void {
    setTimes({ fd: this.#fd }, times, () => this.stat());
  }

  override sync(): void {
    try {
      fs.fsyncSync(this.#fd);
    } catch (err) {
      throw toSysError(err);
    }
  }

  override close(): void {
    if (this.#closed) return;
    this.#closed = true;
    fs.closeSync(this.#fd);
  }
}
