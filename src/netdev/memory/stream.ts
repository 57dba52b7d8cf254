import { EAGAIN, EBADF, SysError, type Errno } from '../../internal/errno.ts';
import type { PollKind, Readiness } from '../../internal/readiness.ts';
import { gather, totalLength } from '../buffers.ts';
import type { Endpoint } from '../endpoint.ts';
import type { NetSocket, Received, SocketOption } from '../socket.ts';
import { EINPROGRESS, NOT_READY, checkReceivable, clampBacklog, type StreamState } from '../stream-limits.ts';
import {
  destinationOf,
  hostPortFor,
  isGroupAddress,
  presentEndpoint,
  sourceFor,
  wildcardOf,
  type HostPort,
  type IpFamily,
} from './address.ts';
import { Pipe, STREAM_BUFFER } from './pipe.ts';
import type { PortBinding, PortTable } from './ports.ts';
import { Wakeups } from './wakeups.ts';

/**
 * Most connects one listener keeps waiting for room in its accept queue;
 * past it a connect is refused (ECONNREFUSED), see {@link MemoryStreamSocket}.
 */
export const MAX_WAITING_CONNECTS = 4096;

/**
 * A TCP-like stream socket on a memory network (see `MemoryNetwork`).
 *
 * - bind takes the port at once (EADDRINUSE then, not at listen); listen
 *   or connect on an unbound socket bind it implicitly (listen: the
 *   wildcard address; connect: the source address, see below).
 * - connect throws EINPROGRESS and completes in a later microtask: the
 *   socket turns writable, connected, or failed with ECONNREFUSED (read by
 *   {@link takeError}) when nobody listens at the address and port.
 * - The accept queue holds `backlog` established connections (1 to
 *   `MAX_BACKLOG`, see `clampBacklog`). Connects past it wait, still in
 *   progress, until an accept makes room (as Linux keeps retrying a SYN its
 *   full queue dropped, except that there is no timeout here: the guest's
 *   own dial timeout applies); a listener closing refuses them
 *   (ECONNREFUSED) and resets the established connections it had not
 *   accepted (ECONNRESET). At most {@link MAX_WAITING_CONNECTS} wait per
 *   listener: a connect past that fails at once with ECONNREFUSED (read by
 *   {@link takeError}), as when Linux's queue overflows for good (a SYN
 *   retried until the dialler gives up, or with tcp_abort_on_overflow, a
 *   reset) — a bound instead of a queue as long as the ephemeral ports.
 * - Each direction holds {@link STREAM_BUFFER} bytes unread; past that
 *   send is EAGAIN until the reader drains it (backpressure), then the
 *   writer is woken.
 * - shutdown(write) is a FIN: the peer reads what was sent, then end of
 *   stream, and may still send back. shutdown(read) drops what arrives.
 * - close with nothing unread is a FIN, and the peer reads everything
 *   sent before it; the peer's next send is taken and dropped, later ones
 *   fail with EPIPE (a TCP peer's reset in CLOSE_WAIT). close with unread
 *   bytes is a reset (as Linux sends RST): the peer still reads what was
 *   sent to it, then gets ECONNRESET once — from its next recv after that
 *   data or its next send, whichever comes first — then end of stream on
 *   reads and EPIPE on sends, as the Node driver reports a reset.
 * - Bytes a send accepted are in the peer's receive buffer at once, so a
 *   closed socket has nothing left to deliver: {@link closed} settles at
 *   once and what it sent stays readable by the peer.
 * - The source address of a connect is the address the socket is bound
 *   to, or when unbound or bound to a wildcard, the loopback address of
 *   the destination's family (127.0.0.1, ::1): every address is this host.
 *   A connect to 0.0.0.0 or :: goes to loopback, as on Linux.
 * - Every call after close is EBADF.
 */
