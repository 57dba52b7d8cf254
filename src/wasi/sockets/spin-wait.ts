import { EAGAIN, ETIMEDOUT, type SysError } from '../../internal/errno.ts';
import type { PollKind } from '../../internal/readiness.ts';
import type { SocketDescriptor } from './socket-descriptor.ts';
import type { HostResult } from '../host-function.ts';

/** The longest a spinning guest is held before it hears EAGAIN again, while it is busy. */
export const MAX_SPIN_WAIT_MS = 10;
/** The longest wait once the guest has been idle for {@link IDLE_AFTER_MS}. */
export const MAX_IDLE_SPIN_WAIT_MS = 100;
/** How long the guest goes without a spun call succeeding before it counts as idle. */
export const IDLE_AFTER_MS = 1000;
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
 *
 * Idle servers: each wait is a wake-up of Node and of the guest's
 * scheduler (about 0.3 ms of CPU), so a guest spinning at 10 ms used about
 * 2.7% of a core doing nothing. Once no spun call of the guest's has
 * succeeded for {@link IDLE_AFTER_MS}, the cap grows to
 * {@link MAX_IDLE_SPIN_WAIT_MS} (under 1% of a core); the first success
 * brings it back. Idleness is the guest's, not one descriptor's: while the
 * guest is busy, a wait holds up its runnable goroutines too (the whole
 * guest waits in the call), so a long wait there would add its length to
 * requests' latency. Readiness of a spun descriptor still ends a wait at
 * once and a socket deadline (SO_RCVTIMEO) still bounds it; what an idle
 * guest's long wait delays is a goroutine woken by its own timer alone
 * (up to {@link MAX_IDLE_SPIN_WAIT_MS} late).
 */
export class SpinWait {
  /** Consecutive EAGAINs per descriptor, and when it last spun. */
  readonly #spins = new Map<SocketDescriptor, { count: number; at: number; kind: PollKind }>();
  /** When a spun call last succeeded (performance.now()). */
  #lastProgress = performance.now();

  /**
   * Runs `attempt`; on EAGAIN, either answers it at once (the first few
   * times) or waits as described and tries once more. While `d` is
   * spinning (its last attempt answered EAGAIN) and not ready for `kind`,
   * the attempt is skipped: it would only throw EAGAIN again. A descriptor
   * not spinning is always tried, so a call that fails for another reason
   * (a read on a listener) fails at once. `deadline` (performance.now()
   * time) turns EAGAIN past it into ETIMEDOUT. EAGAIN and ETIMEDOUT are
   * returned, not thrown (they are the guest's everyday answers, several
   * per request, and each throw costs V8 a stack walk); any other failure of `attempt` is thrown,
   * and ends the spin.
   */
  run<T>(d: SocketDescriptor, kind: PollKind, deadline: number | undefined, attempt: () => T): HostResult<T> {
    if (!this.#spins.has(d) || d.poll(kind).ready) {
      const r = this.#try(d, attempt);
      if (r !== EAGAIN) return r;
    }
    const now = performance.now();
    if (deadline !== undefined && now >= deadline) return ETIMEDOUT;
    const prev = this.#spins.get(d);
    const count = (prev?.count ?? 0) + 1;
    this.#spins.set(d, { count, at: now, kind });
    if (count <= 2) return EAGAIN;
    const cap = now - this.#lastProgress >= IDLE_AFTER_MS ? MAX_IDLE_SPIN_WAIT_MS : MAX_SPIN_WAIT_MS;
    let ms = Math.min(cap, 2 ** (count - 3));
    if (deadline !== undefined) ms = Math.max(0, Math.min(ms, deadline - now));
    return this.#wait(ms).then(() => {
      const r = this.#try(d, attempt);
      return r === EAGAIN && deadline !== undefined && performance.now() >= deadline ? ETIMEDOUT : r;
    });
  }

  /** Runs `attempt`: its value (a success, which ends the spin) or EAGAIN; other failures are thrown. */
  #try<T>(d: SocketDescriptor, attempt: () => T): T | SysError {
    try {
      const r = attempt();
      this.#progress(d);
      return r;
    } catch (err) {
      if (err !== EAGAIN) {
        this.#spins.delete(d);
        throw err;
      }
      return EAGAIN;
    }
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

  #progress(d: SocketDescriptor): void {
    this.#spins.delete(d);
    this.#lastProgress = performance.now();
  }

  /** Forgets a closed descriptor. */
  forget(d: SocketDescriptor): void {
    this.#spins.delete(d);
  }
}
