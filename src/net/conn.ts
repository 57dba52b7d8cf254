import type { NetSocket } from '../netdev/socket.ts';
import type { Addr, NetworkName } from './addr.ts';
import { WithDeadlines } from './deadlines.ts';
import { closedError, opError, type OpContext } from './errors.ts';

/**
 * A connection, shaped like Go's `net.Conn`, with promises where Go blocks:
 * a stream (TCP, Unix, a WebSocket), or a connected datagram socket (UDP:
 * each write is one datagram, each read one datagram, and there is no end
 * of stream).
 * Reads and writes in one direction run one at a time, in call order, as on
 * one Go goroutine each.
 *
 * @see https://pkg.go.dev/net#Conn
 */
export class Conn extends WithDeadlines {
  /** The local end. */
  readonly localAddr: Addr;
  /** The remote end. */
  readonly remoteAddr: Addr;
  readonly #socket: NetSocket;
  readonly #network: NetworkName;
  #closed = false;
  #reading: Promise<unknown> = Promise.resolve();
  #writing: Promise<unknown> = Promise.resolve();

  /** Wraps a connected driver socket (made by `Network.dial` and `Listener.accept`). */
  constructor(socket: NetSocket, network: NetworkName, localAddr: Addr, remoteAddr: Addr) {
    super();
    this.#socket = socket;
    this.#network = network;
    this.localAddr = localAddr;
    this.remoteAddr = remoteAddr;
  }

  #at(op: string, syscall?: string): OpContext {
    const source = String(this.localAddr);
    return { op, net: this.#network, source: source === '' ? undefined : source, addr: String(this.remoteAddr), syscall };
  }

  /**
   * Reads into `buf`: resolves with the number of bytes read (at least 1
   * when `buf` is not empty), or `null` at the end of the stream. Rejects
   * with an {@link OpError} (`timeout` after a passed read deadline).
   */
  read(buf: Uint8Array): Promise<number | null> {
    const result = this.#reading.then(() => this.#read(buf));
    this.#reading = result.catch(() => {});
    return result;
  }

  #read(buf: Uint8Array): Promise<number | null> {
    return this.deadlines.retry(
      this.#socket,
      'read',
      this.#at('read'),
      () => this.#closed,
      () => {
        const r = this.#socket.recv([buf], false);
        return r.n === 0 && buf.length > 0 && this.#socket.type === 'stream' ? null : r.n;
      },
    );
  }

  /** Writes all of `buf`; rejects with an {@link OpError} (after what was written, as Go's Write does). */
  write(buf: Uint8Array): Promise<void> {
    const result = this.#writing.then(() => this.#write(buf));
    this.#writing = result.catch(() => {});
    return result;
  }

  async #write(buf: Uint8Array): Promise<void> {
    const at = this.#at('write');
    let off = 0;
    while (off < buf.length) {
      off += await this.deadlines.retry(
        this.#socket,
        'write',
        at,
        () => this.#closed,
        () => this.#socket.send([buf.subarray(off)]),
      );
    }
  }

  /** Shuts down the writing side (the peer reads the end of the stream); reading goes on. Go's `CloseWrite`. */
  async closeWrite(): Promise<void> {
    await this.#writing;
    if (this.#closed) throw closedError(this.#at('close'));
    try {
      this.#socket.shutdown(false, true);
    } catch (err) {
      throw opError(this.#at('close', 'shutdown'), err);
    }
  }

  /**
   * Closes the connection: pending and later calls fail with
   * `use of closed network connection`. Resolves once what was written has
   * been handed on (bounded, as the driver's close is). A second close
   * rejects, as in Go.
   */
  async close(): Promise<void> {
    if (this.#closed) throw closedError(this.#at('close'));
    this.#closed = true;
    this.deadlines.wake('both');
    this.#socket.close();
    await this.#socket.closed();
  }
}
