/**
 * The one internal error number used below the ABI edge.
 *
 * Names follow POSIX (and therefore WASI preview 1, whose errno list is the
 * POSIX set). Layers below `wasi/` throw {@link SysError} carrying one of these
 * names; only the ABI edge (`wasi/errno.ts`) turns a name into a number.
 */
export const ERRNO_NAMES = [
  'SUCCESS',
  'E2BIG',
  'EACCES',
  'EADDRINUSE',
  'EADDRNOTAVAIL',
  'EAFNOSUPPORT',
  'EAGAIN',
  'EALREADY',
  'EBADF',
  'EBADMSG',
  'EBUSY',
  'ECANCELED',
  'ECHILD',
  'ECONNABORTED',
  'ECONNREFUSED',
  'ECONNRESET',
  'EDEADLK',
  'EDESTADDRREQ',
  'EDOM',
  'EDQUOT',
  'EEXIST',
  'EFAULT',
  'EFBIG',
  'EHOSTUNREACH',
  'EIDRM',
  'EILSEQ',
  'EINPROGRESS',
  'EINTR',
  'EINVAL',
  'EIO',
  'EISCONN',
  'EISDIR',
  'ELOOP',
  'EMFILE',
  'EMLINK',
  'EMSGSIZE',
  'EMULTIHOP',
  'ENAMETOOLONG',
  'ENETDOWN',
  'ENETRESET',
  'ENETUNREACH',
  'ENFILE',
  'ENOBUFS',
  'ENODEV',
  'ENOENT',
  'ENOEXEC',
  'ENOLCK',
  'ENOLINK',
  'ENOMEM',
  'ENOMSG',
  'ENOPROTOOPT',
  'ENOSPC',
  'ENOSYS',
  'ENOTCONN',
  'ENOTDIR',
  'ENOTEMPTY',
  'ENOTRECOVERABLE',
  'ENOTSOCK',
  'ENOTSUP',
  'ENOTTY',
  'ENXIO',
  'EOVERFLOW',
  'EOWNERDEAD',
  'EPERM',
  'EPIPE',
  'EPROTO',
  'EPROTONOSUPPORT',
  'EPROTOTYPE',
  'ERANGE',
  'EROFS',
  'ESPIPE',
  'ESRCH',
  'ESTALE',
  'ETIMEDOUT',
  'ETXTBSY',
  'EXDEV',
  'ENOTCAPABLE',
] as const;

/** An internal error number, e.g. `'ENOENT'`. */
export type Errno = (typeof ERRNO_NAMES)[number];

const KNOWN = new Set<string>(ERRNO_NAMES);

/**
 * An operating-system style failure raised inside the host. It carries an
 * {@link Errno} and an optional human-readable reason (used by `--trace`).
 */
export class SysError extends Error {
  readonly errno: Errno;
  constructor(errno: Errno, reason?: string) {
    super(reason === undefined ? errno : `${errno}: ${reason}`);
    this.name = 'SysError';
    this.errno = errno;
  }
}

/**
 * Preallocated errors for the hot paths where a guest is expected to retry
 * (EAGAIN) or probe (EBADF). Throwing a preallocated object skips stack
 * capture, which is most of the cost of an exception in V8.
 */
export const EAGAIN = new SysError('EAGAIN');
export const EBADF = new SysError('EBADF');
export const EFAULT = new SysError('EFAULT');

/** Node error codes that differ in name from the POSIX name we use. */
const NODE_ALIASES: Readonly<Record<string, Errno>> = {
  EWOULDBLOCK: 'EAGAIN',
  EOPNOTSUPP: 'ENOTSUP',
  ENOTFOUND: 'ENOENT',
  ERR_FS_FILE_TOO_LARGE: 'EFBIG',
  ERR_INVALID_ARG_VALUE: 'EINVAL',
  ERR_OUT_OF_RANGE: 'EINVAL',
  ERR_INVALID_ARG_TYPE: 'EINVAL',
  ERR_SOCKET_DGRAM_NOT_RUNNING: 'EBADF',
};

/**
 * Translates an exception from a Node API (which carries `code`) into a
 * {@link SysError}. Anything unrecognised becomes EIO, keeping the original
 * message as the reason.
 */
export function toSysError(err: unknown): SysError {
  if (err instanceof SysError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (KNOWN.has(code)) return new SysError(code as Errno, (err as Error).message);
    const alias = NODE_ALIASES[code];
    if (alias !== undefined) return new SysError(alias, (err as Error).message);
  }
  return new SysError('EIO', err instanceof Error ? err.message : String(err));
}
