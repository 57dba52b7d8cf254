// Small wrappers over the preview 1 file-system calls of a TestHost, for
// tests about rights and descriptor kinds. Scratch memory: paths at 1000,
// results at 2000, iovecs at 2100, data at 3000.
import type { TestHost } from './host.ts';

/** `rights` bits, written out from the spec (not taken from src/). */
export const Rights = {
  FD_DATASYNC: 1n << 0n,
  FD_READ: 1n << 1n,
  FD_SEEK: 1n << 2n,
  FD_FDSTAT_SET_FLAGS: 1n << 3n,
  FD_SYNC: 1n << 4n,
  FD_TELL: 1n << 5n,
  FD_WRITE: 1n << 6n,
  FD_ADVISE: 1n << 7n,
  FD_ALLOCATE: 1n << 8n,
  PATH_CREATE_DIRECTORY: 1n << 9n,
  PATH_CREATE_FILE: 1n << 10n,
  PATH_LINK_SOURCE: 1n << 11n,
  PATH_LINK_TARGET: 1n << 12n,
  PATH_OPEN: 1n << 13n,
  FD_READDIR: 1n << 14n,
  PATH_READLINK: 1n << 15n,
  PATH_RENAME_SOURCE: 1n << 16n,
  PATH_RENAME_TARGET: 1n << 17n,
  PATH_FILESTAT_GET: 1n << 18n,
  PATH_FILESTAT_SET_SIZE: 1n << 19n,
  PATH_FILESTAT_SET_TIMES: 1n << 20n,
  FD_FILESTAT_GET: 1n << 21n,
  FD_FILESTAT_SET_SIZE: 1n << 22n,
  FD_FILESTAT_SET_TIMES: 1n << 23n,
  PATH_SYMLINK: 1n << 24n,
  PATH_REMOVE_DIRECTORY: 1n << 25n,
  PATH_UNLINK_FILE: 1n << 26n,
  POLL_FD_READWRITE: 1n << 27n,
  SOCK_SHUTDOWN: 1n << 28n,
  SOCK_ACCEPT: 1n << 29n,
} as const;

const enc = new TextEncoder();

/** `path_open` options; rights default to none. */
export interface OpenOptions {
  oflags?: number;
  base?: bigint;
  inheriting?: bigint;
  follow?: boolean;
  fdflags?: number;
}

/** Calls `path_open`; `fd` is set on success. */
export function pathOpen(t: TestHost, dirFd: number, path: string, o: OpenOptions = {}): { errno: number; fd: number } {
  const p = enc.encode(path);
  t.memory.write(1000, p);
  const errno = t.callSync(
    'path_open',
    dirFd,
    o.follow === false ? 0 : 1,
    1000,
    p.length,
    o.oflags ?? 0,
    o.base ?? 0n,
    o.inheriting ?? 0n,
    o.fdflags ?? 0,
    2000,
  );
  return { errno, fd: errno === 0 ? t.memory.getU32(2000) : -1 };
}

/** What `fd_fdstat_get` reports. */
export interface Fdstat {
  errno: number;
  filetype: number;
  flags: number;
  base: bigint;
  inheriting: bigint;
}

/** Calls `fd_fdstat_get`. */
export function fdstat(t: TestHost, fd: number): Fdstat {
  const errno = t.callSync('fd_fdstat_get', fd, 2000);
  return {
    errno,
    filetype: t.memory.getU8(2000),
    flags: t.memory.getU16(2002),
    base: t.memory.getU64(2008),
    inheriting: t.memory.getU64(2016),
  };
}

/** Calls `fd_fdstat_set_rights`. */
export function setRights(t: TestHost, fd: number, base: bigint, inheriting: bigint): number {
  return t.callSync('fd_fdstat_set_rights', fd, base, inheriting);
}

/** Drops `drop` from the base rights of `fd` (inheriting unchanged). */
export function dropRights(t: TestHost, fd: number, drop: bigint): number {
  const st = fdstat(t, fd);
  return setRights(t, fd, st.base & ~drop, st.inheriting);
}

/** Points one iovec (at 2100) at 100 bytes of memory at 3000. */
export function oneIovec(t: TestHost): number {
  t.memory.setU32(2100, 3000);
  t.memory.setU32(2104, 100);
  return 2100;
}

/** Calls `fd_read` into one 100-byte buffer; returns the errno. */
export function fdRead(t: TestHost, fd: number): number {
  const r = t.call('fd_read', fd, oneIovec(t), 1, 2200);
  if (typeof r !== 'number') throw new Error('fd_read suspended');
  return r;
}

/** Calls `fd_write` with one 100-byte buffer; returns the errno. */
export function fdWrite(t: TestHost, fd: number): number {
  const r = t.call('fd_write', fd, oneIovec(t), 1, 2200);
  if (typeof r !== 'number') throw new Error('fd_write suspended');
  return r;
}

/** Every bit set in `mask`, by name, for readable assertion messages. */
export function rightNames(mask: bigint): string[] {
  return Object.entries(Rights)
    .filter(([, bit]) => (mask & bit) !== 0n)
    .map(([name]) => name);
}
