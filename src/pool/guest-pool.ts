import { run, type ModuleSource, type RunOptions } from '../run.ts';

/** How a pooled guest ended: its exit code, or stopped by {@link PooledGuest.stop}. */
export type GuestExit = { exitCode: number; stopped: false } | { exitCode: null; stopped: true };

/** One guest running in a {@link GuestPool}. */
export interface PooledGuest {
  /** A number unique within the pool, in start order (from 1). */
  readonly id: number;
  /**
   * Settles when the guest ends: with its exit code, or `stopped` after
   * {@link stop}; rejects with a DialtoneError as `run()` does (cannot
   * load, cannot link, trapped). An unobserved rejection does not end the
   * process: one guest's failure stays its own.
   */
  readonly exited: Promise<GuestExit>;
  /**
   * Stops this guest alone: its next host call, or the wait it is
   * suspended in (a socket read, an accept, a sleep), ends it and closes
   * its descriptors. Resolves with {@link exited}'s result. A guest spinning
   * in a loop that calls no host function is not reached until it does:
   * use `spawnWorker` for guests that must be stoppable anywhere.
   */
  stop(): Promise<GuestExit>;
}

/**
 * Runs many guests concurrently on this thread's event loop. Each guest is
 * a `run()` of its own: its own instance and memory, fd table, network
 * policy, caps (`maxMemory`, `maxOpenFiles`) and stdio, so what one does,
 * and how it fails, does not reach the others. JSPI suspends each guest
 * separately while it waits, and the others run meanwhile; a guest that
 * computes without waiting holds the thread until its next wait (see
 * docs/compatibility.md, "Many guests in one process").
 *
 * While any guest runs, the pool keeps the event loop alive.
 *
 * @example
 * const pool = new GuestPool();
 * const a = pool.run('server.wasm', { args: ['127.0.0.1:8081'], net: { policy: { allowListen: ['127.0.0.1'] } } });
 * const b = pool.run('server.wasm', { args: ['127.0.0.1:8082'], net: { policy: { allowListen: ['127.0.0.1'] } }, maxMemory: 64 * 2 ** 20 });
 * await a.stop(); // b keeps serving
 */
export class GuestPool {
  readonly #running = new Map<number, PooledGuest>();
  #nextId = 1;
  #keepAlive: ReturnType<typeof setInterval> | undefined;

  /**
   * Starts a guest, as `run(source, options)` would, and returns at once.
   * Pass the same `WebAssembly.Module` (or the same bytes) to many guests
   * to compile once; a path is read for each guest.
   */
  run(source: ModuleSource, options: Omit<RunOptions, 'signal'> = {}): PooledGuest {
    const controller = new AbortController();
    const id = this.#nextId++;
    const exited = (async (): Promise<GuestExit> => {
      try {
        const { exitCode } = await run(source, { ...options, signal: controller.signal });
        return { exitCode, stopped: false };
      } catch (err) {
        if (controller.signal.aborted && err === controller.signal.reason) return { exitCode: null, stopped: true };
        throw err;
      } finally {
        // Before `exited` settles, so that whoever awaits it sees the pool without it.
        this.#forget(id);
      }
    })();
    exited.catch(() => {}); // handled by whoever awaits it; never a process-wide unhandled rejection
    const guest: PooledGuest = {
      id,
      exited,
      stop: () => {
        controller.abort();
        return exited;
      },
    };
    this.#running.set(id, guest);
    this.#keepAlive ??= setInterval(() => {}, 2 ** 30);
    return guest;
  }

  #forget(id: number): void {
    this.#running.delete(id);
    if (this.#running.size === 0 && this.#keepAlive !== undefined) {
      clearInterval(this.#keepAlive);
      this.#keepAlive = undefined;
    }
  }

  /** The guests still running, in start order. */
  get guests(): readonly PooledGuest[] {
    return [...this.#running.values()];
  }

  /** How many guests are running. */
  get size(): number {
    return this.#running.size;
  }

  /** Stops every running guest and waits until all have ended (failures included). */
  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.#running.values()].map((g) => g.stop()));
  }
}
