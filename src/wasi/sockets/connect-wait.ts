import { SysError } from '../../internal/errno.ts';
import { FdFlags } from '../constants.ts';
import type { SocketDescriptor } from './socket-descriptor.ts';

/** Whether `err` is the EINPROGRESS a stream connect answers while it goes on in the background. */
function inProgress(err: unknown): boolean {
  return err instanceof SysError && err.errno === 'EINPROGRESS';
}

/**
 * Waits for a stream connect under way on `d` to finish: resolves once it
 * is connected, rejects with its error (ECONNREFUSED, ETIMEDOUT, ... as
 * the OS reports it, read once through SO_ERROR's `takeError`), or, when
 * `limitMs` is given and passes first, with EINPROGRESS (the outcome is
 * then left for SO_ERROR, as a non-blocking connect leaves it).
 */
export function connectOutcome(d: SocketDescriptor, limitMs?: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let cancel = (): void => {};
    const timer =
      limitMs === undefined
        ? undefined
        : setTimeout(() => {
            cancel();
            reject(new SysError('EINPROGRESS'));
          }, limitMs);
    // A connecting socket is not writable; it becomes so (or hangs up) when the connect ends either way.
    const check = (): void => {
      if (!d.poll('write').ready) {
        cancel = d.onReady('write', check);
        return;
      }
      clearTimeout(timer);
      const e = d.socket.takeError();
      if (e === undefined) resolve();
      else reject(new SysError(e));
    };
    check();
  });
}

/**
 * Runs `connect` on `d` with connect(2)'s blocking semantics: on a socket
 * the guest made non-blocking (`fd_fdstat_set_flags` NONBLOCK, as Go's
 * netpoller does) a stream connect answers EINPROGRESS and its outcome
 * comes through SO_ERROR; on a blocking socket (C and Rust guests' default)
 * the call waits until the connect has succeeded (0) or failed (its errno).
 * Whatever `connect` throws at once (a policy refusal, EISCONN, ...) is
 * thrown as it is, blocking or not.
 */
export function connectBlocking(d: SocketDescriptor, connect: () => void | Promise<void>): void | Promise<void> {
  try {
    return connect();
  } catch (err) {
    if (!inProgress(err) || d.fdflags & FdFlags.NONBLOCK) throw err;
    return connectOutcome(d);
  }
}

/**
 * Runs `connect` and, if it goes on in the background, waits at most
 * `limitMs` for the outcome before answering EINPROGRESS, whatever the
 * socket's flags (wasinet's connect; see `CONNECT_WAIT_MS` there).
 */
export function connectWithin(d: SocketDescriptor, limitMs: number, connect: () => void | Promise<void>): void | Promise<void> {
  try {
    return connect();
  } catch (err) {
    if (!inProgress(err)) throw err;
    return connectOutcome(d, limitMs);
  }
}
