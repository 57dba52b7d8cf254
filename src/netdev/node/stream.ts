import * as net from 'node:net';
import { EAGAIN, SysError, toSysError, type Errno } from '../../internal/errno.ts';
import type { PollKind, Readiness } from '../../internal/readiness.ts';
import { gather, gatherInto, totalLength } from '../buffers.ts';
import { ByteQueue } from '../byte-queue.ts';
import { ipEndpoint, type Endpoint } from '../endpoint.ts';
import type { NetSocket, Received, SocketFamily, SocketOption } from '../socket.ts';
import { EINPROGRESS, NOT_READY, checkReceivable, clampBacklog, type StreamState } from '../stream-limits.ts';
import { Waiters } from '../waiters.ts';

/** Received bytes buffered per socket before the Node socket is paused. */
export const RECV_HIGH_WATER = 256 * 1024;
/** Bytes Node may hold for sending before `send` answers EAGAIN. */
export const SEND_HIGH_WATER = 256 * 1024;
/** How long a closed socket keeps trying to deliver what it had accepted. */
export const CLOSE_LINGER_MS = 2000;

/**
 * A TCP or Unix stream socket over `node:net`.
 *
 * Received data is copied into a bounded queue (the Node socket is paused
 * above {@link RECV_HIGH_WATER} and resumed as the guest drains it); sends
 * are accepted while Node's write buffer is below {@link SEND_HIGH_WATER}.
 * Node reads every socket into one shared buffer (`onread`), from which the
 * bytes are copied into the queue's reusable slabs: no buffer is allocated
 * per read (see {@link withOnread} for accepted connections).
 * Node cannot bind a TCP socket without listening, so `bind` records the
 * endpoint and `listen` / `connect` use it.
 */
export class NodeStreamSocket implements NetSocket {
  readonly type = 'stream';
  readonly family: SocketFamily;
  #state: StreamState = 'idle';
  #bound: Endpoint | undefined;
  #server: net.Server | undefined;
  #sock: net.Socket | undefined;
  /** For a Unix client, the path it connected to (Node does not report it). */
  #peerPath: string | undefined;
  #backlog = 0;
  readonly #accepts: NodeStreamSocket[] = [];
  readonly #recv = new ByteQueue(Buffer.allocUnsafe);
  #paused = false;
  #eof = false;
  #readShut = false;
  #writeShut = false;
  /** A failure (reset) to report once on the next recv/send. */
  #failure: Errno | undefined;
  /** SO_ERROR: the result of a finished connect, read once. */
  #connectError: Errno | undefined;
  #options = new Map<SocketOption, number>();
  readonly #waiters = new Waiters();

  constructor(family: SocketFamily) {
    this.family = family;
  }

