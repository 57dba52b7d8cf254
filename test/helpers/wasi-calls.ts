// Wrappers over the preview 1 path and file calls of a TestHost, each
// returning the errno and what the call produced, for tests that drive a
// directory backend through the real host functions. Scratch memory: first
// path at 1000, second path at 1500, results at 2000, iovecs at 2100,
// counts at 2200, data at 3000 (up to 8 KiB), readdir buffer at 12000.
import type { TestHost } from './host.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Every right. */
export const ALL_RIGHTS = (1n << 30n) - 1n;

const DATA = 3000;
const O_DIRECTORY = 2;
const FD_WRITE = 1n << 6n;
const DATA_MAX = 8192;
const DIRBUF = 12000;

function put(t: TestHost, at: number, s: string): number {
  const b = enc.encode(s);
  t.memory.write(at, b);
  return b.length;
}

/** What `path_filestat_get` / `fd_filestat_get` report. */
export interface Stat {
  errno: number;
  dev: bigint;
  ino: bigint;
  filetype: number;
  nlink: bigint;
  size: bigint;
  atim: bigint;
  mtim: bigint;
  ctim: bigint;
}

function readStat(t: TestHost, errno: number): Stat {
  const m = t.memory;
  return {
    errno,
    dev: m.getU64(2000),
    ino: m.getU64(2008),
    filetype: m.getU8(2016),
    nlink: m.getU64(2024),
    size: m.getU64(2032),
    atim: m.getU64(2040),
    mtim: m.getU64(2048),
    ctim: m.getU64(2056),
  };
}

/** `path_open` options; rights default to all (all but FD_WRITE with O_DIRECTORY, which a directory refuses). */
export interface Open {
  oflags?: number;
  base?: bigint;
  inheriting?: bigint;
  follow?: boolean;
  fdflags?: number;
}

/** Calls `path_open`; `fd` is -1 on failure. */
export function open(t: TestHost, dir: number, path: string, o: Open = {}): { errno: number; fd: number } {
  const n = put(t, 1000, path);
  const oflags = o.oflags ?? 0;
  const errno = t.callSync(
    'path_open',
    dir,
    o.follow === false ? 0 : 1,
    1000,
    n,
    oflags,
    o.base ?? (oflags & O_DIRECTORY ? ALL_RIGHTS & ~FD_WRITE : ALL_RIGHTS),
    o.inheriting ?? ALL_RIGHTS,
    o.fdflags ?? 0,
    2000,
  );
  return { errno, fd: errno === 0 ? t.memory.getU32(2000) : -1 };
}

/** Calls `fd_close`. */
export function close(t: TestHost, fd: number): number {
  return t.callSync('fd_close', fd);
}

/** Calls `path_filestat_get`. */
export function stat(t: TestHost, dir: number, path: string, follow = true): Stat {
  const n = put(t, 1000, path);
  return readStat(t, t.callSync('path_filestat_get', dir, follow ? 1 : 0, 1000, n, 2000));
}

/** Calls `fd_filestat_get`. */
export function fstat(t: TestHost, fd: number): Stat {
  return readStat(t, t.callSync('fd_filestat_get', fd, 2000));
}

/** Calls `path_create_directory`. */
export function mkdir(t: TestHost, dir: number, path: string): number {
  return t.callSync('path_create_directory', dir, 1000, put(t, 1000, path));
}

/** Calls `path_remove_directory`. */
export function rmdir(t: TestHost, dir: number, path: string): number {
  return t.callSync('path_remove_directory', dir, 1000, put(t, 1000, path));
}

/** Calls `path_unlink_file`. */
export function unlink(t: TestHost, dir: number, path: string): number {
  return t.callSync('path_unlink_file', dir, 1000, put(t, 1000, path));
}

/** Calls `path_rename`. */
export function rename(t: TestHost, dir: number, from: string, toDir: number, to: string): number {
  return t.callSync('path_rename', dir, 1000, put(t, 1000, from), toDir, 1500, put(t, 1500, to));
}

/** Calls `path_link`. */
export function link(t: TestHost, dir: number, from: string, toDir: number, to: string, follow = false): number {
  return t.callSync('path_link', dir, follow ? 1 : 0, 1000, put(t, 1000, from), toDir, 1500, put(t, 1500, to));
}

/** Calls `path_symlink`. */
export function symlink(t: TestHost, target: string, dir: number, path: string): number {
  return t.callSync('path_symlink', 1000, put(t, 1000, target), dir, 1500, put(t, 1500, path));
}

