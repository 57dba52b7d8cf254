import * as dgram from 'node:dgram';
import { EAGAIN, SysError, toSysError, type Errno } from '../../internal/errno.ts';
import type { PollKind, Readiness } from '../../internal/readiness.ts';
import { ipEndpoint, type Endpoint, type IpEndpoint } from '../endpoint.ts';
import type { NetSocket, Received, SocketFamily, SocketOption } from '../socket.ts';
import { Waiters } from '../waiters.ts';
import { gather } from '../buffers.ts';
import { DatagramQueue, MAX_QUEUED_BYTES } from '../datagram-queue.ts';
import { CLOSE_LINGER_MS } from './stream.ts';

/** Bytes handed to Node for sending and not yet sent, before `send` answers EAGAIN. */
export const SEND_IN_FLIGHT = 1024 * 1024;
/** The largest UDP payload. */
export const MAX_DATAGRAM = 65507;

/**
 * A UDP socket over `node:dgram`. Binding and connecting need the event
 * loop (Node reports them with callbacks), so they return Promises; sends
 * and receives never wait. Received datagrams are queued up to a bound and
 * dropped past it, as a full socket buffer drops them.
 */
export class NodeDatagramSocket implements NetSocket {
  readonly type = 'dgram';
  readonly family: SocketFamily;
  #sock: dgram.Socket | undefined;
  #bound = false;
  /**
   * A bind is under way: an explicit one, or the implicit one Node starts on
   * the first send of an unbound socket. Until it settles (and after it
   * succeeds) another bind is EINVAL, as binding a bound socket is.
   */
  #binding = false;
  #peer: IpEndpoint | undefined;
  readonly #queue = new DatagramQueue();
  #inFlight = 0;
  #readShut = false;
  #writeShut = false;
  #closed = false;
  /** Runs when the last in-flight send completes (used by a lingering close). */
  #onIdle: (() => void) | undefined;
  /** An asynchronous send error (e.g. ECONNREFUSED on a connected socket), reported once. */
  #error: Errno | undefined;
  #options = new Map<SocketOption, number>();
  readonly #waiters = new Waiters();
  /** See {@link NetSocket.setReceiveFilter}. */
  #accept: ((from: Endpoint) => boolean) | undefined;

  constructor(family: 'ipv4' | 'ipv6') {
    this.family = family;
  }

