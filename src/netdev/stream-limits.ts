// Limits and preallocated answers shared by the stream socket drivers
// (node/, memory/, wisp/). Portable: no node:* imports, as the memory and
// Wisp drivers run in browsers.
import { EAGAIN, EBADF, SysError } from '../internal/errno.ts';
import type { Readiness } from '../internal/readiness.ts';

/**
 * Largest accept backlog honoured, as Linux's default `net.core.somaxconn`
 * (4096 since 5.4). What happens to connections past the backlog is each
 * driver's own: the Node driver and the Wisp driver close them as they
 * arrive, the memory network keeps them waiting (see `MemoryStreamSocket`).
 */
export const MAX_BACKLOG = 4096;

/**
 * The accept-queue length a `listen(backlog)` gets, 1 to {@link MAX_BACKLOG}.
 * As Linux: a backlog past the maximum (or negative — listen(2) takes an int
 * and Linux compares it unsigned, so `listen(fd, -1)` asks for the most) is
 * the maximum, and 0 still admits one connection. Fractions are floored; NaN
 * counts as 0. A guest's backlog arrives as a u32, so -1 comes as 2^32 - 1.
 */
export function clampBacklog(backlog: number): number {
  if (Number.isNaN(backlog)) return 1;
  if (backlog < 0) return MAX_BACKLOG;
  return Math.min(MAX_BACKLOG, Math.max(1, Math.floor(backlog)));
}

/** Readiness of a socket that is neither ready nor hung up (connecting, or listening for writes). Frozen: shared. */
export const NOT_READY: Readiness = Object.freeze({ ready: false, nbytes: 0, hangup: false });

/**
 * The error a non-blocking stream connect throws once it has started
 * (completion is reported by writability and `takeError`). Preallocated:
 * thrown on every connect, and never read for a stack.
 */
export const EINPROGRESS = new SysError('EINPROGRESS');

/** The life of a stream socket, as every driver tracks it. */
export type StreamState = 'idle' | 'listening' | 'connecting' | 'connected' | 'failed' | 'closed';

/**
 * Throws what recv(2) answers on a stream socket that is not connected:
 * EAGAIN while connecting, EBADF once closed, ENOTCONN otherwise.
 */
export function checkReceivable(state: StreamState): void {
  switch (state) {
    case 'connected':
      return;
    case 'connecting':
      throw EAGAIN;
    case 'closed':
      throw EBADF;
    default:
      throw new SysError('ENOTCONN');
  }
}
