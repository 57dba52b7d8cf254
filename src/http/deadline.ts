/**
 * A request's time limit (the Client's `timeout`), started before the
 * request waits for a connection: the pool's wait, the dial, the TLS
 * handshake and the wait for the response's head all run against it. When
 * it passes, its `signal` aborts (waits and dials give up) and the action
 * set with {@link onExpire} runs (closing the connection in use).
 * Without a limit (`ms` undefined) it never expires.
 */
export class Deadline {
  readonly #controller = new AbortController();
  readonly #at: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onExpire: (() => void) | undefined;

  /** A deadline `ms` milliseconds from now (none when `ms` is undefined). */
  constructor(ms: number | undefined) {
    if (ms === undefined) return;
    this.#at = Date.now() + ms;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#controller.abort(new Error('the client timeout passed'));
      this.#onExpire?.();
    }, ms);
  }

  /** Aborts when the deadline passes. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Whether it has passed. */
  get expired(): boolean {
    return this.#controller.signal.aborted;
  }

  /** Milliseconds left (0 once passed), or undefined without a limit. */
  remaining(): number | undefined {
    return this.#at === undefined ? undefined : Math.max(0, this.#at - Date.now());
  }

  /** What to do when it passes (replaces what was set before; `undefined` clears it). */
  onExpire(action: (() => void) | undefined): void {
    this.#onExpire = action;
  }

  /**
   * `promise`, or a rejection (with the signal's reason) as soon as the
   * deadline passes; a value that arrives after that is handed to `late`
   * (to close it), as nobody will use it.
   */
  race<T>(promise: Promise<T>, late: (value: T) => void): Promise<T> {
    const signal = this.#controller.signal;
    if (this.#at === undefined) return promise;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason as Error);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          if (signal.aborted) late(value);
          else resolve(value);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(err as Error);
        },
      );
    });
  }

  /** Stops the timer (the request has its answer, or failed). */
  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#onExpire = undefined;
  }
}
