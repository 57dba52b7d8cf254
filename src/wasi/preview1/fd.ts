import { SysError } from '../../internal/errno.ts';
import { FstFlags, PreopenType, Rights, Whence } from '../constants.ts';
import type { Filestat, SetTimes } from '../descriptor.ts';
import { hostFunction, type HostContext, type HostFunction, type HostResult } from '../host-function.ts';
import { encodeUtf8, type GuestMemory } from '../memory.ts';
import { untilReady } from './blocking.ts';

/** Size of a WASI `dirent` header (the name follows it). */
const DIRENT_SIZE = 24;
/** Size of a WASI `filestat`. */
export const FILESTAT_SIZE = 64;

/** Writes a `filestat` record (64 bytes). */
export function writeFilestat(m: GuestMemory, ptr: number, st: Filestat): void {
  m.check(ptr, FILESTAT_SIZE);
  m.setU64(ptr, st.dev);
  m.setU64(ptr + 8, st.ino);
  m.setU8(ptr + 16, st.filetype);
  m.bytes(ptr + 17, 7).fill(0);
  m.setU64(ptr + 24, st.nlink);
  m.setU64(ptr + 32, st.size);
  m.setU64(ptr + 40, st.atim);
  m.setU64(ptr + 48, st.mtim);
  m.setU64(ptr + 56, st.ctim);
}

/** Decodes `fstflags` and its two timestamps (EINVAL for contradictory flags). */
export function decodeSetTimes(atim: bigint, mtim: bigint, flags: number): SetTimes {
  if (flags & FstFlags.ATIM && flags & FstFlags.ATIM_NOW) throw new SysError('EINVAL', 'ATIM with ATIM_NOW');
  if (flags & FstFlags.MTIM && flags & FstFlags.MTIM_NOW) throw new SysError('EINVAL', 'MTIM with MTIM_NOW');
  return {
    atim: flags & FstFlags.ATIM_NOW ? 'now' : flags & FstFlags.ATIM ? atim : undefined,
    mtim: flags & FstFlags.MTIM_NOW ? 'now' : flags & FstFlags.MTIM ? mtim : undefined,
  };
}

const u32 = (v: number | bigint): number => (v as number) >>> 0;
const u64 = (v: number | bigint): bigint => BigInt.asUintN(64, v as bigint);

