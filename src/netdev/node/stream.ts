import * as net from 'node:net';
import { EAGAIN, SysError, toSysError, type Errno } from '../../internal/errno.ts';
import type { PollKind, Readiness } from '../../internal/readiness.ts';
import { copyOut, gather, gatherInto, totalLength } from '../buffers.ts';
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
  readonly #recv: Buffer[] = [];
  #recvBytes = 0;
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

  /** Wraps a connection accepted by a listener. */
  static accepted(sock: net.Socket, family: SocketFamily): NodeStreamSocket {
    const s = new NodeStreamSocket(family);
    s.#state = 'connected';
    s.#attach(sock);
    return s;
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
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (s) => this.#onConnection(s));
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
        sock = net.connect({ path: ep.path, allowHalfOpen: true });
      } else {
        const local = this.#bound?.kind === 'ip' ? this.#bound : undefined;
        sock = net.connect({
          host: ep.address,
          port: ep.port,
          family: ep.family,
          allowHalfOpen: true,
          noDelay: true,
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
    sock.on('data', (chunk: Buffer) => {
      if (this.#readShut) return;
      this.#recv.push(chunk);
      this.#recvBytes += chunk.length;
      if (this.#recvBytes >= RECV_HIGH_WATER && !this.#paused) {
        this.#paused = true;
        sock.pause();
      }
      this.#waiters.wake('read');
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
    if (this.#recvBytes === 0) {
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
    const n = copyOut(this.#recv, bufs, !peek);
    if (!peek) {
      this.#recvBytes -= n;
      if (this.#paused && this.#recvBytes < RECV_HIGH_WATER / 2) {
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
      this.#recv.length = 0;
      this.#recvBytes = 0;
      if (this.#paused) this.#sock?.resume();
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
      const ready = this.#recvBytes > 0 || this.#readShut || hangup || this.#failure !== undefined || this.#state === 'idle';
      return { ready, nbytes: this.#recvBytes, hangup };
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
    this.#recv.length = 0;
    this.#recvBytes = 0;
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