export class MemoryStreamSocket implements NetSocket {
  readonly type = 'stream';
  readonly family: IpFamily;
  readonly #ports: PortTable<MemoryStreamSocket>;
  #state: StreamState = 'idle';
  #binding: PortBinding<MemoryStreamSocket> | undefined;
  /** Source of a connecting or connected socket. */
  #local: HostPort | undefined;
  /** Destination of a connecting or connected socket. */
  #remote: HostPort | undefined;
  #peer: MemoryStreamSocket | undefined;
  /** What the peer sends (this socket reads). */
  #rx = new Pipe();
  /** What this socket sends (the peer reads). */
  #tx = new Pipe();
  #backlog = 0;
  /** Established connections not yet accepted. */
  readonly #accepts: MemoryStreamSocket[] = [];
  /** Connects waiting for room in the accept queue. */
  readonly #waiting: MemoryStreamSocket[] = [];
  /** The listener whose queue this connect waits in. */
  #awaiting: MemoryStreamSocket | undefined;
  #readShut = false;
  #writeShut = false;
  /** A reset to report once, by the next send or (after the data) recv. */
  #failure: Errno | undefined;
  /** A reset was reported, or a send drew one: further sends are EPIPE. */
  #broken = false;
  /** SO_ERROR: the result of a failed connect, read once. */
  #connectError: Errno | undefined;
  readonly #options = new Map<SocketOption, number>();
  readonly #wakeups = new Wakeups();

  /** A new unconnected socket on the network whose TCP ports are `ports`. */
  constructor(family: IpFamily, ports: PortTable<MemoryStreamSocket>) {
    this.family = family;
    this.#ports = ports;
  }

