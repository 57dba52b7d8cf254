import type { PollKind } from '../../internal/readiness.ts';
import { Waiters } from '../waiters.ts';

/**
 * A memory socket's waiters, woken later rather than inside the call that
 * changed the socket: one side's send or close must not run the other
 * side's callbacks (nor whatever they do to the sender in turn) before it
 * returns, just as a real socket's peer learns of data on a later event.
 * Wake-ups asked for in one turn are coalesced into one microtask.
 *
 * A callback that throws cannot take the others down: each is called on
 * its own, and its exception is rethrown in a fresh microtask (reported
 * as uncaught, as an exception in an event handler would be) instead of
 * reaching whichever socket caused the wake-up.
 */
export class Wakeups {
  readonly #waiters = new Waiters();
  #read = false;
  #write = false;
  #scheduled = false;

  /** Registers `fn`, called once when `kind` may have changed; returns a cancel function. */
  add(kind: PollKind, fn: () => void): () => void {
    return this.#waiters.add(kind, () => {
      try {
        fn();
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    });
  }

  /** Wakes the waiters of `kind` ('both' for read and write) in a later microtask. */
  soon(kind: PollKind | 'both'): void {
    if (kind !== 'write') this.#read = true;
    if (kind !== 'read') this.#write = true;
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    const kind = this.#read ? (this.#write ? 'both' : 'read') : 'write';
    this.#scheduled = false;
    this.#read = false;
    this.#write = false;
    this.#waiters.wake(kind);
  }
}
