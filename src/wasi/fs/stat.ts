import { constants, fstatSync, type BigIntStats } from 'node:fs';
import { toSysError } from '../../internal/errno.ts';
import { Filetype } from '../constants.ts';
import type { Filestat } from '../descriptor.ts';

/** Maps a host `st_mode` to a WASI filetype. */
export function filetypeOf(mode: bigint | number): Filetype {
  switch (Number(mode) & constants.S_IFMT) {
    case constants.S_IFREG:
      return Filetype.REGULAR_FILE;
    case constants.S_IFDIR:
      return Filetype.DIRECTORY;
    case constants.S_IFLNK:
      return Filetype.SYMBOLIC_LINK;
    case constants.S_IFCHR:
      return Filetype.CHARACTER_DEVICE;
    case constants.S_IFBLK:
      return Filetype.BLOCK_DEVICE;
    case constants.S_IFSOCK:
      return Filetype.SOCKET_STREAM;
    default:
      return Filetype.UNKNOWN; // FIFOs have no WASI filetype
  }
}

/** Converts Node's nanosecond-precision stats to a WASI filestat. */
export function toFilestat(st: BigIntStats): Filestat {
  return {
    dev: st.dev,
    ino: st.ino,
    filetype: filetypeOf(st.mode),
    nlink: st.nlink,
    size: st.size,
    atim: st.atimeNs,
    mtim: st.mtimeNs,
    ctim: st.ctimeNs,
  };
}

/** The filestat of an open host fd (Node errors become SysError). */
export function fdFilestat(fd: number): Filestat {
  try {
    return toFilestat(fstatSync(fd, { bigint: true }));
  } catch (err) {
    throw toSysError(err);
  }
}
