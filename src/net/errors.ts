import { SysError, toSysError, type Errno } from '../internal/errno.ts';

/**
 * How Linux (and so Go) words an errno, for messages shaped like Go's
 * (`dial tcp 127.0.0.1:1: connect: connection refused`).
 */
const TEXT: Partial<Record<Errno, string>> = {
  EACCES: 'permission denied',
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'cannot assign requested address',
  EAFNOSUPPORT: 'address family not supported by protocol',
  EAGAIN: 'resource temporarily unavailable',
  ECONNABORTED: 'software caused connection abort',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'no route to host',
  EINVAL: 'invalid argument',
  EMFILE: 'too many open files',
  EMSGSIZE: 'message too long',
  ENETUNREACH: 'network is unreachable',
  ENOBUFS: 'no buffer space available',
  ENOENT: 'no such file or directory',
  ENOTCONN: 'transport endpoint is not connected',
  ENOTSUP: 'operation not supported',
  EPIPE: 'broken pipe',
  ETIMEDOUT: 'connection timed out',
};

/** Errnos a retry may cure (Go's `Temporary()`). */
const TEMPORARY: ReadonlySet<string> = new Set(['EAGAIN', 'ECONNRESET', 'ECONNABORTED', 'EMFILE', 'ENOBUFS', 'ETIMEDOUT']);

/**
 * A network operation's failure, shaped like Go's `*net.OpError`: what was
 * done (`op`: `dial`, `listen`, `accept`, `read`, `write`, `close`,
 * `lookup`), on which network (`net`: `tcp`, `udp`, ...), between which
 * addresses, and why. `code` is stable: an errno name (`ECONNREFUSED`), or
 * `ETIMEDOUT` for a passed deadline or timeout, `ENOTFOUND` for a name that
 * does not exist, `ECANCELED` for an aborted call, `ERR_NET_CLOSED` for a
 * use of a closed connection, `ERR_NET_ADDRESS` for a malformed address.
 *
 * @see https://pkg.go.dev/net#OpError
 */
export class OpError extends Error {
  /** The operation: `dial`, `listen`, `accept`, `read`, `write`, `close`, `lookup`, `set`. */
  readonly op: string;
  /** The network: `tcp`, `tcp4`, `udp6`, `unix`, ... */
  readonly net: string;
  /** The local address, when known (as text). */
  readonly source: string | undefined;
  /** The remote address (or, for `listen`, the local one), when known. */
  readonly addr: string | undefined;
  /** A stable code: an errno name or one of the codes above. */
  readonly code: string;
  /** Whether a deadline or timeout passed (Go's `Timeout()`). */
  readonly timeout: boolean;
  /** Whether a retry may succeed (Go's deprecated `Temporary()`). */
  readonly temporary: boolean;

  constructor(
    fields: { op: string; net: string; source?: string | undefined; addr?: string | undefined; code: string; reason: string },
    options?: { cause?: unknown },
  ) {
    const where =
      fields.source !== undefined && fields.addr !== undefined ? `${fields.source}->${fields.addr}` : (fields.addr ?? fields.source);
    super(`${fields.op} ${fields.net}${where === undefined ? '' : ` ${where}`}: ${fields.reason}`, options);
    this.name = 'OpError';
    this.op = fields.op;
    this.net = fields.net;
    this.source = fields.source;
    this.addr = fields.addr;
    this.code = fields.code;
    this.timeout = fields.code === 'ETIMEDOUT';
    this.temporary = this.timeout || TEMPORARY.has(fields.code);
  }
}

/** Where an error happened, for {@link opError}. */
export interface OpContext {
  op: string;
  net: string;
  source?: string | undefined;
  addr?: string | undefined;
  /** The system call Go would name (`connect`, `bind`, `read`): prefixed to errno texts. */
  syscall?: string | undefined;
}

/** `err` (a SysError, a Node error, anything) as an {@link OpError} in context `at`; an OpError passes through. */
export function opError(at: OpContext, err: unknown): OpError {
  if (err instanceof OpError) return err;
  const sys = err instanceof SysError ? err : toSysError(err);
  const text = TEXT[sys.errno] ?? sys.message;
  const code = sys.code === 'ENOTFOUND' ? 'ENOTFOUND' : sys.errno;
  return new OpError({ ...at, code, reason: at.syscall === undefined ? text : `${at.syscall}: ${text}` }, { cause: err });
}

/** Whether `err` is the driver's "would block" (EAGAIN): wait for readiness and try again. */
export function wouldBlock(err: unknown): boolean {
  return err instanceof SysError && err.errno === 'EAGAIN';
}

/** The error of a call whose deadline passed: Go's `i/o timeout`. */
export function timeoutError(at: OpContext): OpError {
  return new OpError({ ...at, code: 'ETIMEDOUT', reason: 'i/o timeout' });
}

/** The error of a call on a closed connection or listener: Go's `use of closed network connection`. */
export function closedError(at: OpContext): OpError {
  return new OpError({ ...at, code: 'ERR_NET_CLOSED', reason: 'use of closed network connection' });
}

/** The error of a call aborted through its `AbortSignal`. */
export function abortedError(at: OpContext, reason: unknown): OpError {
  return new OpError({ ...at, code: 'ECANCELED', reason: 'operation was canceled' }, { cause: reason });
}
