import { EAGAIN, EBADF, SysError, type Errno } from '../../internal/errno.ts';
import type { PollKind, Readiness } from '../../internal/readiness.ts';
import { gather, totalLength } from '../buffers.ts';
import { DatagramQueue, MAX_QUEUED_BYTES } from '../datagram-queue.ts';
import type { Endpoint } from '../endpoint.ts';
import type { NetSocket, Received, SocketOption } from '../socket.ts';
import {
  destinationOf,
  hostPortFor,
  isGroupAddress,
  isWildcard,
  presentEndpoint,
  sourceFor,
  wildcardOf,
  type HostPort,
  type IpFamily,
} from './address.ts';
import type { PortBinding, PortTable } from './ports.ts';
import { Wakeups } from './wakeups.ts';

/** The largest UDP payload (over IPv4; the same bound for IPv6 here). */
export const MAX_DATAGRAM = 65507;

/**
 * A UDP-like datagram socket on a memory network (see `MemoryNetwork`).
 *
 * - bind takes the port at once (EADDRINUSE when taken); the first
 *   connect or send of an unbound socket binds it to the wildcard address
 *   and an ephemeral port.
 * - A send is delivered before it returns, into the receive queue of the
 *   socket bound to the destination (the exact address, or a wildcard
 *   covering it); its sender is the source address (the bound address, or
 *   when that is a wildcard, the loopback address of the destination's
 *   family) and port. Nothing is in flight, so sockets are always
 *   writable.
 * - Silently dropped, as UDP drops them, with no error to anyone: a
 *   datagram to an address and port nobody is bound to (no ICMP "port
 *   unreachable", so no ECONNREFUSED), to a socket connected to another
 *   peer, that the receiver's filter ({@link setReceiveFilter}) refuses,
 *   to a socket that shut down reading, or past the receiver's bounded
 *   queue (`DatagramQueue`: 1024 datagrams or 4 MiB).
 * - A datagram longer than the receiver's buffers is truncated (`truncated`
 *   set) and the rest dropped.
 * - connect fixes the destination and filters senders (EISCONN when
 *   connected already, as the Node driver); no broadcast or multicast.
 * - A send to port 0 is EINVAL, past {@link MAX_DATAGRAM} EMSGSIZE.
 * - Every call after close is EBADF.
 */
export class MemoryDatagramSocket implements NetSocket {
  readonly type = 'dgram';
  readonly family: IpFamily;
  readonly #ports: PortTable<MemoryDatagramSocket>;
  #binding: PortBinding<MemoryDatagramSocket> | undefined;
  #peer: HostPort | undefined;
  readonly #queue = new DatagramQueue();
  #readShut = false;
  #writeShut = false;
  #closed = false;
  readonly #options = new Map<SocketOption, number>();
  readonly #wakeups = new Wakeups();
  /** See {@link NetSocket.setReceiveFilter}. */
  #accept: ((from: Endpoint) => boolean) | undefined;

  /** A new unbound socket on the network whose UDP ports are `ports`. */
  constructor(family: IpFamily, ports: PortTable<MemoryDatagramSocket>) {
    this.family = family;
    this.#ports = ports;
  }