/** The `fd_*` functions. */
export function fd(ctx: HostContext): HostFunction[] {
  const { fds } = ctx;
  const m = (): GuestMemory => ctx.memory;
  return [
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_advise
    hostFunction('fd_advise', 'fd:fd offset:u64 len:u64 advice:u32', (fd, _o, _l, advice) => {
      fds.get(u32(fd), Rights.FD_ADVISE);
      if (u32(advice) > 5) throw new SysError('EINVAL', `advice ${u32(advice)}`);
    }),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_allocate
    hostFunction('fd_allocate', 'fd:fd offset:u64 len:u64', (fd, off, len) =>
      fds.get(u32(fd), Rights.FD_ALLOCATE).allocate(u64(off), u64(len)),
    ),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_close
    hostFunction('fd_close', 'fd:fd', (fd) => fds.close(u32(fd))),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_datasync
    hostFunction('fd_datasync', 'fd:fd', (fd) => fds.get(u32(fd), Rights.FD_DATASYNC).sync()),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_fdstat_get
    hostFunction('fd_fdstat_get', 'fd:fd fdstat:ptr', (fd, out) => {
      const d = fds.get(u32(fd));
      const p = u32(out);
      m().check(p, 24);
      m().bytes(p, 24).fill(0);
      m().setU8(p, d.filetype);
      m().setU16(p + 2, d.fdflags);
      m().setU64(p + 8, d.rightsBase);
      m().setU64(p + 16, d.rightsInheriting);
    }),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_fdstat_set_flags
    hostFunction('fd_fdstat_set_flags', 'fd:fd flags:flags', (fd, flags) =>
      fds.get(u32(fd), Rights.FD_FDSTAT_SET_FLAGS).setFlags(u32(flags) & 0xffff),
    ),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_fdstat_set_rights
    hostFunction('fd_fdstat_set_rights', 'fd:fd rights_base:flags64 rights_inheriting:flags64', (fd, base, inh) => {
      const d = fds.get(u32(fd));
      const b = u64(base);
      const i = u64(inh);
      // Rights can only be dropped, never gained.
      if ((b & ~d.rightsBase) !== 0n || (i & ~d.rightsInheriting) !== 0n) throw new SysError('ENOTCAPABLE');
      d.rightsBase = b;
      d.rightsInheriting = i;
    }),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_filestat_get
    hostFunction('fd_filestat_get', 'fd:fd filestat:ptr', (fd, out) => {
      m().check(u32(out), FILESTAT_SIZE);
      writeFilestat(m(), u32(out), fds.get(u32(fd), Rights.FD_FILESTAT_GET).stat());
    }),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_filestat_set_size
    hostFunction('fd_filestat_set_size', 'fd:fd size:u64', (fd, size) => fds.get(u32(fd), Rights.FD_FILESTAT_SET_SIZE).setSize(u64(size))),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_filestat_set_times
    hostFunction('fd_filestat_set_times', 'fd:fd atim:u64 mtim:u64 fst_flags:flags', (fd, atim, mtim, flags) => {
      const d = fds.get(u32(fd), Rights.FD_FILESTAT_SET_TIMES);
      d.setTimes(decodeSetTimes(u64(atim), u64(mtim), u32(flags)));
    }),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_pread
    hostFunction('fd_pread', 'fd:fd iovs:ptr iovs_len:u32 offset:u64 nread:ptr', (fd, iovs, n, off, out) => {
      const d = fds.get(u32(fd), Rights.FD_READ | Rights.FD_SEEK);
      m().check(u32(out), 4);
      const got = d.pread(m().iovecs(u32(iovs), u32(n)), u64(off));
      m().setU32(u32(out), got);
    }),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_prestat_get
    hostFunction('fd_prestat_get', 'fd:fd prestat:ptr', (fd, out) => {
      const d = fds.get(u32(fd));
      const name = d.preopenName();
      if (name === undefined) throw new SysError(d.isPreopenedNonDir() ? 'ENOTDIR' : 'EBADF');
      m().check(u32(out), 8);
      m().setU32(u32(out), PreopenType.DIR);
      m().setU32(u32(out) + 4, encodeUtf8(name).length);
    }),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_prestat_dir_name
    hostFunction('fd_prestat_dir_name', 'fd:fd path:ptr path_len:u32', (fd, path, len) => {
      const d = fds.get(u32(fd));
      const name = d.preopenName();
      if (name === undefined) throw new SysError(d.isPreopenedNonDir() ? 'ENOTDIR' : 'EBADF');
      const bytes = encodeUtf8(name);
      if (bytes.length > u32(len)) throw new SysError('ENAMETOOLONG');
      m().write(u32(path), bytes);
    }),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_pwrite
    hostFunction('fd_pwrite', 'fd:fd iovs:ptr iovs_len:u32 offset:u64 nwritten:ptr', (fd, iovs, n, off, out) => {
      const d = fds.get(u32(fd), Rights.FD_WRITE | Rights.FD_SEEK);
      m().check(u32(out), 4);
      const put = d.pwrite(m().iovecs(u32(iovs), u32(n)), u64(off));
      m().setU32(u32(out), put);
    }),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_read
    hostFunction(
      'fd_read',
      'fd:fd iovs:ptr iovs_len:u32 nread:ptr',
      (fd, iovs, n, out) => {
        const d = fds.get(u32(fd), Rights.FD_READ);
        m().check(u32(out), 4);
        return settle(
          untilReady(d, 'read', () => d.read(m().iovecs(u32(iovs), u32(n)))),
          (got) => m().setU32(u32(out), got),
        );
      },
      { suspending: true },
    ),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_readdir
    hostFunction('fd_readdir', 'fd:fd buf:ptr buf_len:u32 cookie:u64 bufused:ptr', (fd, buf, len, cookie, out) => {
      const d = fds.get(u32(fd), Rights.FD_READDIR);
      const cap = u32(len);
      const dst = m().bytes(u32(buf), cap);
      m().check(u32(out), 4);
      const start = u64(cookie);
      const entries = d.readdir(start);
      let used = 0;
      for (let i = 0; i < entries.length && used < cap; i++) {
        const e = entries[i]!;
        const rec = new Uint8Array(DIRENT_SIZE + e.name.length);
        const view = new DataView(rec.buffer);
        view.setBigUint64(0, start + BigInt(i + 1), true);
        view.setBigUint64(8, e.ino, true);
        view.setUint32(16, e.name.length, true);
        view.setUint8(20, e.filetype);
        rec.set(e.name, DIRENT_SIZE);
        // A record that does not fit is cut short: the guest sees a full
        // buffer and retries with a larger one (as the spec prescribes).
        const n = Math.min(rec.length, cap - used);
        dst.set(rec.subarray(0, n), used);
        used += n;
      }
      m().setU32(u32(out), used);
    }),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_renumber
    hostFunction('fd_renumber', 'fd:fd to:fd', (from, to) => fds.renumber(u32(from), u32(to))),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_seek
    hostFunction('fd_seek', 'fd:fd offset:i64 whence:u32 newoffset:ptr', (fd, off, whence, out) => {
      const delta = BigInt.asIntN(64, off as bigint);
      // Asking where the offset is (0 from CUR) needs only FD_TELL.
      const d = fds.get(u32(fd), delta === 0n && u32(whence) === Whence.CUR ? Rights.FD_TELL : Rights.FD_SEEK);
      m().check(u32(out), 8);
      m().setU64(u32(out), d.seek(delta, u32(whence)));
    }),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_sync
    hostFunction('fd_sync', 'fd:fd', (fd) => fds.get(u32(fd), Rights.FD_SYNC).sync()),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_tell
    hostFunction('fd_tell', 'fd:fd offset:ptr', (fd, out) => {
      const d = fds.get(u32(fd), Rights.FD_TELL);
      m().check(u32(out), 8);
      m().setU64(u32(out), d.seek(0n, Whence.CUR));
    }),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#fd_write
    hostFunction(
      'fd_write',
      'fd:fd iovs:ptr iovs_len:u32 nwritten:ptr',
      (fd, iovs, n, out) => {
        const d = fds.get(u32(fd), Rights.FD_WRITE);
        m().check(u32(out), 4);
        return settle(
          untilReady(d, 'write', () => d.write(m().iovecs(u32(iovs), u32(n)))),
          (put) => m().setU32(u32(out), put),
        );
      },
      { suspending: true },
    ),
  ];
}

/**
 * Applies `then` to a value now, or when the Promise settles; a SysError in
 * its place (a failure returned rather than thrown, see `HostFunction`) is
 * passed on.
 */
export function settle<T>(v: HostResult<T>, then: (v: T) => void): HostResult<void> {
  if (v instanceof Promise) return v.then((x) => (x instanceof SysError ? x : then(x)));
  if (v instanceof SysError) return v;
  then(v);
}
