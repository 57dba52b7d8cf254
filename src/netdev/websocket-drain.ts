/**
 * Waiting for a WebSocket's send buffer to drain, shared by the Wisp client
 * and dialtone/net's `ws` Conns. The WebSocket API has no drain event, so
 * while someone waits, `bufferedAmount` is looked at every
 * {@link DRAIN_POLL_MS} ms; nothing runs while nobody waits.
 * @module
 */

/** How often a waited-on send buffer is looked at. */
export const DRAIN_POLL_MS = 2;

/** Drain waits for one WebSocket, below a high-water mark. */
export class WebSocketDrain {
  readonly #ws: () => WebSocket | undefined;
  readonly #highWater: number;
  readonly #waiters = new Set<() => void>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** `ws` gives the current WebSocket (undefined: none, which has room). */
  constructor(ws: () => WebSocket | undefined, highWater: number) {
    this.#ws = ws;
    this.#highWater = highWater;
  }

  /**
   * Whether the WebSocket takes more now: open with less than the mark
   * buffered, or not open (sending then fails on its own). When not,
   * `wake` is called once, after it has drained below the mark or closed.
   */
  hasRoom(wake: () => void): boolean {
    if (!this.#full()) return true;
    this.#waiters.add(wake);
    this.#watch();
    return false;
  }

  /** Stops looking; pending wakes are dropped (the owner wakes its waiters on close). */
  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#waiters.clear();
  }

  #full(): boolean {
    const ws = this.#ws();
    return ws !== undefined && ws.readyState === WebSocket.OPEN && ws.bufferedAmount >= this.#highWater;
  }

  #watch(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      if (this.#full()) return this.#watch();
      const wakes = [...this.#waiters];
      this.#waiters.clear();
      for (const wake of wakes) wake();
    }, DRAIN_POLL_MS);
  }
}
