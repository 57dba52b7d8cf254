import { EAGAIN } from '../../internal/errno.ts';
import { FdFlags } from '../constants.ts';
import type { Descriptor, PollKind } from '../descriptor.ts';

/**
 * Runs a non-blocking I/O attempt and, if it would block (EAGAIN) on a
 * descriptor the guest left in blocking mode, waits for readiness and tries
 * again. A NONBLOCK descriptor gets EAGAIN straight back, which is what Go's
 * netpoller expects. `attempt` must re-read guest memory each time: memory
 * may have grown (and its buffer moved) while the guest was suspended.
 */
export function untilReady<T>(d: Descriptor, kind: PollKind, attempt: () => T): T | Promise<T> {
  try {
    return attempt();
  } catch (err) {
    if (err !== EAGAIN || d.fdflags & FdFlags.NONBLOCK) throw err;
    return new Promise<void>((resolve) => {
      d.onReady(kind, resolve);
    }).then(() => untilReady(d, kind, attempt));
  }
}
