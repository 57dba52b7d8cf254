import { SysError } from '../internal/errno.ts';
import { ALWAYS_READY, type PollKind, type Readiness } from '../internal/readiness.ts';
import { Filetype } from './constants.ts';
import { kindRights, type RightsPair } from './rights.ts';

export { ALWAYS_READY, type PollKind, type Readiness };

/** WASI `filestat`, as the host fills it in. */
export interface Filestat {
  dev: bigint;
  ino: bigint;
  filetype: Filetype;
  nlink: bigint;
  size: bigint;
  atim: bigint;
  mtim: bigint;
  ctim: bigint;
}

/** One directory entry for `fd_readdir`. */
export interface DirEntry {
  name: Uint8Array;
  ino: bigint;
  filetype: Filetype;
}

/** Arguments of `path_open` after decoding. */
export interface OpenRequest {
  path: string;
  followSymlinks: boolean;
  oflags: number;
  fdflags: number;
  rightsBase: bigint;
  rightsInheriting: bigint;
}

/**
 * Timestamps for `*_filestat_set_times`: `undefined` leaves a time as it is,
 * `'now'` sets the current time, a bigint sets nanoseconds since the epoch.
 */
export interface SetTimes {
  atim: bigint | 'now' | undefined;
  mtim: bigint | 'now' | undefined;
}

/**
 * An open file description in the guest's fd table: stdio, a file, a
 * directory or (later) a socket. The preview 1 functions call these methods
 * and never look at what kind of thing is behind the fd; each kind overrides
 * what it supports and inherits a precise errno for the rest.
 *
 * Methods throw {@link SysError}; the ABI edge translates it.
 */
export abstract class Descriptor {
  abstract readonly filetype: Filetype;
  /** Current `fdflags` (NONBLOCK, APPEND, ...), kept as the guest set them. */
  fdflags = 0;
  #rights: RightsPair | undefined;

  /** Rights for calls on this fd (see src/wasi/rights.ts); at first, all its kind can have. */
  get rightsBase(): bigint {
    return (this.#rights ??= this.possibleRights()).base;
  }
  set rightsBase(v: bigint) {
    (this.#rights ??= this.possibleRights()).base = v;
  }
  /** Rights `path_open` may hand down from this fd. */
  get rightsInheriting(): bigint {
    return (this.#rights ??= this.possibleRights()).inheriting;
  }
  set rightsInheriting(v: bigint) {
    (this.#rights ??= this.possibleRights()).inheriting = v;
  }
  /** Every right a descriptor of this kind can have (terminals override it). */
  possibleRights(): RightsPair {
    return kindRights(this.filetype);
  }

  /** Reads into `bufs` (scatter). Returns bytes read; 0 at end of stream. */
  read(_bufs: Uint8Array[]): number {
    throw new SysError(this.filetype === Filetype.DIRECTORY ? 'EISDIR' : 'EBADF');
  }
  /** Writes from `bufs` (gather). Returns bytes written. */
  write(_bufs: Uint8Array[]): number {
    throw new SysError(this.filetype === Filetype.DIRECTORY ? 'EISDIR' : 'EBADF');
  }
  pread(_bufs: Uint8Array[], _offset: bigint): number {
    throw new SysError(this.filetype === Filetype.DIRECTORY ? 'EISDIR' : 'ESPIPE');
  }
  pwrite(_bufs: Uint8Array[], _offset: bigint): number {
    throw new SysError(this.filetype === Filetype.DIRECTORY ? 'EISDIR' : 'ESPIPE');
  }
  seek(_offset: bigint, _whence: number): bigint {
    throw new SysError(this.filetype === Filetype.DIRECTORY ? 'EISDIR' : 'ESPIPE');
  }
  stat(): Filestat {
    return { dev: 0n, ino: 0n, filetype: this.filetype, nlink: 1n, size: 0n, atim: 0n, mtim: 0n, ctim: 0n };
  }
  setSize(_size: bigint): void {
    throw new SysError('EINVAL');
  }
  setTimes(_times: SetTimes): void {
    throw new SysError('EBADF');
  }
  sync(): void {}
  allocate(_offset: bigint, _len: bigint): void {
    throw new SysError('ENOTSUP');
  }
  /** Updates fdflags; subclasses refuse the flags they cannot honour. */
  setFlags(flags: number): void {
    this.fdflags = flags;
  }
  /** The guest path of a preopened directory, or undefined. */
  preopenName(): string | undefined {
    return undefined;
  }
  /** Whether `fd_prestat_get` should answer ENOTDIR (preopened sockets). */
  isPreopenedNonDir(): boolean {
    return false;
  }
  /** The directory behind this fd, for `path_*` calls; ENOTDIR otherwise. */
  directory(): DirectoryOps {
    throw new SysError('ENOTDIR');
  }
  /** Entries from `cookie` on, for `fd_readdir`. */
  readdir(_cookie: bigint): DirEntry[] {
    throw new SysError('ENOTDIR');
  }
  /** Level-triggered readiness for `poll_oneoff`. */
  poll(_kind: PollKind): Readiness {
    return ALWAYS_READY;
  }
  /**
   * Calls `wake` (once) when `poll(kind)` may have become ready; returns a
   * function that cancels the wait. Descriptors that are always ready never
   * need to call it.
   */
  onReady(_kind: PollKind, _wake: () => void): () => void {
    return noop;
  }
  /** `sock_accept`: the next pending connection as a new descriptor. */
  accept(_fdflags: number): Descriptor {
    throw new SysError('ENOTSOCK');
  }
  /** `sock_recv`: reads into `bufs`; `truncated` when a datagram did not fit. */
  recv(_bufs: Uint8Array[], _riflags: number): { n: number; truncated: boolean } {
    throw new SysError('ENOTSOCK');
  }
  /** `sock_send`: writes `bufs`, returns bytes sent. */
  send(_bufs: Uint8Array[], _siflags: number): number {
    throw new SysError('ENOTSOCK');
  }
  /** `sock_shutdown`: `how` is a mask of SdFlags (RD 1, WR 2). */
  shutdown(_how: number): void {
    throw new SysError('ENOTSOCK');
  }
  /** Releases host resources. Called once, from `fd_close` or teardown. */
  close(): void {}
}

function noop(): void {}

/**
 * The `path_*` operations of a directory descriptor. Paths are relative to
 * the directory and must stay inside its preopen (ENOTCAPABLE otherwise).
 */
export interface DirectoryOps {
  openAt(req: OpenRequest): Descriptor;
  statAt(path: string, followSymlinks: boolean): Filestat;
  setTimesAt(path: string, followSymlinks: boolean, times: SetTimes): void;
  mkdirAt(path: string): void;
  rmdirAt(path: string): void;
  unlinkAt(path: string): void;
  /** Moves `oldPath` here to `newPath` in `newDir` (same backend, else EXDEV). */
  renameAt(oldPath: string, newDir: DirectoryOps, newPath: string): void;
  linkAt(oldPath: string, followSymlinks: boolean, newDir: DirectoryOps, newPath: string): void;
  symlinkAt(target: string, linkPath: string): void;
  readlinkAt(path: string): Uint8Array;
}
