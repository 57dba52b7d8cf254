import { EAGAIN } from '../../internal/errno.ts';
import { FdFlags } from '../constants.ts';
import type { Descriptor, PollKind } from '../descriptor.ts';
import type { HostResult } from '../host-function.ts';

/**
 * Runs a non-blocking I/O attempt and, if it would block (EAGAIN) on a
 * descriptor the guest left in blocking mode, waits for readiness and tries
 * again. A NONBLOCK descriptor gets EAGAIN straight back (returned), which is
 * what Go's netpoller expects. `attempt` must re-read guest memory each time: memory
 * may have grown (and its buffer moved) while the guest was suspended.
 */
export function untilReady<T>(d: Descriptor, kind: PollKind, attempt: () => T): HostResult<T> {
  try {
    return attempt();
  } catch (err) {
    if (err !== EAGAIN) throw err;
    // Returned, not thrown again (see HostFunction): Go's netpoller reads
    // until EAGAIN after every wake-up, so this is an everyday answer.
    if (d.fdflags & FdFlags.NONBLOCK) return EAGAIN;
    return new Promise<void>((resolve) => {
      d.onReady(kind, resolve);
    }).then(() => untilReady(d, kind, attempt));
  }
}
