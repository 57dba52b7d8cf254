import { Duplex } from 'node:stream';
import type { Conn } from '../net/conn.ts';

/** Bytes asked of the Conn per read. */
const READ_SIZE = 64 * 1024;
/**
 * Reads shorter than this are copied out into a Buffer of their own size,
 * so that a peer trickling small segments to a paused reader does not pin
 * a whole read buffer per segment; longer ones keep the read buffer.
 */
const COPY_BELOW = 16 * 1024;

/**
 * A `Conn` as a Node `Duplex`, so that Node's own HTTP (and TLS) machinery
 * runs over any dialtone driver: reads pull from the Conn when the stream
 * wants data, writes go to it in order, `end()` half-closes (where the
 * driver can), `destroy()` closes. `setTimeout` works as on a `net.Socket`
 * (Node's HTTP uses it for keep-alive and request timeouts); the other
 * socket methods Node's HTTP calls (`setNoDelay`, `setKeepAlive`, `ref`,
 * `unref`) are accepted.
 */
export class ConnStream extends Duplex {
  /** The wrapped connection. */
  readonly conn: Conn;
  /** The peer's IP, for Node's HTTP (`req.socket.remoteAddress`). */
  readonly remoteAddress: string | undefined;
  /** The peer's port, for Node's HTTP (`req.socket.remotePort`). */
  readonly remotePort: number | undefined;
  #reading = false;
  /** The read buffer, reused while reads are copied out of it. */
  #buf: Buffer | undefined;
  #timeout = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(conn: Conn) {
    super({ allowHalfOpen: true });
    this.conn = conn;
    this.remoteAddress = conn.remoteAddr.ip;
    this.remotePort = conn.remoteAddr.port;
  }

  /** The inactivity timeout in milliseconds set by {@link setTimeout} (0: none), as `net.Socket#timeout`. */
  get timeout(): number {
    return this.#timeout;
  }

  override _read(): void {
    if (this.#reading) return;
    this.#reading = true;
    const buf = (this.#buf ??= Buffer.allocUnsafeSlow(READ_SIZE));
    this.conn.read(buf).then(
      (n) => {
        this.#reading = false;
        if (this.destroyed) return;
        if (n === null) {
          this.push(null);
          return;
        }
        this._unrefTimer();
        let chunk: Buffer;
        if (n < COPY_BELOW) {
          // Not the pooled allocUnsafe: a pool slice would pin the whole pool.
          chunk = Buffer.allocUnsafeSlow(n);
          buf.copy(chunk, 0, 0, n);
        } else {
          chunk = buf.subarray(0, n);
          this.#buf = undefined; // handed on: the next read gets a fresh buffer
        }
        if (this.push(chunk)) this._read();
      },
      (err: unknown) => {
        this.#reading = false;
        this.destroy(err as Error);
      },
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this._unrefTimer();
    this.conn.write(chunk).then(() => {
      this._unrefTimer();
      callback();
    }, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    // A driver without half-close (a relay) refuses; the stream then ends at close.
    this.conn.closeWrite().then(
      () => callback(),
      () => callback(),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#clearTimer();
    this.conn.close().then(
      () => callback(error),
      () => callback(error),
    );
  }

  /**
   * As `net.Socket#setTimeout`: after `ms` milliseconds without reading or
   * writing, emits `'timeout'` (once per idle spell; the stream stays open,
   * ending it is the listener's business). 0 disables it. `callback`, when
   * given, is added as a `'timeout'` listener (once). The timer does not
   * keep the process alive and is cleared on destroy.
   */
  setTimeout(ms: number, callback?: () => void): this {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`invalid timeout: ${ms}`);
    this.#timeout = ms;
    this.#clearTimer();
    if (ms === 0) {
      if (callback !== undefined) this.removeListener('timeout', callback);
      return this;
    }
    if (callback !== undefined) this.once('timeout', callback);
    if (!this.destroyed) {
      this.#timer = setTimeout(() => this.emit('timeout'), ms);
      this.#timer.unref();
    }
    return this;
  }

  /** Restarts the inactivity timer (what `net.Socket` does on activity; Node's HTTP parser calls it too). */
  _unrefTimer(): void {
    this.#timer?.refresh();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Accepted: drivers send at once. */
  setNoDelay(): this {
    return this;
  }

  /** Accepted and ignored. */
  setKeepAlive(): this {
    return this;
  }

  /** Accepted: a Conn does not hold the event loop by itself. */
  ref(): this {
    return this;
  }

  /** Accepted and ignored. */
  unref(): this {
    return this;
  }
}
