import type { PollKind } from '../internal/readiness.ts';
import type { NetSocket } from '../netdev/socket.ts';
import { abortedError, closedError, opError, timeoutError, wouldBlock, type OpContext } from './errors.ts';

/** A deadline as the API takes it: a `Date`, milliseconds since the epoch, or `null` for none. */
export type Deadline = Date | number | null;

/**
 * The read and write deadlines of one connection, with Go's semantics: a
 * deadline is a point in time, not a duration; once it has passed, pending
 * and later calls in that direction fail with a timeout until it is
 * changed; changing it (or closing) wakes pending calls so that they look
 * again.
 *
 * @see https://pkg.go.dev/net#Conn (SetDeadline)
 */
export class Deadlines {
  readonly #at: Record<PollKind, number | undefined> = { read: undefined, write: undefined };
  readonly #waiting: Record<PollKind, Set<() => void>> = { read: new Set(), write: new Set() };

  /** Sets the deadline of `kind` (`both` for both), waking pending calls. */
  set(kind: PollKind | 'both', when: Deadline): void {
    const ms = when === null ? undefined : typeof when === 'number' ? when : when.getTime();
    if (ms !== undefined && !Number.isFinite(ms)) throw new TypeError(`deadline ${String(when)} is not a time`);
    for (const k of kind === 'both' ? (['read', 'write'] as const) : [kind]) {
      this.#at[k] = ms;
      this.wake(k);
    }
  }

  /** Wakes the calls waiting in direction `kind`, so they look at the socket, the deadline and `closed` again. */
  wake(kind: PollKind | 'both'): void {
    for (const k of kind === 'both' ? (['read', 'write'] as const) : [kind]) {
      const fns = [...this.#waiting[k]];
      this.#waiting[k].clear();
      for (const fn of fns) fn();
    }
  }

  /** Throws the timeout error when the deadline of `kind` has passed. */
  check(kind: PollKind, at: OpContext): void {
    const deadline = this.#at[kind];
    if (deadline !== undefined && Date.now() >= deadline) throw timeoutError(at);
  }

  /**
   * Calls `attempt` (a non-blocking driver call) until it answers without
   * EAGAIN, waiting for `socket` to be ready for `kind` in between; each try
   * first checks `closed` and the deadline. Other driver errors become
   * {@link OpError}s in context `at`.
   */
  async retry<T>(socket: NetSocket, kind: PollKind, at: OpContext, closed: () => boolean, attempt: () => T): Promise<T> {
    for (;;) {
      if (closed()) throw closedError(at);
      this.check(kind, at);
      try {
        return attempt();
      } catch (err) {
        if (!wouldBlock(err)) throw opError(at, err);
      }
      await this.wait(socket, kind, at, closed);
    }
  }

  /**
   * Resolves once `socket` may be ready for `kind`; rejects with the
   * timeout error when the deadline passes first, the closed error when
   * `closed()` becomes true, the canceled error when `signal` aborts.
   */
  async wait(socket: NetSocket, kind: PollKind, at: OpContext, closed: () => boolean, signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (closed()) throw closedError(at);
      if (signal?.aborted === true) throw abortedError(at, signal.reason);
      this.check(kind, at);
      if (socket.poll(kind).ready) return;
      const deadline = this.#at[kind];
      await new Promise<void>((resolve) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const done = (): void => {
          cancel();
          clearTimeout(timer);
          this.#waiting[kind].delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const cancel = socket.onReady(kind, done);
        // setTimeout's longest delay is about 24.8 days; a later deadline re-arms when it fires.
        if (deadline !== undefined) timer = setTimeout(done, Math.min(2 ** 31 - 1, Math.max(0, deadline - Date.now())));
        this.#waiting[kind].add(done);
        signal?.addEventListener('abort', done);
      });
    }
  }
}

/** What connections with deadlines share: Go's three setters over one {@link Deadlines}. */
export abstract class WithDeadlines {
  /** The read and write deadlines, for subclasses' waits. */
  protected readonly deadlines = new Deadlines();

  /** Sets the read and write deadlines (`null`: none). */
  setDeadline(when: Deadline): void {
    this.deadlines.set('both', when);
  }

  /** Sets the read deadline: once passed, pending and later reads fail with a timeout until it is changed. */
  setReadDeadline(when: Deadline): void {
    this.deadlines.set('read', when);
  }

  /** Sets the write deadline. */
  setWriteDeadline(when: Deadline): void {
    this.deadlines.set('write', when);
  }
}
