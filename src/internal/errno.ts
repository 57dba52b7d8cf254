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
 * {@link Errno}, an optional human-readable reason (used by `--trace`), and
 * a Node-style {@link SysError.code}, so that code written against Node's
 * errors (`err.code === 'ENOTFOUND'`) reads a SysError the same way.
 */
export class SysError extends Error {
  readonly errno: Errno;
  /**
   * The Node.js error code this error stands for: the original `code` when
   * it was translated from a Node error (e.g. `ENOTFOUND` for a name that
   * does not exist, whose errno is ENOENT), else the errno name.
   */
  readonly code: string;
  constructor(errno: Errno, reason?: string, code?: string) {
    super(reason === undefined ? errno : `${errno}: ${reason}`);
    this.name = 'SysError';
    this.errno = errno;
    this.code = code ?? errno;
  }
}

/**
 * Preallocated errors for the hot paths where a guest is expected to retry
 * (EAGAIN), probe (EBADF) or time out (ETIMEDOUT: Go's net/http ends every
 * request's background read with a deadline in the past). Throwing a
 * preallocated object skips stack capture, which is most of the cost of an
 * exception in V8, and more under a guest: the capture walks its wasm
 * frames and looks up their source positions.
 */
export const EAGAIN = new SysError('EAGAIN');
export const ETIMEDOUT = new SysError('ETIMEDOUT');
export const EBADF = new SysError('EBADF');
export const EFAULT = new SysError('EFAULT');

/** Node error codes that differ in name from the POSIX name we use. */
const NODE_ALIASES: Readonly<Record<string, Errno>> = {
  EWOULDBLOCK: 'EAGAIN',
  EOPNOTSUPP: 'ENOTSUP',
  // node:dns codes (c-ares and getaddrinfo): a name with no record is
  // ENOENT; a server that fails, refuses or stays silent keeps its meaning.
  ENOTFOUND: 'ENOENT',
  ENODATA: 'ENOENT',
  ESERVFAIL: 'EIO',
  EREFUSED: 'ECONNREFUSED',
  ETIMEOUT: 'ETIMEDOUT',
  ECANCELLED: 'ECANCELED',
  ERR_FS_FILE_TOO_LARGE: 'EFBIG',
  ERR_INVALID_ARG_VALUE: 'EINVAL',
  ERR_OUT_OF_RANGE: 'EINVAL',
  ERR_INVALID_ARG_TYPE: 'EINVAL',
  ERR_SOCKET_DGRAM_NOT_RUNNING: 'EBADF',
};

/**
 * Translates an exception from a Node API (which carries `code`) into a
 * {@link SysError} that keeps that `code`. Anything unrecognised becomes
 * EIO, keeping the original message as the reason.
 */
export function toSysError(err: unknown): SysError {
  if (err instanceof SysError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string') {
    if (KNOWN.has(code)) return new SysError(code as Errno, message);
    return new SysError(NODE_ALIASES[code] ?? 'EIO', message, code);
  }
  return new SysError('EIO', message);
}
