import type { NetSocket } from '../netdev/socket.ts';
import { addrOf, type Addr, type StreamNetwork } from './addr.ts';
import { Conn } from './conn.ts';
import { Deadlines } from './deadlines.ts';
import { closedError, type OpContext } from './errors.ts';

/**
 * A stream listener, shaped like Go's `net.Listener`; also an async
 * iterable of accepted connections, which ends when the listener closes.
 *
 * @see https://pkg.go.dev/net#Listener
 */
export class Listener implements AsyncIterable<Conn> {
  /** The address it listens on (the real port when 0 was asked for). */
  readonly addr: Addr;
  readonly #socket: NetSocket;
  readonly #network: StreamNetwork;
  readonly #deadlines = new Deadlines();
  #closed = false;

  /** Wraps a listening driver socket (made by `Network.listen`). */
  constructor(socket: NetSocket, network: StreamNetwork, addr: Addr) {
    this.#socket = socket;
    this.#network = network;
    this.addr = addr;
  }

  #at(op: string): OpContext {
    return { op, net: this.#network, addr: String(this.addr) };
  }

  /** The next connection; rejects with `use of closed network connection` once closed. */
  accept(): Promise<Conn> {
    return this.#deadlines.retry(
      this.#socket,
      'read',
      this.#at('accept'),
      () => this.#closed,
      () => {
        const s = this.#socket.accept();
        return new Conn(s, this.#network, addrOf(this.#network, s.localEndpoint()), addrOf(this.#network, s.remoteEndpoint()));
      },
    );
  }

  /** Stops listening; pending accepts reject. */
  close(): void {
    if (this.#closed) throw closedError(this.#at('close'));
    this.#closed = true;
    this.#deadlines.wake('read');
    this.#socket.close();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Conn> {
    for (;;) {
      try {
        yield await this.accept();
      } catch (err) {
        if (this.#closed) return;
        throw err;
      }
    }
  }
}