  #socket(): dgram.Socket {
    if (this.#closed) throw new SysError('EBADF');
    if (this.#sock !== undefined) return this.#sock;
    const sock = dgram.createSocket({
      type: this.family === 'ipv6' ? 'udp6' : 'udp4',
      reuseAddr: this.#options.get('reuseaddr') === 1,
      // Addresses here are always IP literals: answering the "lookup" at once
      // lets a send leave before send() returns instead of a tick later.
      lookup: (address, _options, callback) => callback(null, address, this.family === 'ipv6' ? 6 : 4),
    });
    // A send on an unbound socket binds it (to an ephemeral port) as sendto(2)
    // does; from then on its local address is the real one.
    sock.on('listening', () => (this.#bound = true));
    sock.on('message', (data: Buffer, rinfo: dgram.RemoteInfo) => {
      if (this.#readShut) return;
      const from = ipEndpoint(rinfo.address, rinfo.port);
      if (this.#accept !== undefined && !this.#accept(from)) return;
      if (this.#queue.push(data, from)) this.#waiters.wake('read');
    });
    sock.on('error', (err: Error) => {
      // Unbound, the error is a failed bind (Node then lets it bind again).
      if (!this.#bound) this.#binding = false;
      this.#error = toSysError(err).errno;
      this.#waiters.wake('both');
    });
    this.#sock = sock;
    return sock;
  }

  bind(ep: Endpoint): Promise<void> {
    if (ep.kind !== 'ip') throw new SysError('EAFNOSUPPORT');
    if (this.#bound || this.#binding) throw new SysError('EINVAL', 'socket is already bound');
    return this.#bind(ep.address, ep.port);
  }

  #bind(address: string, port: number): Promise<void> {
    const sock = this.#socket();
    this.#binding = true;
    return new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        this.#binding = false;
        reject(bindError(err));
      };
      sock.once('error', onError);
      try {
        sock.bind({ address, port, exclusive: true }, () => {
          sock.off('error', onError);
          this.#bound = true;
          if (this.#options.get('broadcast') === 1) sock.setBroadcast(true);
          resolve();
        });
      } catch (err) {
        // Thrown at once: ERR_SOCKET_ALREADY_BOUND (Node is binding it still) or a bad argument.
        sock.off('error', onError);
        const e = bindError(err);
        if (e.code !== 'ERR_SOCKET_ALREADY_BOUND') this.#binding = false;
        reject(e);
      }
    });
  }

  listen(): void {
    throw new SysError('ENOTSUP', 'listen on a datagram socket');
  }

  async connect(ep: Endpoint): Promise<void> {
    if (ep.kind !== 'ip') throw new SysError('EAFNOSUPPORT');
    if (this.#peer !== undefined) throw new SysError('EISCONN');
    // Node's connect waits for an implicit bind a send started.
    if (!this.#bound && !this.#binding) await this.#bind(this.family === 'ipv6' ? '::' : '0.0.0.0', 0);
    const sock = this.#socket();
    await new Promise<void>((resolve, reject) => {
      sock.connect(ep.port, ep.address, (err?: Error) => (err ? reject(toSysError(err)) : resolve()));
    });
    this.#peer = ep;
    // Datagrams from others that arrived before connect are not for us.
    this.#queue.clear();
    this.#waiters.wake('write');
  }

  accept(): NetSocket {
    throw new SysError('ENOTSUP', 'accept on a datagram socket');
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
    if (this.#writeShut) throw new SysError('EPIPE');
    if (to !== undefined && to.kind !== 'ip') throw new SysError('EAFNOSUPPORT');
    const dest = to ?? this.#peer;
    if (dest === undefined) throw new SysError('EDESTADDRREQ');
    if (this.#error !== undefined && this.#peer !== undefined) {
      const e = this.#error;
      this.#error = undefined;
      throw new SysError(e);
    }
    let size = 0;
    for (const b of bufs) size += b.length;
    if (size > MAX_DATAGRAM) throw new SysError('EMSGSIZE');
    if (this.#inFlight >= SEND_IN_FLIGHT) throw EAGAIN;
    const sock = this.#socket();
    const data = gather(bufs, size, Buffer.allocUnsafe);
    // Node binds an unbound socket on its first send (to an ephemeral port).
    const implicitBind = !this.#bound && !this.#binding;
    this.#inFlight += size;
    const done = (err: Error | null): void => {
      this.#inFlight -= size;
      if (err) this.#error = toSysError(err).errno;
      this.#waiters.wake('write');
      if (this.#inFlight === 0) this.#onIdle?.();
    };
    try {
      if (to === undefined) sock.send(data, done);
      else sock.send(data, to.port, to.address, done);
      if (implicitBind) this.#binding = true;
    } catch (err) {
      this.#inFlight -= size;
      throw toSysError(err);
    }
    return size;
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
    const e = this.#error;
    this.#error = undefined;
    return e;
  }

  localEndpoint(): Endpoint {
    if (this.#bound && this.#sock !== undefined) {
      const a = this.#sock.address();
      return ipEndpoint(a.address, a.port);
    }
    return ipEndpoint(this.family === 'ipv6' ? '::' : '0.0.0.0', 0);
  }

  remoteEndpoint(): Endpoint {
    if (this.#peer === undefined) throw new SysError('ENOTCONN');
    return this.#peer;
  }

  setOption(name: SocketOption, value: number): void {
    this.#options.set(name, value);
    if (name === 'broadcast' && this.#bound) this.#sock?.setBroadcast(value !== 0);
  }

  getOption(name: SocketOption): number {
    return this.#options.get(name) ?? (name === 'rcvbuf' ? MAX_QUEUED_BYTES : name === 'sndbuf' ? SEND_IN_FLIGHT : 0);
  }

  poll(kind: PollKind): Readiness {
    if (kind === 'read') {
      return {
        ready: !this.#queue.empty || this.#readShut || this.#error !== undefined || this.#closed,
        nbytes: this.#queue.nextLength,
        hangup: this.#closed,
      };
    }
    return { ready: this.#inFlight < SEND_IN_FLIGHT, nbytes: Math.max(0, SEND_IN_FLIGHT - this.#inFlight), hangup: this.#closed };
  }

  onReady(kind: PollKind, wake: () => void): () => void {
    return this.#waiters.add(kind, wake);
  }

  setReceiveFilter(accept: ((from: Endpoint) => boolean) | undefined): void {
    this.#accept = accept;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.clear();
    this.#waiters.wake('both');
    const sock = this.#sock;
    if (sock === undefined) return;
    // Datagrams handed to Node are sent after close() returns (a guest
    // replying and closing at once must not lose the reply): close when the
    // last send completes, or after a moment at most.
    const shut = (): void => {
      try {
        sock.close();
      } catch {
        // already closed
      }
    };
    if (this.#inFlight === 0) shut();
    else {
      const timer = setTimeout(shut, CLOSE_LINGER_MS);
      this.#onIdle = () => {
        clearTimeout(timer);
        shut();
      };
    }
  }

  closed(): Promise<void> {
    const sock = this.#sock;
    if (!this.#closed || sock === undefined || this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => sock.once('close', () => resolve()));
  }
}

/**
 * A failed bind as a SysError: Node's ERR_SOCKET_ALREADY_BOUND (a bind
 * racing another that has not settled) is EINVAL, as bind(2) on a bound
 * socket.
 */
function bindError(err: unknown): SysError {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ERR_SOCKET_ALREADY_BOUND') return new SysError('EINVAL', 'socket is already bound', code);
  return toSysError(err);
}
