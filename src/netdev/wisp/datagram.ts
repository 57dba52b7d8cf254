import { EAGAIN, SysError, type Errno } from '../../internal/errno.ts';
import type { PollKind, Readiness } from '../../internal/readiness.ts';
import { StreamType, encodeData } from '../../wisp/packet.ts';
import { gather, totalLength } from '../buffers.ts';
import { DatagramQueue, MAX_QUEUED_BYTES } from '../datagram-queue.ts';
import { formatEndpoint, ipEndpoint, type Endpoint, type IpEndpoint } from '../endpoint.ts';
import type { NetSocket, Received, SocketFamily, SocketOption } from '../socket.ts';
import { Waiters } from '../waiters.ts';
import { errnoForClose, type WispConnection } from './connection.ts';

/** Destinations one unconnected socket may send to (each is a Wisp stream). */
export const MAX_DESTINATIONS = 64;
/** The largest UDP payload. */
export const MAX_DATAGRAM = 65507;

interface Flow {
  id: number;
  ep: IpEndpoint;
  open: boolean;
}

/**
 * A UDP socket through a Wisp relay. Wisp UDP streams have one destination
 * each, so a connected socket is one stream and an unconnected one opens a
 * stream per destination it sends to (up to {@link MAX_DESTINATIONS}).
 * Datagrams arriving on a stream come from its destination. Binding a
 * local address and receiving from strangers are not possible: ENOTSUP.
 */
export class WispDatagramSocket implements NetSocket {
  readonly type = 'dgram';
  readonly family: SocketFamily;
  readonly #conn: WispConnection;
  readonly #hostFor: (address: string) => string;
  readonly #flows = new Map<string, Flow>();
  #peer: Flow | undefined;
  readonly #queue = new DatagramQueue();
  #readShut = false;
  #writeShut = false;
  #closed = false;
  #error: Errno | undefined;
  readonly #options = new Map<SocketOption, number>();
  readonly #waiters = new Waiters();

  constructor(family: SocketFamily, conn: WispConnection, hostFor: (address: string) => string) {
    this.family = family;
    this.#conn = conn;
    this.#hostFor = hostFor;
  }

  bind(ep: Endpoint): void {
    if (ep.kind === 'ip' && ep.port === 0 && (ep.address === '0.0.0.0' || ep.address === '::')) return;
    throw new SysError('ENOTSUP', 'a Wisp relay cannot bind a local address');
  }

  listen(): void {
    throw new SysError('ENOTSUP', 'not a stream socket');
  }

  async connect(ep: Endpoint): Promise<void> {
    if (this.#closed) throw new SysError('EBADF');
    if (ep.kind !== 'ip') throw new SysError('EAFNOSUPPORT');
    this.#peer = await this.#flow(ep);
  }

  async #flow(ep: IpEndpoint): Promise<Flow> {
    const key = formatEndpoint(ep);
    const known = this.#flows.get(key);
    if (known !== undefined && known.open) return known;
    if (this.#flows.size >= MAX_DESTINATIONS) throw new SysError('ENOBUFS', `more than ${MAX_DESTINATIONS} UDP destinations`);
    try {
      await this.#conn.ready();
    } catch {
      throw new SysError('ENETUNREACH', `relay ${this.#conn.url} cannot be reached`);
    }
    if (!this.#conn.udp) throw new SysError('EPROTONOSUPPORT', 'the relay does not relay UDP');
    const flow: Flow = { id: 0, ep, open: true };
    flow.id = this.#conn.open(StreamType.UDP, this.#hostFor(ep.address), ep.port, {
      data: (bytes) => {
        if (this.#readShut || this.#closed) return;
        if (this.#queue.push(bytes.slice(), ep)) this.#waiters.wake('read');
      },
      credit: () => {},
      closed: (reason) => {
        flow.open = false;
        this.#flows.delete(key);
        const errno = errnoForClose(reason, false);
        if (errno !== undefined && flow === this.#peer) this.#error = errno;
        this.#waiters.wake('both');
      },
    });
    this.#flows.set(key, flow);
    return flow;
  }

  accept(): NetSocket {
    throw new SysError('EINVAL', 'not a listening socket');
  }

  recv(bufs: readonly Uint8Array[], peek: boolean): Received {
    if (this.#closed) throw new SysError('EBADF');
    if (this.#readShut) return { n: 0, truncated: false };
    const got = this.#queue.receive(bufs, peek);
    if (got !== undefined) return got;
    if (this.#error !== undefined) {
      const e = this.#error;
      this.#error = undefined;
      throw new SysError(e);
    }
    throw EAGAIN;
  }

  send(bufs: readonly Uint8Array[], to?: Endpoint): number {
    if (this.#closed) throw new SysError('EBADF');
    if (this.#writeShut) throw new SysError('EPIPE');
    if (this.#error !== undefined) {
      const e = this.#error;
      this.#error = undefined;
      throw new SysError(e);
    }
    const total = totalLength(bufs);
    if (total > MAX_DATAGRAM) throw new SysError('EMSGSIZE');
    let flow = this.#peer;
    if (to !== undefined) {
      if (to.kind !== 'ip') throw new SysError('EAFNOSUPPORT');
      flow = this.#flows.get(formatEndpoint(to));
      if (flow === undefined || !flow.open) {
        // Opening a stream needs the connection: the first datagram to a new destination waits for it.
        void this.#flow(to).then(
          (f) => this.#conn.send(encodeData(f.id, gather(bufs, total))),
          () => {},
        );
        return total;
      }
    }
    if (flow === undefined || !flow.open) throw new SysError(flow === undefined ? 'EDESTADDRREQ' : 'ECONNREFUSED');
    if (!this.#conn.hasRoom(() => this.#waiters.wake('write'))) throw EAGAIN;
    this.#conn.send(encodeData(flow.id, gather(bufs, total)));
    return total;
  }

  shutdown(read: boolean, write: boolean): void {
    if (read) {
      this.#readShut = true;
      this.#queue.clear();
    }
    if (write) this.#writeShut = true;
    this.#waiters.wake('both');
  }

  takeError(): Errno | undefined {
    return undefined;
  }

  localEndpoint(): Endpoint {
    return ipEndpoint(this.family === 'ipv6' ? '::' : '0.0.0.0', 0);
  }

  remoteEndpoint(): Endpoint {
    if (this.#peer === undefined) throw new SysError('ENOTCONN');
    return this.#peer.ep;
  }

  setOption(name: SocketOption, value: number): void {
    this.#options.set(name, value);
  }

  getOption(name: SocketOption): number {
    return this.#options.get(name) ?? (name === 'rcvbuf' || name === 'sndbuf' ? MAX_QUEUED_BYTES : 0);
  }

  poll(kind: PollKind): Readiness {
    if (kind === 'read') {
      return {
        ready: !this.#queue.empty || this.#error !== undefined || this.#readShut || this.#closed,
        nbytes: this.#queue.nextLength,
        hangup: this.#closed,
      };
    }
    const room = this.#conn.hasRoom(() => this.#waiters.wake('write'));
    return { ready: room || this.#closed || this.#writeShut, nbytes: room ? MAX_DATAGRAM : 0, hangup: this.#closed };
  }

  onReady(kind: PollKind, wake: () => void): () => void {
    return this.#waiters.add(kind, wake);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const f of this.#flows.values()) if (f.open) this.#conn.close(f.id);
    this.#flows.clear();
    this.#queue.clear();
    this.#waiters.wake('both');
  }

  closed(): Promise<void> {
    return this.#conn.flushed();
  }
}