  /** Wraps a connection accepted by a listener (created paused: `pauseOnConnect`). */
  static accepted(sock: net.Socket, family: SocketFamily): NodeStreamSocket {
    const s = new NodeStreamSocket(family);
    s.#state = 'connected';
    const inner = withOnread(sock, s.#onread);
    if (inner === undefined) sock.resume();
    s.#attach(inner ?? sock);
    return s;
  }

  /** `onread` for this socket: Node reads into the shared buffer and calls back with the count. */
  readonly #onread = { buffer: readBuffer, callback: (n: number, buf: Uint8Array): boolean => this.#received(buf.subarray(0, n)) };

  /** Queues received bytes; false when the queue is full and Node should stop reading. */
  #received(bytes: Uint8Array): boolean {
    // Discarded after SHUT_RD (as Linux does) and once closed (while lingering).
    if (this.#readShut || this.#state === 'closed') return true;
    this.#recv.push(bytes);
    this.#waiters.wake('read');
    if (this.#recv.length < RECV_HIGH_WATER) return true;
    this.#paused = true;
    return false;
  }

  bind(ep: Endpoint): void {
    if (this.#state !== 'idle' || this.#bound !== undefined) throw new SysError('EINVAL', 'socket is already bound');
    this.#bound = ep;
  }

  listen(backlog: number): void | Promise<void> {
    if (this.#state === 'listening') {
      this.#backlog = clampBacklog(backlog);
      return;
    }
    if (this.#state !== 'idle') throw new SysError('EINVAL', 'socket is connected');
    // Linux would autobind an unnamed Unix listener to an abstract address; Node cannot.
    if (this.family === 'unix' && (this.#bound === undefined || (this.#bound.kind === 'unix' && this.#bound.path === ''))) {
      throw new SysError('EINVAL', 'listen on an unbound Unix socket');
    }
    this.#backlog = clampBacklog(backlog);
    // Paused: `accepted` re-wraps each connection before Node reads from it.
    const server = net.createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: true }, (s) => this.#onConnection(s));
    const ep = this.#bound ?? this.#anyEndpoint();
    return new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(toSysError(err));
      server.once('error', onError);
      const opts: net.ListenOptions =
        ep.kind === 'unix'
          ? { path: ep.path, backlog: this.#backlog }
          : { host: ep.address, port: ep.port, backlog: this.#backlog, exclusive: true };
      const listening = (): void => {
        server.off('error', onError);
        // A listener has no guest to report to; errors after start end accepts.
        server.on('error', () => this.#waiters.wake('read'));
        this.#server = server;
        this.#state = 'listening';
        resolve();
      };
      try {
        server.listen(opts, listening);
      } catch (err) {
        reject(toSysError(err)); // options Node refuses synchronously (an invalid path, say)
      }
    });
  }

  #onConnection(s: net.Socket): void {
    if (this.#state !== 'listening' || this.#accepts.length >= this.#backlog) {
      s.destroy(); // a full backlog refuses, as a full SYN queue would
      return;
    }
    this.#accepts.push(NodeStreamSocket.accepted(s, this.family));
    this.#waiters.wake('read');
  }

  connect(ep: Endpoint): void {
    if (this.#state === 'connected') throw new SysError('EISCONN');
    if (this.#state === 'connecting') throw new SysError('EALREADY');
    if (this.#state !== 'idle') throw new SysError('EINVAL', `cannot connect a ${this.#state} socket`);
    let sock: net.Socket;
    try {
      if (ep.kind === 'unix') {
        this.#peerPath = ep.path;
        sock = net.connect({ path: ep.path, allowHalfOpen: true, onread: this.#onread });
      } else {
        const local = this.#bound?.kind === 'ip' ? this.#bound : undefined;
        sock = net.connect({
          host: ep.address,
          port: ep.port,
          family: ep.family,
          allowHalfOpen: true,
          noDelay: true,
          onread: this.#onread,
          ...(local !== undefined && { localAddress: local.address, localPort: local.port || undefined }),
        });
      }
    } catch (err) {
      throw toSysError(err);
    }
    this.#state = 'connecting';
    this.#attach(sock);
    throw EINPROGRESS;
  }

  #attach(sock: net.Socket): void {
    this.#sock = sock;
    sock.on('connect', () => {
      if (this.#state !== 'connecting') return;
      this.#state = 'connected';
      this.#waiters.wake('both');
    });
    // With `onread` Node calls #received itself and 'data' never fires;
    // without it (a Node that did not take the re-wrap), this is the path.
    sock.on('data', (chunk: Buffer) => {
      if (!this.#received(chunk)) sock.pause();
    });
    sock.on('end', () => {
      this.#eof = true;
      this.#waiters.wake('read');
    });
    sock.on('drain', () => this.#waiters.wake('write'));
    sock.on('error', (err: Error) => {
      const errno = toSysError(err).errno;
      if (this.#state === 'connecting') {
        this.#state = 'failed';
        this.#connectError = errno;
      } else {
        this.#failure = errno;
      }
      this.#waiters.wake('both');
    });
    sock.on('close', () => {
      this.#eof = true;
      this.#waiters.wake('both');
    });
  }

  accept(): NetSocket {
    if (this.#state !== 'listening') throw new SysError('EINVAL', 'socket is not listening');
    const next = this.#accepts.shift();
    if (next === undefined) throw EAGAIN;
    return next;
  }

  recv(bufs: readonly Uint8Array[], peek: boolean): Received {
    checkReceivable(this.#state);
    if (this.#readShut) return { n: 0, truncated: false };
    if (this.#recv.length === 0) {
      if (this.#failure !== undefined) {
        // Reported once, like a socket error; later reads see end of stream.
        const errno = this.#failure;
        this.#failure = undefined;
        this.#eof = true;
        throw new SysError(errno);
      }
      if (this.#eof) return { n: 0, truncated: false };
      throw EAGAIN;
    }
    const n = this.#recv.copyOut(bufs, !peek);
    if (!peek) {
      if (this.#paused && this.#recv.length < RECV_HIGH_WATER / 2) {
        this.#paused = false;
        this.#sock?.resume();
      }
    }
    return { n, truncated: false };
  }

  send(bufs: readonly Uint8Array[], _to?: Endpoint, whole = false): number {
    const sock = this.#sock;
    if (this.#state === 'connecting') throw EAGAIN;
    if (this.#state === 'closed') throw new SysError('EBADF');
    if (this.#state !== 'connected' || sock === undefined) throw new SysError('ENOTCONN');
    if (this.#failure !== undefined) {
      // As on Linux (sk_err): the pending error, a reset say, is reported
      // once, by whichever call comes first; later writes get EPIPE and
      // reads end of stream.
      const errno = this.#failure;
      this.#failure = undefined;
      this.#eof = true;
      throw new SysError(errno);
    }
    if (this.#writeShut || sock.destroyed || sock.writableEnded) throw new SysError('EPIPE');
    const room = SEND_HIGH_WATER - sock.writableLength;
    if (room <= 0) throw EAGAIN;
    const limit = whole ? Number.MAX_SAFE_INTEGER : room;
    // Reuse one buffer while Node writes synchronously (nothing queued
    // before or after): a fresh 64 KiB Buffer per write was most of the
    // garbage in a streaming echo. If Node had to queue the data it keeps
    // the buffer, so it is given up and a new one made next time. The
    // buffer is shared by every socket (the thread runs one write at a
    // time): one per socket cost each idle connection 64 KiB.
    if (sock.writableLength === 0 && totalLength(bufs) <= SPARE_SIZE) {
      spare ??= Buffer.allocUnsafe(SPARE_SIZE);
      const n = gatherInto(bufs, spare);
      if (n > 0) sock.write(spare.subarray(0, n));
      if (sock.writableLength > 0) spare = undefined;
      return n;
    }
    const data = gather(bufs, limit, Buffer.allocUnsafe);
    if (data.length > 0) sock.write(data);
    return data.length;
  }

  shutdown(read: boolean, write: boolean): void {
    if (this.#state !== 'connected') throw new SysError('ENOTCONN');
    if (read && !this.#readShut) {
      this.#readShut = true;
      this.#recv.clear();
      if (this.#paused) {
        this.#paused = false;
        this.#sock?.resume();
      }
    }
    if (write && !this.#writeShut) {
      this.#writeShut = true;
      this.#sock?.end();
    }
    this.#waiters.wake('both');
  }

  takeError(): Errno | undefined {
    const e = this.#connectError;
    this.#connectError = undefined;
    return e;
  }

  localEndpoint(): Endpoint {
    if (this.#server !== undefined) {
      const a = this.#server.address();
      if (typeof a === 'string') return { kind: 'unix', path: a };
      if (a !== null) return ipEndpoint(a.address, a.port);
    }
    const s = this.#sock;
    if (s !== undefined) {
      if (this.family === 'unix') return { kind: 'unix', path: '' };
      if (s.localAddress !== undefined) return ipEndpoint(s.localAddress, s.localPort ?? 0);
    }
    return this.#bound ?? this.#anyEndpoint();
  }

  remoteEndpoint(): Endpoint {
    const s = this.#sock;
    if (this.#state !== 'connected' || s === undefined) throw new SysError('ENOTCONN');
    if (this.family === 'unix') return { kind: 'unix', path: this.#peerPath ?? '' };
    if (s.remoteAddress === undefined) throw new SysError('ENOTCONN');
    return ipEndpoint(s.remoteAddress, s.remotePort ?? 0);
  }

  setOption(name: SocketOption, value: number): void {
    this.#options.set(name, value);
    if (name === 'nodelay') this.#sock?.setNoDelay(value !== 0);
    if (name === 'keepalive') this.#sock?.setKeepAlive(value !== 0);
  }

  getOption(name: SocketOption): number {
    return (
      this.#options.get(name) ?? (name === 'rcvbuf' ? RECV_HIGH_WATER : name === 'sndbuf' ? SEND_HIGH_WATER : name === 'nodelay' ? 1 : 0)
    );
  }

  poll(kind: PollKind): Readiness {
    const hangup = this.#eof || this.#state === 'failed' || this.#state === 'closed';
    if (kind === 'read') {
      if (this.#state === 'listening') return { ready: this.#accepts.length > 0, nbytes: this.#accepts.length, hangup: false };
      if (this.#state === 'connecting') return NOT_READY;
      const queued = this.#recv.length;
      const ready = queued > 0 || this.#readShut || hangup || this.#failure !== undefined || this.#state === 'idle';
      return { ready, nbytes: queued, hangup };
    }
    if (this.#state === 'connecting' || this.#state === 'listening') return NOT_READY;
    const room = this.#sock === undefined ? 0 : SEND_HIGH_WATER - this.#sock.writableLength;
    return { ready: room > 0 || hangup || this.#writeShut || this.#state !== 'connected', nbytes: Math.max(0, room), hangup };
  }

  onReady(kind: PollKind, wake: () => void): () => void {
    return this.#waiters.add(kind, wake);
  }

  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#server?.close();
    for (const s of this.#accepts.splice(0)) s.close();
    this.#recv.clear();
    this.#waiters.wake('both');
    const sock = this.#sock;
    if (sock === undefined || sock.destroyed) return;
    if (sock.writableLength === 0) {
      sock.destroy();
      return;
    }
    // Like close(2): what the guest wrote is still delivered (then FIN).
    sock.end();
    const timer = setTimeout(() => sock.destroy(), CLOSE_LINGER_MS);
    sock.once('close', () => clearTimeout(timer));
  }

  closed(): Promise<void> {
    const sock = this.#sock;
    if (this.#state !== 'closed' || sock === undefined || sock.destroyed) return Promise.resolve();
    return new Promise((resolve) => sock.once('close', () => resolve()));
  }

  #anyEndpoint(): Endpoint {
    if (this.family === 'unix') return { kind: 'unix', path: '' };
    return ipEndpoint(this.family === 'ipv6' ? '::' : '0.0.0.0', 0);
  }
}

/** Size of the reusable send buffer (Go writes at most this much at a time). */
const SPARE_SIZE = 64 * 1024;
/** The send buffer shared by all stream sockets while writes complete synchronously (see send). */
let spare: Buffer | undefined;

/**
 * The buffer Node reads every stream socket into (`onread`), shared: its
 * bytes are copied out at once, in the callback, so no socket holds it.
 * (Reads of 256 KiB measured within noise of these.)
 */
const readBuffer = Buffer.allocUnsafe(64 * 1024);

/**
 * An accepted connection as a Socket that reads through `onread`, or
 * undefined when this Node does not allow it (then the caller resumes the
 * original socket and takes 'data' events).
 *
 * Node's server takes no `onread`: it makes each accepted Socket itself. So
 * the server is created paused (`pauseOnConnect`, nothing read yet) and a
 * second Socket is made over the first one's handle with `onread`, as Node
 * itself re-wraps handles it passes between processes. The first Socket then
 * lets go of the handle and is destroyed, so the server's connection count
 * drops (else `server.close()` would never report closed). Should a future
 * Node take the handle but ignore `onread`, the caller's 'data' listener
 * still receives everything.
 */
function withOnread(sock: net.Socket, onread: net.OnReadOpts): net.Socket | undefined {
  const handle = (sock as unknown as { _handle?: unknown })._handle;
  if (handle === null || typeof handle !== 'object' || sock.destroyed) return undefined;
  let inner: net.Socket;
  try {
    const opts = { handle, allowHalfOpen: true, noDelay: true, readable: true, writable: true, onread };
    inner = new net.Socket(opts as net.SocketConstructorOpts);
  } catch {
    return undefined;
  }
  if ((inner as unknown as { _handle?: unknown })._handle !== handle) {
    inner.destroy();
    return undefined;
  }
  (sock as unknown as { _handle: unknown })._handle = null;
  sock.destroy();
  return inner;
}
