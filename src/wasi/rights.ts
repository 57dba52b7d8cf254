/**
 * WASI preview 1 rights: which rights each kind of descriptor can have, which
 * right each host function needs, and the one check that enforces them.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#rights
 *
 * A descriptor starts with every right its kind can have (a preopened
 * directory: the directory rights, and file plus directory rights to hand
 * down). `path_open` grants what was asked for, narrowed to the kind of
 * what was opened and to the directory's inheriting rights; a right that
 * does not apply to the kind is dropped silently, as the spec allows, so
 * opening a directory with file rights in the request is not an error.
 * `fd_fdstat_set_rights` can only drop rights. One exception to the silent
 * narrowing: asking for FD_WRITE where the directory cannot hand it down
 * (a read-only preopen, {@link makeReadOnly}) is ENOTCAPABLE at open.
 *
 * {@link checkRights} then answers a call the descriptor lacks a right for:
 * ENOTCAPABLE when its kind could have had the right (it was dropped or
 * never asked for), otherwise the errno Linux gives for that operation on
 * that kind (`fd_read` on a directory is EISDIR, `fd_seek` on a pipe
 * ESPIPE, `path_open` on a file ENOTDIR, ...).
 */
import { SysError } from '../internal/errno.ts';
import type { Errno } from '../internal/errno.ts';
import { Filetype, Rights as R } from './constants.ts';
import type { Descriptor } from './descriptor.ts';

/** A descriptor's rights: `base` for its own calls, `inheriting` for what `path_open` opens from it. */
export interface RightsPair {
  base: bigint;
  inheriting: bigint;
}

/** What a regular file (or block device) can do. */
export const FILE_RIGHTS =
  R.FD_DATASYNC |
  R.FD_READ |
  R.FD_SEEK |
  R.FD_FDSTAT_SET_FLAGS |
  R.FD_SYNC |
  R.FD_TELL |
  R.FD_WRITE |
  R.FD_ADVISE |
  R.FD_ALLOCATE |
  R.FD_FILESTAT_GET |
  R.FD_FILESTAT_SET_SIZE |
  R.FD_FILESTAT_SET_TIMES |
  R.POLL_FD_READWRITE;

/** The calls only a directory serves: the `path_*` family and listing. */
const PATH_AND_READDIR =
  R.PATH_CREATE_DIRECTORY |
  R.PATH_CREATE_FILE |
  R.PATH_LINK_SOURCE |
  R.PATH_LINK_TARGET |
  R.PATH_OPEN |
  R.FD_READDIR |
  R.PATH_READLINK |
  R.PATH_RENAME_SOURCE |
  R.PATH_RENAME_TARGET |
  R.PATH_FILESTAT_GET |
  R.PATH_FILESTAT_SET_SIZE |
  R.PATH_FILESTAT_SET_TIMES |
  R.PATH_SYMLINK |
  R.PATH_REMOVE_DIRECTORY |
  R.PATH_UNLINK_FILE;

/**
 * What a directory can do: the `path_*` calls, listing, stat and times,
 * sync and flags. Never FD_READ, FD_WRITE, FD_SEEK or FD_FILESTAT_SET_SIZE.
 */
export const DIRECTORY_RIGHTS =
  PATH_AND_READDIR | R.FD_DATASYNC | R.FD_FDSTAT_SET_FLAGS | R.FD_SYNC | R.FD_ADVISE | R.FD_FILESTAT_GET | R.FD_FILESTAT_SET_TIMES;

/** What a terminal can do: a file's rights without seeking (wasi-libc's `isatty` looks for exactly that). */
export const TERMINAL_RIGHTS = FILE_RIGHTS & ~(R.FD_SEEK | R.FD_TELL);

/** The rights of a descriptor that is a terminal (see {@link kindRights}). */
export function terminalRights(): RightsPair {
  return { base: TERMINAL_RIGHTS, inheriting: 0n };
}

/** What a pipe or FIFO can do: stream I/O, flags, stat. */
export const PIPE_RIGHTS = R.FD_READ | R.FD_WRITE | R.FD_FDSTAT_SET_FLAGS | R.FD_FILESTAT_GET | R.POLL_FD_READWRITE;

/** What a socket can do: a pipe's rights plus accept and shutdown. */
export const SOCKET_RIGHTS = PIPE_RIGHTS | R.SOCK_SHUTDOWN | R.SOCK_ACCEPT;

/**
 * The rights a descriptor of `filetype` can have. Only directories hand
 * rights down. A character device that is not a terminal keeps FD_SEEK and
 * FD_TELL (its seek still fails ESPIPE), so that guests do not take a pipe
 * or /dev/null for a terminal; terminals say so with {@link TERMINAL_RIGHTS}.
 */
