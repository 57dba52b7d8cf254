import { EAGAIN, SysError } from '../../internal/errno.ts';
import type { PollKind } from '../../internal/readiness.ts';
import type { SocketDescriptor } from './socket-descriptor.ts';

/** The longest a spinning guest is held before it hears EAGAIN again. */
export const MAX_SPIN_WAIT_MS = 10;
/** Descriptors spun on within this window are watched together. */
const SPIN_MEMORY_MS = 1000;

/**
 * Turns a guest's busy-wait into a bounded sleep. wasinet guests have no
 * poll for reads and accepts: they call again on EAGAIN, forever. Answering
 * each EAGAIN at once would burn a core while idle; blocking until ready
 * would freeze the guest's other goroutines. So after a few immediate
 * EAGAINs on a descriptor, the call waits — at most a few milliseconds,
 * growing to {@link MAX_SPIN_WAIT_MS} — and returns early the moment that
 * descriptor, or any other one the guest is spinning on, becomes ready.
 */
export class SpinWait {
  /** Consecutive EAGAINs per descriptor, and when it last spun. */
  readonly #spins = new Map<SocketDescriptor, { count: number; at: number; kind: PollKind }>();

  /**
   * Runs `attempt`; on EAGAIN, either rethrows at once (the first few
   * times) or waits as described and tries once more. `deadline`
   * (performance.now() time) turns EAGAIN past it into ETIMEDOUT.
   */
  run<T>(d: SocketDescriptor, kind: PollKind, deadline: number | undefined, attempt: () => T): T | Promise<T> {
    try {
      const r = attempt();
      this.#spins.delete(d);
      return r;
    } catch (err) {
      if (err !== EAGAIN) throw err;
    }
    const now = performance.now();
    if (deadline !== undefined && now >= deadline) throw new SysError('ETIMEDOUT');
    const prev = this.#spins.get(d);
    const count = (prev?.count ?? 0) + 1;
    this.#spins.set(d, { count, at: now, kind });
    if (count <= 2) throw EAGAIN;
    let ms = Math.min(MAX_SPIN_WAIT_MS, 2 ** (count - 3));
    if (deadline !== undefined) ms = Math.max(0, Math.min(ms, deadline - now));
    return this.#wait(ms).then(() => {
      try {
        const r = attempt();
        this.#spins.delete(d);
        return r;
      } catch (err) {
        if (err === EAGAIN && deadline !== undefined && performance.now() >= deadline) throw new SysError('ETIMEDOUT');
        throw err;
      }
    });
  }

  /** Resolves after `ms`, or as soon as any recently spun descriptor is ready. */
  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const cancels: (() => void)[] = [];
      const done = (): void => {
        clearTimeout(timer);
        for (const c of cancels) c();
        resolve();
      };
      const timer = setTimeout(done, ms);
      const now = performance.now();
      for (const [d, s] of this.#spins) {
        if (now - s.at > SPIN_MEMORY_MS) this.#spins.delete(d);
        else cancels.push(d.onReady(s.kind, done));
      }
    });
  }

  /** Forgets a closed descriptor. */
  forget(d: SocketDescriptor): void {
    this.#spins.delete(d);
  }
}