  bind(ep: Endpoint): void {
    if (this.#state === 'closed') throw EBADF;
    if (this.#state !== 'idle' || this.#binding !== undefined) throw new SysError('EINVAL', 'socket is already bound');
    const { address, port } = hostPortFor(this.family, ep);
    if (isGroupAddress(address)) throw new SysError('EADDRNOTAVAIL', `${address} is a multicast or broadcast address`);
    this.#binding = this.#ports.bind(address, port, this);
  }

  listen(backlog: number): void {
    if (this.#state === 'closed') throw EBADF;
    if (this.#state === 'listening') {
      this.#backlog = clampBacklog(backlog);
      this.#admit();
      return;
    }
    if (this.#state !== 'idle') throw new SysError('EINVAL', 'socket is connected');
    this.#binding ??= this.#ports.bind(wildcardOf(this.family), 0, this);
    this.#backlog = clampBacklog(backlog);
    this.#state = 'listening';
  }

  connect(ep: Endpoint): void {
    switch (this.#state) {
      case 'closed':
        throw EBADF;
      case 'connected':
        throw new SysError('EISCONN');
      case 'connecting':
        throw new SysError('EALREADY');
      case 'idle':
        break;
      default:
        throw new SysError('EINVAL', `cannot connect a ${this.#state} socket`);
    }
    const to = hostPortFor(this.family, ep);
    const dest = destinationOf(to.address);
    const port = to.port;
    const source = sourceFor(this.#binding?.address, dest);
    this.#binding ??= this.#ports.bind(source, 0, this, 'EADDRNOTAVAIL');
    this.#local = { address: source, port: this.#binding.port };
    this.#remote = { address: dest, port };
    this.#state = 'connecting';
    queueMicrotask(() => this.#arrive());
    throw EINPROGRESS;
  }

  /** The connect reaches the network: refused, queued for room, or established. */
  #arrive(): void {
    const remote = this.#remote;
    if (this.#state !== 'connecting' || remote === undefined) return;
    const listener = this.#ports.route(remote.address, remote.port);
    if (listener === undefined || listener.#state !== 'listening') return this.#fail('ECONNREFUSED');
    if (listener.#accepts.length >= listener.#backlog) {
      if (listener.#waiting.length >= MAX_WAITING_CONNECTS) return this.#fail('ECONNREFUSED');
      listener.#waiting.push(this);
      this.#awaiting = listener;
      return;
    }
    listener.#establish(this);
  }

  /** Connects `client` to a new socket queued for accept here. */
  #establish(client: MemoryStreamSocket): void {
    const server = new MemoryStreamSocket(this.family, this.#ports);
    const up = new Pipe();
    const down = new Pipe();
    client.#tx = up;
    server.#rx = up;
    server.#tx = down;
    client.#rx = down;
    client.#peer = server;
    server.#peer = client;
    server.#local = { address: client.#remote?.address ?? '', port: this.#binding?.port ?? 0 };
    server.#remote = client.#local;
    for (const [k, v] of this.#options) server.#options.set(k, v);
    server.#state = 'connected';
    client.#state = 'connected';
    this.#accepts.push(server);
    this.#wakeups.soon('read');
    client.#wakeups.soon('both');
  }

  /** Establishes waiting connects while the accept queue has room. */
  #admit(): void {
    while (this.#waiting.length > 0 && this.#accepts.length < this.#backlog) {
      const client = this.#waiting.shift() as MemoryStreamSocket;
      client.#awaiting = undefined;
      if (client.#state === 'connecting') this.#establish(client);
    }
  }

  #fail(errno: Errno): void {
    if (this.#state !== 'connecting') return;
    this.#awaiting = undefined;
    this.#state = 'failed';
    this.#connectError = errno;
    this.#wakeups.soon('both');
  }

  accept(): NetSocket {
    if (this.#state === 'closed') throw EBADF;
    if (this.#state !== 'listening') throw new SysError('EINVAL', 'socket is not listening');
    const next = this.#accepts.shift();
    if (next === undefined) throw EAGAIN;
    this.#admit();
    return next;
  }

  recv(bufs: readonly Uint8Array[], peek: boolean): Received {
    checkReceivable(this.#state);
    if (this.#readShut) return { n: 0, truncated: false };
    const rx = this.#rx;
    if (rx.bytes === 0) {
      if (this.#failure !== undefined) throw this.#takeFailure();
      if (rx.fin) return { n: 0, truncated: false };
      throw EAGAIN;
    }
    const full = rx.room <= 0;
    const n = rx.read(bufs, peek);
    if (full && rx.room > 0) this.#wakePeer('write');
    return { n, truncated: false };
  }

  send(bufs: readonly Uint8Array[], _to?: Endpoint, whole = false): number {
    checkReceivable(this.#state);
    if (this.#failure !== undefined) throw this.#takeFailure();
    if (this.#writeShut || this.#broken) throw new SysError('EPIPE');
    const tx = this.#tx;
    const total = totalLength(bufs);
    if (tx.readerClosed) {
      // The peer is gone: like TCP, this write is taken (and lost); the
      // reset it draws makes the next one fail.
      this.#broken = true;
      this.#wakeups.soon('write');
      return total;
    }
    const room = tx.room;
    if (room <= 0) throw EAGAIN;
    const n = whole ? total : Math.min(total, room);
    if (n === 0) return 0;
    if (!tx.dropping) {
      tx.push(gather(bufs, n));
      this.#wakePeer('read');
    }
    return n;
  }

  /** The pending reset, reported once; after it reads end and sends fail with EPIPE. */
  #takeFailure(): SysError {
    const errno = this.#failure as Errno;
    this.#failure = undefined;
    this.#broken = true;
    return new SysError(errno);
  }

  shutdown(read: boolean, write: boolean): void {
    if (this.#state === 'closed') throw EBADF;
    if (this.#state !== 'connected') throw new SysError('ENOTCONN');
    if (read && !this.#readShut) {
      this.#readShut = true;
      const full = this.#rx.room <= 0;
      this.#rx.clear();
      this.#rx.dropping = true;
      if (full) this.#wakePeer('write');
    }
    if (write && !this.#writeShut) {
      this.#writeShut = true;
      this.#tx.fin = true;
      this.#wakePeer('read');
    }
    this.#wakeups.soon('both');
  }

  takeError(): Errno | undefined {
    const e = this.#connectError;
    this.#connectError = undefined;
    return e;
  }

  localEndpoint(): Endpoint {
    const hp = this.#local ?? this.#binding ?? { address: wildcardOf(this.family), port: 0 };
    return presentEndpoint(this.family, hp);
  }

  remoteEndpoint(): Endpoint {
    if (this.#state === 'closed') throw EBADF;
    if (this.#state !== 'connected' || this.#remote === undefined) throw new SysError('ENOTCONN');
    return presentEndpoint(this.family, this.#remote);
  }

  setOption(name: SocketOption, value: number): void {
    this.#options.set(name, value);
  }

  getOption(name: SocketOption): number {
    return this.#options.get(name) ?? (name === 'rcvbuf' || name === 'sndbuf' ? STREAM_BUFFER : name === 'nodelay' ? 1 : 0);
  }

  poll(kind: PollKind): Readiness {
    const state = this.#state;
    const hangup = this.#rx.fin || this.#broken || state === 'failed' || state === 'closed';
    if (kind === 'read') {
      if (state === 'listening') return { ready: this.#accepts.length > 0, nbytes: this.#accepts.length, hangup: false };
      if (state === 'connecting') return NOT_READY;
      const nbytes = state === 'connected' ? this.#rx.bytes : 0;
      const ready = nbytes > 0 || this.#readShut || hangup || this.#failure !== undefined || state === 'idle';
      return { ready, nbytes, hangup };
    }
    if (state === 'connecting' || state === 'listening') return NOT_READY;
    const room = state === 'connected' ? Math.max(0, this.#tx.room) : 0;
    return { ready: room > 0 || hangup || this.#writeShut || state !== 'connected', nbytes: room, hangup };
  }

  onReady(kind: PollKind, wake: () => void): () => void {
    return this.#wakeups.add(kind, wake);
  }

  close(): void {
    if (this.#state === 'closed') return;
    const was = this.#state;
    this.#state = 'closed';
    this.#release();
    if (was === 'listening') {
      for (const conn of this.#accepts.splice(0)) conn.#abort();
      for (const client of this.#waiting.splice(0)) client.#fail('ECONNREFUSED');
    }
    const listener = this.#awaiting;
    if (listener !== undefined) {
      const i = listener.#waiting.indexOf(this);
      if (i !== -1) listener.#waiting.splice(i, 1);
      this.#awaiting = undefined;
    }
    if (was === 'connected') this.#disconnect(this.#rx.bytes > 0);
    this.#wakeups.soon('both');
  }

  /** Closes a connection with a reset (a listener dropping what it had not accepted). */
  #abort(): void {
    if (this.#state === 'closed') return;
    const wasConnected = this.#state === 'connected';
    this.#state = 'closed';
    this.#release();
    if (wasConnected) this.#disconnect(true);
    this.#wakeups.soon('both');
  }

  /** Ends both directions towards the peer: a FIN, or with `reset`, a reset. */
  #disconnect(reset: boolean): void {
    this.#tx.fin = true;
    this.#rx.readerClosed = true;
    this.#rx.clear();
    const peer = this.#peer;
    if (peer === undefined) return;
    if (reset && peer.#state !== 'closed' && !peer.#broken) peer.#failure ??= 'ECONNRESET';
    peer.#wakeups.soon('both');
  }

  #wakePeer(kind: PollKind | 'both'): void {
    const peer = this.#peer;
    if (peer !== undefined) peer.#wakeups.soon(kind);
  }

  #release(): void {
    if (this.#binding !== undefined) this.#ports.release(this.#binding);
  }

  closed(): Promise<void> {
    return Promise.resolve();
  }
}
