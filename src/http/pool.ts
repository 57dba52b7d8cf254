import type { ByteStream, MessageReader } from './message-reader.ts';

/** A client connection: its stream and the reader of its responses. */
export interface PooledConn {
  readonly key: string;
  readonly stream: ByteStream;
  readonly reader: MessageReader;
  /** Whether it has carried a request before (a failure before any answer may then be a server closing it idle). */
  reused: boolean;
}

/**
 * A client's keep-alive connections, per `scheme://host:port`: at most
 * `max` per key (in use or idle); a request past that waits for one to be
 * released. Idle connections are watched: one the server closes (or sends
 * unasked bytes on) leaves the pool and is closed.
 */
export class Pool {
  readonly #max: number;
  readonly #idle = new Map<string, PooledConn[]>();
  readonly #count = new Map<string, number>();
  readonly #waiters = new Map<string, (() => void)[]>();

  /** A pool of at most `max` connections per key. */
  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxConnsPerHost must be a positive integer, not ${max}`);
    this.#max = max;
  }

  /**
   * An idle connection to `key`, or a new one from `dial` when there is
   * room, or the first to come free. When `signal` aborts while it waits
   * for one to come free, it stops waiting (leaving the queue) and rejects
   * with the signal's reason; the dial itself is `dial`'s to abort.
   */
  async acquire(key: string, dial: () => Promise<PooledConn>, signal?: AbortSignal): Promise<PooledConn> {
    for (;;) {
      if (signal?.aborted === true) {
        this.#wake(key); // a turn this caller may have been given passes on
        throw signal.reason;
      }
      const idle = this.#idle.get(key)?.pop();
      if (idle !== undefined) {
        idle.reused = true;
        return idle;
      }
      const n = this.#count.get(key) ?? 0;
      if (n < this.#max) {
        this.#count.set(key, n + 1);
        try {
          return await dial();
        } catch (err) {
          this.#drop(key);
          throw err;
        }
      }
      await this.#wait(key, signal);
    }
  }

  /** Waits for a turn at `key` (a release or a freed place), or until `signal` aborts. */
  #wait(key: string, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const list = this.#waiters.get(key) ?? [];
      const onAbort = (): void => {
        const at = list.indexOf(turn);
        if (at >= 0) list.splice(at, 1);
        if (list.length === 0 && this.#waiters.get(key) === list) this.#waiters.delete(key);
        reject(signal?.reason);
      };
      const turn = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      list.push(turn);
      this.#waiters.set(key, list);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Callers waiting for a connection to `key` (for tests: an abandoned wait leaves no waiter behind). */
  waiting(key: string): number {
    return this.#waiters.get(key)?.length ?? 0;
  }

  /** Puts `conn` back, idle, for the next request to its key. */
  release(conn: PooledConn): void {
    const list = this.#idle.get(conn.key) ?? [];
    list.push(conn);
    this.#idle.set(conn.key, list);
    const gone = (): void => {
      const at = list.indexOf(conn);
      if (at < 0) return; // taken by a request meanwhile: its read sees what came
      list.splice(at, 1);
      this.discard(conn);
    };
    conn.reader.readable().then(gone, gone);
    this.#wake(conn.key);
  }

  /** Closes `conn` and frees its place. */
  discard(conn: PooledConn): void {
    conn.reader.free();
    conn.stream.close().catch(() => {});
    this.#drop(conn.key);
  }

  /** Closes every idle connection (Go's `CloseIdleConnections`). */
  closeIdle(): void {
    for (const list of this.#idle.values()) {
      // Out of the list first, so that their watches find them gone.
      for (const conn of list.splice(0)) this.discard(conn);
    }
  }

  #drop(key: string): void {
    const n = (this.#count.get(key) ?? 1) - 1;
    if (n > 0) this.#count.set(key, n);
    else this.#count.delete(key);
    this.#wake(key);
  }

  #wake(key: string): void {
    const list = this.#waiters.get(key);
    const next = list?.shift();
    if (list?.length === 0) this.#waiters.delete(key);
    next?.();
  }
}
