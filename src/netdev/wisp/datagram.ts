import { EAGAIN, SysError, type Errno } from '../../internal/errno.ts';
import type { PollKind, Readiness } from '../../internal/readiness.ts';
import { StreamType, encodeData, encodeDatagram } from '../../wisp/packet.ts';
import { gather, totalLength } from '../buffers.ts';
import { DatagramQueue, MAX_QUEUED_BYTES } from '../datagram-queue.ts';
import { canonicalIp, formatEndpoint, ipEndpoint, type Endpoint, type IpEndpoint } from '../endpoint.ts';
import type { NetSocket, Received, SocketFamily, SocketOption } from '../socket.ts';
import { Waiters } from '../waiters.ts';
import { errnoForClose, errnoForListenClose, type StreamHandler, type WispConnection } from './connection.ts';

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
 * Datagrams arriving on a stream come from its destination.
 *
 * Binding an address or a port (anything but the unspecified address with
 * port 0) asks the relay to listen on UDP there, when it offers dialtone's
 * UDP listening extension (`dialtone relay --allow-listen`;
 * docs/wisp-extensions.md): the relay binds a real UDP port, and every
 * datagram travels with its peer's address, both ways, on the listener's
 * stream. With any other relay such a bind is ENOTSUP.
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
  /** The relay's UDP listener this socket is bound to (UDP listening extension). */
  #listener: { id: number; local: IpEndpoint } | undefined;
  /** A bind at the relay is under way. */
  #binding = false;
  /** Why the relay ended the listener. */
  #listenerDown: Errno | undefined;
  /** A bound socket's connected peer (sends go there; only its datagrams are received). */
  #boundPeer: IpEndpoint | undefined;
  #filter: ((from: Endpoint) => boolean) | undefined;

  constructor(family: SocketFamily, conn: WispConnection, hostFor: (address: string) => string) {
    this.family = family;
    this.#conn = conn;
    this.#hostFor = hostFor;
  }

  bind(ep: Endpoint): void | Promise<void> {
    if (this.#closed) throw new SysError('EBADF');
    if (ep.kind !== 'ip') throw new SysError('EAFNOSUPPORT');
    if (this.#listener !== undefined || this.#binding) throw new SysError('EINVAL', 'socket is already bound');
    // Sockets that only send (Go's ListenPacket("udp", ":0") for a client) need no port of their own: one stream per destination.
    if (ep.port === 0 && (canonicalIp(ep.address) === '0.0.0.0' || canonicalIp(ep.address) === '::')) return;
    if (this.#flows.size > 0) throw new SysError('EINVAL', 'socket already sends through the relay');
    return this.#bindAtRelay(ep);
  }

  /** LISTEN (UDP) at the relay; settles on LISTENING, rejects with the errno of its CLOSE. */
  async #bindAtRelay(at: IpEndpoint): Promise<void> {
    this.#binding = true;
    try {
      try {
        await this.#conn.ready();
      } catch {
        throw new SysError('ENETUNREACH', `relay ${this.#conn.url} cannot be reached`);
      }
      if (this.#closed) throw new SysError('EBADF');
      if (!this.#conn.listensUdp) {
        throw new SysError('ENOTSUP', `relay ${this.#conn.url} cannot bind UDP ports (dialtone relay --allow-listen can)`);
      }
      await new Promise<void>((resolve, reject) => {
        let id = 0;
        let settled = false;
        const handler: StreamHandler = {
          data: () => {},
          credit: () => {},
          listening: (port, address) => {
            if (settled) return;
            settled = true;
            if (this.#closed) {
              this.#conn.close(id);
              return reject(new SysError('EBADF'));
            }
            this.#listener = { id, local: ipEndpoint(address, port) };
            resolve();
          },
          datagram: (port, address, data) => this.#arrived(ipEndpoint(address, port), data),
          closed: (reason) => {
            const errno = errnoForListenClose(reason);
            if (!settled) {
              settled = true;
              return reject(new SysError(errno, `the relay refused to bind UDP ${formatEndpoint(at)}`));
            }
            this.#listenerDown ??= errno;
            this.#waiters.wake('both');
          },
        };
        id = this.#conn.listen(StreamType.UDP, at.address, at.port, handler);
      });
    } finally {
      this.#binding = false;
    }
  }

  /** A datagram to the bound socket: queued unless filtered out (a connected peer's only; the receive filter). */
  #arrived(from: IpEndpoint, data: Uint8Array): void {
    if (this.#listener === undefined || this.#readShut || this.#closed) return;
    const peer = this.#boundPeer;
    if (peer !== undefined && (peer.port !== from.port || canonicalIp(peer.address) !== canonicalIp(from.address))) return;
    if (this.#filter !== undefined && !this.#filter(from)) return;
    if (this.#queue.push(data.slice(), from)) this.#waiters.wake('read');
  }

  setReceiveFilter(accept: ((from: Endpoint) => boolean) | undefined): void {
    this.#filter = accept;
  }

  listen(): void {
    throw new SysError('ENOTSUP', 'not a stream socket');
  }

  async connect(ep: Endpoint): Promise<void> {
    if (this.#closed) throw new SysError('EBADF');
    if (ep.kind !== 'ip') throw new SysError('EAFNOSUPPORT');
    if (this.#listener !== undefined) {
      this.#boundPeer = ep;
      return;
    }
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
    if (this.#listenerDown !== undefined) throw new SysError(this.#listenerDown, 'the relay ended the UDP listener');
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
    if (this.#listener !== undefined) return this.#sendFromListener(bufs, total, to);
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

  /** A datagram from the bound port: DATAGRAM on the listener's stream, naming the destination. */
  #sendFromListener(bufs: readonly Uint8Array[], total: number, to: Endpoint | undefined): number {
    if (this.#listenerDown !== undefined) throw new SysError(this.#listenerDown, 'the relay ended the UDP listener');
    const dest = to ?? this.#boundPeer;
    if (dest === undefined) throw new SysError('EDESTADDRREQ');
    if (dest.kind !== 'ip') throw new SysError('EAFNOSUPPORT');
    if (!this.#conn.hasRoom(() => this.#waiters.wake('write'))) throw EAGAIN;
    this.#conn.send(encodeDatagram(this.#listener!.id, dest.port, this.#hostFor(dest.address), gather(bufs, total)));
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
    if (this.#listener !== undefined) return this.#listener.local;
    return ipEndpoint(this.family === 'ipv6' ? '::' : '0.0.0.0', 0);
  }

  remoteEndpoint(): Endpoint {
    if (this.#boundPeer !== undefined) return this.#boundPeer;
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
        ready: !this.#queue.empty || this.#error !== undefined || this.#listenerDown !== undefined || this.#readShut || this.#closed,
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
    if (this.#listener !== undefined) this.#conn.close(this.#listener.id);
    this.#flows.clear();
    this.#queue.clear();
    this.#waiters.wake('both');
  }

  closed(): Promise<void> {
    return this.#conn.flushed();
  }
}
