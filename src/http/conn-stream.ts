import { Duplex } from 'node:stream';
import type { Conn } from '../net/conn.ts';

const READ_SIZE = 64 * 1024;

/**
 * A `Conn` as a Node `Duplex`, so that Node's own HTTP (and TLS) machinery
 * runs over any dialtone driver: reads pull from the Conn when the stream
 * wants data, writes go to it in order, `end()` half-closes (where the
 * driver can), `destroy()` closes. The socket methods Node's HTTP calls
 * (`setTimeout`, `setNoDelay`, `setKeepAlive`, `ref`, `unref`) are accepted:
 * timeouts are the HTTP layer's own.
 */
export class ConnStream extends Duplex {
  readonly conn: Conn;
  /** `host:port` of the peer, for Node's HTTP (`req.socket.remoteAddress`). */
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  #reading = false;

  constructor(conn: Conn) {
    super({ allowHalfOpen: true });
    this.conn = conn;
    this.remoteAddress = conn.remoteAddr.ip;
    this.remotePort = conn.remoteAddr.port;
  }

  override _read(): void {
    if (this.#reading) return;
    this.#reading = true;
    const buf = Buffer.allocUnsafe(READ_SIZE);
    this.conn.read(buf).then(
      (n) => {
        this.#reading = false;
        if (n === null) this.push(null);
        else if (this.push(buf.subarray(0, n))) this._read();
      },
      (err: unknown) => {
        this.#reading = false;
        this.destroy(err as Error);
      },
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.conn.write(chunk).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    // A driver without half-close (a relay) refuses; the stream then ends at close.
    this.conn.closeWrite().then(
      () => callback(),
      () => callback(),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.conn.close().then(
      () => callback(error),
      () => callback(error),
    );
  }

  /** Accepted and ignored: the HTTP layer keeps its own timers. */
  setTimeout(_ms: number, callback?: () => void): this {
    if (callback !== undefined) this.once('timeout', callback);
    return this;
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
