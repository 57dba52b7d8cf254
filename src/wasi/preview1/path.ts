import { SysError } from '../../internal/errno.ts';
import { LookupFlags, OFlags, Rights } from '../constants.ts';
import { hostFunction, type HostContext, type HostFunction } from '../host-function.ts';
import { MAX_PATH_BYTES } from '../limits.ts';
import type { GuestMemory } from '../memory.ts';
import { grantedRights } from '../rights.ts';
import { FILESTAT_SIZE, decodeSetTimes, writeFilestat } from './fd.ts';

const u32 = (v: number | bigint): number => (v as number) >>> 0;
const u64 = (v: number | bigint): bigint => BigInt.asUintN(64, v as bigint);

/** The `path_*` functions; each resolves against a directory fd. */
export function path(ctx: HostContext): HostFunction[] {
  const { fds } = ctx;
  const m = (): GuestMemory => ctx.memory;
  // A path is decoded only once its length is known to fit (Linux: PATH_MAX).
  const str = (ptr: number | bigint, len: number | bigint): string => {
    if (u32(len) >= MAX_PATH_BYTES) throw new SysError('ENAMETOOLONG', `path of ${u32(len)} bytes`);
    return m().string(u32(ptr), u32(len));
  };
  /** The directory at `fd`, which must hold the rights in `needed`. */
  const dir = (fd: number | bigint, needed: bigint) => fds.get(u32(fd), needed).directory();
  const follow = (flags: number | bigint): boolean => (u32(flags) & LookupFlags.SYMLINK_FOLLOW) !== 0;
  return [
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_create_directory
    hostFunction('path_create_directory', 'fd:fd path:path path_len:u32', (fd, p, n) =>
      dir(fd, Rights.PATH_CREATE_DIRECTORY).mkdirAt(str(p, n)),
    ),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_filestat_get
    hostFunction('path_filestat_get', 'fd:fd flags:flags path:path path_len:u32 filestat:ptr', (fd, flags, p, n, out) => {
      m().check(u32(out), FILESTAT_SIZE);
      writeFilestat(m(), u32(out), dir(fd, Rights.PATH_FILESTAT_GET).statAt(str(p, n), follow(flags)));
    }),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_filestat_set_times
    hostFunction(
      'path_filestat_set_times',
      'fd:fd flags:flags path:path path_len:u32 atim:u64 mtim:u64 fst_flags:flags',
      (fd, flags, p, n, atim, mtim, fst) =>
        dir(fd, Rights.PATH_FILESTAT_SET_TIMES).setTimesAt(str(p, n), follow(flags), decodeSetTimes(u64(atim), u64(mtim), u32(fst))),
    ),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_link
    hostFunction(
      'path_link',
      'old_fd:fd old_flags:flags old_path:path old_path_len:u32 new_fd:fd new_path:path new_path_len:u32',
      (ofd, oflags, op, on, nfd, np, nn) =>
        dir(ofd, Rights.PATH_LINK_SOURCE).linkAt(str(op, on), follow(oflags), dir(nfd, Rights.PATH_LINK_TARGET), str(np, nn)),
    ),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_open
    hostFunction(
      'path_open',
      'fd:fd dirflags:flags path:path path_len:u32 oflags:flags fs_rights_base:flags64 fs_rights_inheriting:flags64 fdflags:flags fd_out:ptr',
      (fd, dirflags, p, n, oflags, base, inheriting, fdflags, out) => {
        const o = u32(oflags);
        const requested = { base: u64(base), inheriting: u64(inheriting) };
        const parent = fds.get(u32(fd), Rights.PATH_OPEN | (o & OFlags.CREAT ? Rights.PATH_CREATE_FILE : 0n));
        // Truncating needs PATH_FILESTAT_SET_SIZE on the directory, or a new
        // fd granted FD_FILESTAT_SET_SIZE (which could truncate it anyway).
        if (
          o & OFlags.TRUNC &&
          (parent.rightsBase & Rights.PATH_FILESTAT_SET_SIZE) === 0n &&
          (requested.base & parent.rightsInheriting & Rights.FD_FILESTAT_SET_SIZE) === 0n
        )
          throw new SysError('ENOTCAPABLE', 'O_TRUNC without PATH_FILESTAT_SET_SIZE or FD_FILESTAT_SET_SIZE');
        // Opening for writing where writes cannot be handed down (a read-only
        // preopen) fails here, as open(2) does on a read-only mount, rather
        // than at the first write; the host never opens such a file writable.
        if ((requested.base & Rights.FD_WRITE & ~parent.rightsInheriting) !== 0n)
          throw new SysError('ENOTCAPABLE', 'FD_WRITE asked of a directory that cannot hand it down');
        m().check(u32(out), 4);
        // A full table refuses before the open, as open(2) reserves the fd
        // first: opening could create or truncate the file, and the guest,
        // told EMFILE, must find it as it was.
        fds.ensureRoom();
        const opened = parent.directory().openAt({
          path: str(p, n),
          followSymlinks: follow(dirflags),
          oflags: o,
          fdflags: u32(fdflags) & 0xffff,
          rightsBase: requested.base,
          rightsInheriting: requested.inheriting,
        });
        const granted = grantedRights(parent, opened, requested);
        opened.rightsBase = granted.base;
        opened.rightsInheriting = granted.inheriting;
        m().setU32(u32(out), fds.adopt(opened));
      },
    ),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_readlink
    hostFunction('path_readlink', 'fd:fd path:path path_len:u32 buf:ptr buf_len:u32 bufused:ptr', (fd, p, n, buf, len, out) => {
      const dst = m().bytes(u32(buf), u32(len));
      m().check(u32(out), 4);
      const target = dir(fd, Rights.PATH_READLINK).readlinkAt(str(p, n));
      // Truncated like readlink(2); Go retries with a larger buffer when full.
      const k = Math.min(target.length, dst.length);
      dst.set(target.subarray(0, k));
      m().setU32(u32(out), k);
    }),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_remove_directory
    hostFunction('path_remove_directory', 'fd:fd path:path path_len:u32', (fd, p, n) =>
      dir(fd, Rights.PATH_REMOVE_DIRECTORY).rmdirAt(str(p, n)),
    ),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_rename
    hostFunction(
      'path_rename',
      'fd:fd old_path:path old_path_len:u32 new_fd:fd new_path:path new_path_len:u32',
      (fd, op, on, nfd, np, nn) =>
        dir(fd, Rights.PATH_RENAME_SOURCE).renameAt(str(op, on), dir(nfd, Rights.PATH_RENAME_TARGET), str(np, nn)),
    ),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_symlink
    hostFunction('path_symlink', 'old_path:path old_path_len:u32 fd:fd new_path:path new_path_len:u32', (op, on, fd, np, nn) =>
      dir(fd, Rights.PATH_SYMLINK).symlinkAt(str(op, on), str(np, nn)),
    ),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#path_unlink_file
    hostFunction('path_unlink_file', 'fd:fd path:path path_len:u32', (fd, p, n) => dir(fd, Rights.PATH_UNLINK_FILE).unlinkAt(str(p, n))),
  ];
}
