import type { Endpoint } from '../netdev/endpoint.ts';
import type { NetSocket } from '../netdev/socket.ts';
import { addrOf, type Addr, type PacketNetwork } from './addr.ts';
import { WithDeadlines } from './deadlines.ts';
import { closedError, opError, type OpContext } from './errors.ts';

/**
 * A datagram socket, shaped like Go's `net.PacketConn`.
 *
 * @see https://pkg.go.dev/net#PacketConn
 */
export class PacketConn extends WithDeadlines {
  /** The local address (the real port when 0 was asked for). */
  readonly localAddr: Addr;
  readonly #socket: NetSocket;
  readonly #network: PacketNetwork;
  readonly #resolve: (address: string) => Promise<Endpoint>;
  #closed = false;

  /** Wraps a bound datagram driver socket (made by `Network.listenPacket`); `resolve` turns `host:port` into an endpoint. */
  constructor(socket: NetSocket, network: PacketNetwork, resolve: (address: string) => Promise<Endpoint>) {
    super();
    this.#socket = socket;
    this.#network = network;
    this.#resolve = resolve;
    this.localAddr = addrOf(network, socket.localEndpoint());
  }

  #at(op: string, addr?: string): OpContext {
    return { op, net: this.#network, source: String(this.localAddr), addr };
  }

  /**
   * Reads one datagram into `buf`: its length (cut to `buf`; the rest is
   * dropped, `truncated` says so) and sender.
   */
  readFrom(buf: Uint8Array): Promise<{ n: number; addr: Addr; truncated: boolean }> {
    return this.deadlines.retry(
      this.#socket,
      'read',
      this.#at('read'),
      () => this.#closed,
      () => {
        const r = this.#socket.recv([buf], false);
        if (r.from === undefined) throw new Error('a datagram without a sender');
        return { n: r.n, addr: addrOf(this.#network, r.from), truncated: r.truncated };
      },
    );
  }

  /** Sends `buf` as one datagram to `addr` (an {@link Addr} or `host:port`). */
  async writeTo(buf: Uint8Array, addr: Addr | string): Promise<void> {
    const at = this.#at('write', String(addr));
    let to: Endpoint;
    try {
      to = await this.#resolve(String(addr));
    } catch (err) {
      throw opError(at, err);
    }
    await this.deadlines.retry(
      this.#socket,
      'write',
      at,
      () => this.#closed,
      () => this.#socket.send([buf], to),
    );
  }

  /** Closes the socket; pending calls reject. */
  close(): void {
    if (this.#closed) throw closedError(this.#at('close'));
    this.#closed = true;
    this.deadlines.wake('both');
    this.#socket.close();
  }
}
