/**
 * An open regular file of a `MemoryFs`, as the guest's fd table holds it.
 */
import { SysError } from '../../internal/errno.ts';
import { FdFlags, Filetype, Whence } from '../constants.ts';
import { Descriptor, type Filestat, type SetTimes } from '../descriptor.ts';
import type { FileNode, MemoryTree } from './memory-tree.ts';

/** How a file was opened: O_RDONLY, O_WRONLY or O_RDWR. */
export interface MemoryAccess {
  readonly read: boolean;
  readonly write: boolean;
}

/**
 * A regular file of an in-memory tree, opened by `path_open`. Like the
 * host backend's `NodeFile` it keeps its own position and emulates APPEND (the
 * position moves to the end before each `fd_write`, never for `fd_pwrite`),
 * so `fd_fdstat_set_flags` can switch it on and off. Reading a file opened
 * write-only, or writing one opened read-only, is EBADF; truncating one
 * opened read-only is EINVAL, as ftruncate(2) answers.
 */
export class MemoryOpenFile extends Descriptor {
  readonly filetype = Filetype.REGULAR_FILE;
  readonly #tree: MemoryTree;
  readonly #node: FileNode;
  readonly #access: MemoryAccess;
  #position = 0n;
  #closed = false;

  /** Opens `node` of `tree` (the tree keeps an unlinked file alive until {@link close}). */
  constructor(tree: MemoryTree, node: FileNode, access: MemoryAccess, fdflags: number) {
    super();
    this.#tree = tree;
    this.#node = node;
    this.#access = access;
    this.fdflags = fdflags;
    node.opens++;
  }

  override read(bufs: Uint8Array[]): number {
    const n = this.pread(bufs, this.#position);
    this.#position += BigInt(n);
    return n;
  }

  override write(bufs: Uint8Array[]): number {
    if (!this.#access.write) throw new SysError('EBADF', 'file not open for writing');
    if (this.fdflags & FdFlags.APPEND) this.#position = BigInt(this.#node.size);
    const n = this.pwrite(bufs, this.#position);
    this.#position += BigInt(n);
    return n;
  }

  override pread(bufs: Uint8Array[], offset: bigint): number {
    if (!this.#access.read) throw new SysError('EBADF', 'file not open for reading');
    return this.#tree.read(this.#node, bufs, offset);
  }

  override pwrite(bufs: Uint8Array[], offset: bigint): number {
    if (!this.#access.write) throw new SysError('EBADF', 'file not open for writing');
    return this.#tree.write(this.#node, bufs, offset);
  }

  override seek(offset: bigint, whence: number): bigint {
    let base: bigint;
    if (whence === Whence.SET) base = 0n;
    else if (whence === Whence.CUR) base = this.#position;
    else if (whence === Whence.END) base = BigInt(this.#node.size);
    else throw new SysError('EINVAL', `whence ${whence}`);
    const next = base + offset;
    if (next < 0n) throw new SysError('EINVAL', 'seek before start of file');
    this.#position = next;
    return next;
  }

  override stat(): Filestat {
    return this.#tree.stat(this.#node);
  }

  override setSize(size: bigint): void {
    if (!this.#access.write) throw new SysError('EINVAL', 'file not open for writing');
    this.#tree.resize(this.#node, size);
  }

  override allocate(offset: bigint, len: bigint): void {
    // As NodeFile: the guest-visible part of fallocate, a size that grows and never shrinks.
    if (BigInt(this.#node.size) < offset + len) this.setSize(offset + len);
  }

  override setTimes(times: SetTimes): void {
    this.#tree.setTimes(this.#node, times);
  }

  override close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#tree.closeFile(this.#node);
  }
}
