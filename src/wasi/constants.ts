/**
 * WASI preview 1 enumerations and flags, as numbers on the wire.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md
 *
 * Plain `const` objects rather than TypeScript enums: the sources run under
 * Node's type stripping, which accepts only erasable syntax.
 */

/** `filetype` */
export const Filetype = {
  UNKNOWN: 0,
  BLOCK_DEVICE: 1,
  CHARACTER_DEVICE: 2,
  DIRECTORY: 3,
  REGULAR_FILE: 4,
  SOCKET_DGRAM: 5,
  SOCKET_STREAM: 6,
  SYMBOLIC_LINK: 7,
} as const;
export type Filetype = (typeof Filetype)[keyof typeof Filetype];

/** `fdflags` */
export const FdFlags = { APPEND: 1, DSYNC: 2, NONBLOCK: 4, RSYNC: 8, SYNC: 16 } as const;

/** `oflags` */
export const OFlags = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 } as const;

/** `lookupflags` */
export const LookupFlags = { SYMLINK_FOLLOW: 1 } as const;

/** `fstflags` */
export const FstFlags = { ATIM: 1, ATIM_NOW: 2, MTIM: 4, MTIM_NOW: 8 } as const;

/** `whence` */
export const Whence = { SET: 0, CUR: 1, END: 2 } as const;

/** `clockid` */
export const ClockId = { REALTIME: 0, MONOTONIC: 1, PROCESS_CPUTIME: 2, THREAD_CPUTIME: 3 } as const;

/** `eventtype` */
export const EventType = { CLOCK: 0, FD_READ: 1, FD_WRITE: 2 } as const;

/** `eventrwflags` */
export const EventRwFlags = { HANGUP: 1 } as const;

/** `subclockflags` */
export const SubclockFlags = { ABSTIME: 1 } as const;

/** `preopentype` */
export const PreopenType = { DIR: 0 } as const;

/** `sdflags` for `sock_shutdown` */
export const SdFlags = { RD: 1, WR: 2 } as const;

/** `riflags` / `roflags` */
export const RiFlags = { RECV_PEEK: 1, RECV_WAITALL: 2 } as const;
export const RoFlags = { RECV_DATA_TRUNCATED: 1 } as const;

/** All rights (the 30 defined bits); dialtone grants every right it can serve. */
export const RIGHTS_ALL = (1n << 30n) - 1n;