/** Calls `path_readlink` with a 1000-byte buffer. */
export function readlink(t: TestHost, dir: number, path: string): { errno: number; target: string } {
  const errno = t.callSync('path_readlink', dir, 1000, put(t, 1000, path), DATA, 1000, 2200);
  return { errno, target: errno === 0 ? dec.decode(t.memory.bytes(DATA, t.memory.getU32(2200))) : '' };
}

function iovec(t: TestHost, len: number): number {
  t.memory.setU32(2100, DATA);
  t.memory.setU32(2104, len);
  return 2100;
}

/** Calls `fd_write` with `data` (at most 8 KiB). */
export function write(t: TestHost, fd: number, data: string | Uint8Array): { errno: number; n: number } {
  const b = typeof data === 'string' ? enc.encode(data) : data;
  if (b.length > DATA_MAX) throw new Error('write: too much data for the scratch area');
  t.memory.write(DATA, b);
  const r = t.call('fd_write', fd, iovec(t, b.length), 1, 2200);
  if (typeof r !== 'number') throw new Error('fd_write suspended');
  return { errno: r, n: r === 0 ? t.memory.getU32(2200) : 0 };
}

/** Calls `fd_read` for up to `max` bytes (at most 8 KiB). */
export function read(t: TestHost, fd: number, max = DATA_MAX): { errno: number; text: string; bytes: Uint8Array } {
  const r = t.call('fd_read', fd, iovec(t, max), 1, 2200);
  if (typeof r !== 'number') throw new Error('fd_read suspended');
  const bytes = r === 0 ? t.memory.bytes(DATA, t.memory.getU32(2200)).slice() : new Uint8Array(0);
  return { errno: r, text: dec.decode(bytes), bytes };
}

/** Calls `fd_pwrite` with `data` at `offset`. */
export function pwrite(t: TestHost, fd: number, data: string, offset: bigint): { errno: number; n: number } {
  const b = enc.encode(data);
  t.memory.write(DATA, b);
  const errno = t.callSync('fd_pwrite', fd, iovec(t, b.length), 1, offset, 2200);
  return { errno, n: errno === 0 ? t.memory.getU32(2200) : 0 };
}

/** Calls `fd_pread` for up to `max` bytes at `offset`. */
export function pread(t: TestHost, fd: number, max: number, offset: bigint): { errno: number; text: string } {
  const errno = t.callSync('fd_pread', fd, iovec(t, max), 1, offset, 2200);
  return { errno, text: errno === 0 ? dec.decode(t.memory.bytes(DATA, t.memory.getU32(2200))) : '' };
}

/** Calls `fd_seek`; `offset` is the new position. */
export function seek(t: TestHost, fd: number, delta: bigint, whence: number): { errno: number; offset: bigint } {
  const errno = t.callSync('fd_seek', fd, delta, whence, 2200);
  return { errno, offset: errno === 0 ? t.memory.getU64(2200) : -1n };
}

/** Calls `fd_tell`. */
export function tell(t: TestHost, fd: number): { errno: number; offset: bigint } {
  const errno = t.callSync('fd_tell', fd, 2200);
  return { errno, offset: errno === 0 ? t.memory.getU64(2200) : -1n };
}

/** One `dirent` from `fd_readdir`. */
export interface Dirent {
  next: bigint;
  ino: bigint;
  name: string;
  filetype: number;
}

/** Calls `fd_readdir` once with a `len`-byte buffer; whole records only. */
export function readdir(t: TestHost, fd: number, cookie = 0n, len = 4096): { errno: number; entries: Dirent[]; used: number } {
  const errno = t.callSync('fd_readdir', fd, DIRBUF, len, cookie, 2200);
  const entries: Dirent[] = [];
  if (errno !== 0) return { errno, entries, used: 0 };
  const used = t.memory.getU32(2200);
  let at = 0;
  while (at + 24 <= used) {
    const m = t.memory;
    const namlen = m.getU32(DIRBUF + at + 16);
    if (at + 24 + namlen > used) break;
    entries.push({
      next: m.getU64(DIRBUF + at),
      ino: m.getU64(DIRBUF + at + 8),
      filetype: m.getU8(DIRBUF + at + 20),
      name: dec.decode(m.bytes(DIRBUF + at + 24, namlen)),
    });
    at += 24 + namlen;
  }
  return { errno, entries, used };
}