  bind(ep: Endpoint): void {
    if (this.#closed) throw EBADF;
    if (this.#binding !== undefined) throw new SysError('EINVAL', 'socket is already bound');
    const { address, port } = hostPortFor(this.family, ep);
    if (isGroupAddress(address)) throw new SysError('EADDRNOTAVAIL', `${address} is a multicast or broadcast address`);
    this.#binding = this.#ports.bind(address, port, this);
  }

  listen(): void {
    if (this.#closed) throw EBADF;
    throw new SysError('ENOTSUP', 'listen on a datagram socket');
  }

  connect(ep: Endpoint): void {
    if (this.#closed) throw EBADF;
    const to = hostPortFor(this.family, ep);
    if (this.#peer !== undefined) throw new SysError('EISCONN');
    const peer = { address: destinationOf(to.address), port: to.port };
    sourceFor(this.#binding?.address, peer.address); // ENETUNREACH before anything changes
    this.#autobind();
    this.#peer = peer;
    // Datagrams from others that arrived before connect are not for us.
    this.#queue.clear();
    this.#wakeups.soon('write');
  }

  #autobind(): PortBinding<MemoryDatagramSocket> {
    return (this.#binding ??= this.#ports.bind(wildcardOf(this.family), 0, this, 'EADDRNOTAVAIL'));
  }

  accept(): NetSocket {
    if (this.#closed) throw EBADF;
    throw new SysError('ENOTSUP', 'accept on a datagram socket');
  }

  recv(bufs: readonly Uint8Array[], peek: boolean): Received {
    if (this.#closed) throw EBADF;
    if (this.#readShut) return { n: 0, truncated: false };
    const got = this.#queue.receive(bufs, peek);
    if (got === undefined) throw EAGAIN;
    return got;
  }

  send(bufs: readonly Uint8Array[], to?: Endpoint): number {
    if (this.#closed) throw EBADF;
    if (this.#writeShut) throw new SysError('EPIPE');
    let dest = this.#peer;
    if (to !== undefined) {
      const hp = hostPortFor(this.family, to);
      dest = { address: destinationOf(hp.address), port: hp.port };
    }
    if (dest === undefined) throw new SysError('EDESTADDRREQ');
    if (dest.port === 0) throw new SysError('EINVAL', 'send to port 0');
    const size = totalLength(bufs);
    if (size > MAX_DATAGRAM) throw new SysError('EMSGSIZE');
    const source = sourceFor(this.#binding?.address, dest.address);
    const port = this.#autobind().port;
    const target = this.#ports.route(dest.address, dest.port);
    if (target !== undefined) target.#deliver(bufs, size, { address: source, port });
    return size;
  }

  /** Queues a datagram sent here (copied from the sender's `bufs`), unless it is to be dropped. */
  #deliver(bufs: readonly Uint8Array[], size: number, from: HostPort): void {
    if (this.#closed || this.#readShut) return;
    const peer = this.#peer;
    if (peer !== undefined && (peer.address !== from.address || peer.port !== from.port)) return;
    const sender = presentEndpoint(this.family, from);
    if (this.#accept !== undefined) {
      try {
        if (!this.#accept(sender)) return;
      } catch {
        return; // a filter that throws lets nothing through, and its error stays on this side
      }
    }
    if (this.#queue.push(gather(bufs, size), sender)) this.#wakeups.soon('read');
  }

  shutdown(read: boolean, write: boolean): void {
    if (this.#closed) throw EBADF;
    if (read) {
      this.#readShut = true;
      this.#queue.clear();
    }
    if (write) this.#writeShut = true;
    this.#wakeups.soon('both');
  }

  takeError(): Errno | undefined {
    return undefined;
  }

  localEndpoint(): Endpoint {
    const b = this.#binding;
    if (b === undefined) return presentEndpoint(this.family, { address: wildcardOf(this.family), port: 0 });
    // A connected socket bound to a wildcard reports its source address, as Linux does.
    const address = this.#peer !== undefined && isWildcard(b.address) ? sourceFor(b.address, this.#peer.address) : b.address;
    return presentEndpoint(this.family, { address, port: b.port });
  }

  remoteEndpoint(): Endpoint {
    if (this.#closed) throw EBADF;
    if (this.#peer === undefined) throw new SysError('ENOTCONN');
    return presentEndpoint(this.family, this.#peer);
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
        ready: !this.#queue.empty || this.#readShut || this.#closed,
        nbytes: this.#queue.nextLength,
        hangup: this.#closed,
      };
    }
    return { ready: true, nbytes: this.#closed ? 0 : MAX_DATAGRAM, hangup: this.#closed };
  }

  onReady(kind: PollKind, wake: () => void): () => void {
    return this.#wakeups.add(kind, wake);
  }

  setReceiveFilter(accept: ((from: Endpoint) => boolean) | undefined): void {
    this.#accept = accept;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#binding !== undefined) this.#ports.release(this.#binding);
    this.#queue.clear();
    this.#wakeups.soon('both');
  }

  closed(): Promise<void> {
    return Promise.resolve();
  }
}