export function kindRights(filetype: Filetype): RightsPair {
  switch (filetype) {
    case Filetype.DIRECTORY:
      return { base: DIRECTORY_RIGHTS, inheriting: DIRECTORY_RIGHTS | FILE_RIGHTS };
    case Filetype.REGULAR_FILE:
    case Filetype.BLOCK_DEVICE:
    case Filetype.CHARACTER_DEVICE:
      return { base: FILE_RIGHTS, inheriting: 0n };
    case Filetype.SOCKET_STREAM:
    case Filetype.SOCKET_DGRAM:
      return { base: SOCKET_RIGHTS, inheriting: 0n };
    default:
      // FIFOs (which WASI has no filetype for) and anything else.
      return { base: PIPE_RIGHTS, inheriting: 0n };
  }
}

/**
 * Throws unless `d` holds every right in `needed`. A right the descriptor's
 * kind cannot have gives the errno Linux gives for the operation on that
 * kind; a right it could have but lacks gives ENOTCAPABLE.
 */
export function checkRights(d: Descriptor, needed: bigint): void {
  const missing = needed & ~d.rightsBase;
  if (missing === 0n) return;
  const impossible = missing & ~d.possibleRights().base;
  if (impossible !== 0n) throw new SysError(wrongKindErrno(d.filetype, impossible));
  throw new SysError('ENOTCAPABLE', `fd lacks right 0x${missing.toString(16)}`);
}

/** The errno for an operation needing `missing` on a descriptor whose kind cannot do it. */
function wrongKindErrno(filetype: Filetype, missing: bigint): Errno {
  const has = (r: bigint): boolean => (missing & r) !== 0n;
  const dir = filetype === Filetype.DIRECTORY;
  if (has(R.SOCK_ACCEPT | R.SOCK_SHUTDOWN)) return 'ENOTSOCK';
  if (has(PATH_AND_READDIR)) return 'ENOTDIR';
  // read(2), write(2), pread(2), lseek(2) on a directory: EISDIR (Linux
  // answers lseek with 0, but a WASI directory has no offset: readdir
  // cookies take its place).
  if (dir && has(R.FD_READ | R.FD_WRITE | R.FD_SEEK | R.FD_TELL)) return 'EISDIR';
  if (has(R.FD_SEEK | R.FD_TELL | R.FD_ADVISE)) return 'ESPIPE';
  if (has(R.FD_ALLOCATE)) return dir ? 'EBADF' : filetype === Filetype.UNKNOWN ? 'ESPIPE' : 'ENODEV';
  if (has(R.FD_FILESTAT_SET_SIZE | R.FD_SYNC | R.FD_DATASYNC)) return 'EINVAL';
  return 'EBADF';
}

/**
 * The rights a descriptor opened by `path_open` from `dir` gets: what was
 * asked for, narrowed to what the opened kind can have and to what `dir`
 * may hand down.
 */
export function grantedRights(dir: Descriptor, opened: Descriptor, requested: RightsPair): RightsPair {
  const possible = opened.possibleRights();
  return {
    base: requested.base & dir.rightsInheriting & possible.base,
    inheriting: requested.inheriting & dir.rightsInheriting & possible.inheriting,
  };
}

/**
 * Every right that changes a filesystem: writing, truncating, allocating,
 * setting times, and creating, linking, renaming or removing entries.
 * PATH_LINK_SOURCE and PATH_RENAME_SOURCE are among them: a hard link made
 * elsewhere would be a writable name for a read-only file, and a rename
 * removes the entry from where it was.
 */
export const WRITE_RIGHTS =
  R.FD_WRITE |
  R.FD_ALLOCATE |
  R.FD_FILESTAT_SET_SIZE |
  R.FD_FILESTAT_SET_TIMES |
  R.PATH_CREATE_DIRECTORY |
  R.PATH_CREATE_FILE |
  R.PATH_LINK_SOURCE |
  R.PATH_LINK_TARGET |
  R.PATH_RENAME_SOURCE |
  R.PATH_RENAME_TARGET |
  R.PATH_FILESTAT_SET_SIZE |
  R.PATH_FILESTAT_SET_TIMES |
  R.PATH_SYMLINK |
  R.PATH_REMOVE_DIRECTORY |
  R.PATH_UNLINK_FILE;

/**
 * Makes a preopened directory read-only: drops {@link WRITE_RIGHTS} from
 * its own rights and from those it hands down, so every fd opened below it
 * (files and directories, at any depth) is read-only too, and each write
 * is refused with ENOTCAPABLE by {@link checkRights}.
 */
export function makeReadOnly(dir: Descriptor): void {
  dir.rightsBase &= ~WRITE_RIGHTS;
  dir.rightsInheriting &= ~WRITE_RIGHTS;
}
