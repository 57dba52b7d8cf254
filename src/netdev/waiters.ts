import type { PollKind } from '../internal/readiness.ts';

/**
 * One-shot wake-up callbacks per readiness kind, shared by the socket
 * implementations: `onReady` registers, `wake` calls and forgets.
 */
export class Waiters {
  readonly #read = new Set<() => void>();
  readonly #write = new Set<() => void>();

  /** Registers `fn` for `kind`; returns a cancel function. */
  add(kind: PollKind, fn: () => void): () => void {
    const set = kind === 'read' ? this.#read : this.#write;
    set.add(fn);
    return () => set.delete(fn);
  }

  /** Calls and removes the waiters of `kind` ('both' for read and write). */
  wake(kind: PollKind | 'both'): void {
    if (kind !== 'write') this.#drain(this.#read);
    if (kind !== 'read') this.#drain(this.#write);
  }

  #drain(set: Set<() => void>): void {
    if (set.size === 0) return;
    const fns = [...set];
    set.clear();
    for (const fn of fns) fn();
  }
}
