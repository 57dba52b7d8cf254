import { EAGAIN, SysError, type Errno } from '../../internal/errno.ts';
import type { PollKind, Readiness } from '../../internal/readiness.ts';
import { StreamType, encodeData } from '../../wisp/packet.ts';
import { formatEndpoint, ipEndpoint, type Endpoint, type IpEndpoint } from '../endpoint.ts';
import { copyOut, gather } from '../buffers.ts';
import type { NetSocket, Received, SocketFamily, SocketOption } from '../socket.ts';
import { EINPROGRESS, NOT_READY, checkReceivable, clampBacklog, type StreamState } from '../stream-limits.ts';
import { Waiters } from '../waiters.ts';
import { errnoForClose, errnoForListenClose, type StreamHandler, type WispConnection } from './connection.ts';

/** Largest DATA payload sent: Go writes at most 64 KiB at a time anyway. */
export const MAX_SEND_PACKET = 64 * 1024;
/**
 * Received bytes buffered per stream. Wisp has no flow control from relay
 * to client, so past this the stream is closed (ENOBUFS) rather than
 * buffered without bound.
 */
export const RECV_LIMIT = 16 * 1024 * 1024;

/**
 * A TCP socket through a Wisp relay: one stream of the driver's shared
 * WebSocket. Connects name the host the guest dialled when the address is a
 * stand-in from the driver's resolver. Wisp has no half-close: shutting
 * down writing only refuses further sends; closing sends CLOSE after what
 * was sent.
 *
 * Listening is not part of Wisp: it takes a relay that lists dialtone's
 * listening extension (docs/wisp-extensions.md), and is ENOTSUP with any
 * other. `bind` records the address; `listen` asks the relay to listen
 * there and settles once it has (the relay judges the address against its
 * `--allow-listen`: EACCES when refused); each connection the relay accepts
 * arrives as a stream of its own, handed out by `accept`.
 */
export class WispStreamSocket implements NetSocket {
  readonly type = 'stream';
  readonly family: SocketFamily;
  readonly #conn: WispConnection;
  readonly #hostFor: (address: string) => string;
  #state: StreamState = 'idle';
  #id = 0;
  #remote: IpEndpoint | undefined;
  /** What `bind` recorded. */
  #bound: IpEndpoint | undefined;
  /** The relay-side address: a listener's, or an accepted connection's (its listener's). */
  #local: IpEndpoint | undefined;
  #backlog = 0;
  /** Connections the relay accepted for this listener, not yet taken by `accept`. */
  readonly #accepts: WispStreamSocket[] = [];
  /** Why a listener's stream ended (the relay closed it, or the connection failed). */
  #listenerDown: Errno | undefined;
  /** Rejects a listen still waiting for the relay's answer. */
  #abortListen: ((err: SysError) => void) | undefined;
  #credit = 0;
  readonly #recv: Uint8Array[] = [];
  #recvBytes = 0;
  #eof = false;
  #readShut = false;
  #writeShut = false;
  #failure: Errno | undefined;
  #connectError: Errno | undefined;
  readonly #options = new Map<SocketOption, number>();
  readonly #waiters = new Waiters();

  constructor(family: SocketFamily, conn: WispConnection, hostFor: (address: string) => string) {
    this.family = family;
    this.#conn = conn;
    this.#hostFor = hostFor;
  }

  /** A connection the relay accepted for a listener: connected, as stream `id`, with no credit until the relay's CONTINUE. */
  static accepted(listener: WispStreamSocket, id: number, remote: IpEndpoint, local: IpEndpoint | undefined): WispStreamSocket {
    const s = new WispStreamSocket(listener.family, listener.#conn, listener.#hostFor);
    s.#state = 'connected';
    s.#id = id;
    s.#remote = remote;
    s.#local = local;
    return s;
  }

  /** The handler of this socket's stream. */
  #handler(): StreamHandler {
    return {
      data: (bytes) => this.#onData(bytes),
      credit: (n) => {
        this.#credit = n;
        if (this.#state === 'connecting') this.#connected();
        this.#waiters.wake('write');
      },
      closed: (reason) => this.#onClose(reason),
    };
  }

  /** Records the address; `listen` asks the relay for it (a connect from a chosen local address is ENOTSUP). */
  bind(ep: Endpoint): void {
    if (ep.kind !== 'ip') throw new SysError('EAFNOSUPPORT');
    if (this.#state !== 'idle' || this.#bound !== undefined) throw new SysError('EINVAL', 'socket is already bound');
    this.#bound = ep;
  }

  /**
   * Asks the relay to listen on the bound address (none: every address, a
   * port of the relay's choosing); settles once it does. ENOTSUP when the
   * relay does not offer listening; a refusal becomes the errno listen(2)
   * would give (EACCES outside the relay's `--allow-listen`, EADDRINUSE, ...).
   */
  listen(backlog: number): void | Promise<void> {
    if (this.#state === 'listening') {
      this.#backlog = clampBacklog(backlog);
      return;
    }
    if (this.#state !== 'idle' || this.#abortListen !== undefined) throw new SysError('EINVAL', `cannot listen on a ${this.#state} socket`);
    this.#backlog = clampBacklog(backlog);
    const at = this.#bound ?? ipEndpoint(this.family === 'ipv6' ? '::' : '0.0.0.0', 0);
    return new Promise<void>((resolve, reject) => {
      this.#abortListen = (err) => {
        this.#abortListen = undefined;
        reject(err);
      };
      void this.#startListening(at, resolve);
    });
  }

  async #startListening(at: IpEndpoint, resolve: () => void): Promise<void> {
    try {
      await this.#conn.ready();
    } catch {
      return this.#abortListen?.(new SysError('ENETUNREACH', `relay ${this.#conn.url} cannot be reached`));
    }
    if (this.#abortListen === undefined) return; // closed meanwhile
    if (!this.#conn.listens) {
      return this.#abortListen(
        new SysError('ENOTSUP', `relay ${this.#conn.url} does not offer listening (dialtone relay --allow-listen does)`),
      );
    }
    const handler: StreamHandler = {
      data: () => {},
      credit: () => {},
      listening: (port, address) => {
        if (this.#abortListen === undefined || this.#state !== 'idle') return;
        this.#abortListen = undefined;
        this.#state = 'listening';
        this.#local = ipEndpoint(address, port);
        resolve();
      },
      accepted: (id, port, address) => this.#onAccepted(id, port, address),
      closed: (reason) => {
        const errno = errnoForListenClose(reason);
        if (this.#abortListen !== undefined) {
          this.#id = 0;
          return this.#abortListen(new SysError(errno, `the relay refused to listen on ${formatEndpoint(at)}`));
        }
        this.#listenerDown ??= errno;
        this.#waiters.wake('read');
      },
    };
    try {
      this.#id = this.#conn.listen(StreamType.TCP, at.address, at.port, handler);
    } catch (err) {
      this.#abortListen(err instanceof SysError ? err : new SysError('ENETUNREACH', String(err)));
    }
  }

  /** ACCEPT on this listener: queue the connection (or refuse it past the backlog). */
  #onAccepted(id: number, port: number, address: string): StreamHandler | undefined {
    if (this.#state !== 'listening' || this.#accepts.length >= this.#backlog) return undefined;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    const peer = ipEndpoint(this.family === 'ipv4' && mapped !== null ? (mapped[1] as string) : address, port);
    const s = WispStreamSocket.accepted(this, id, peer, this.#local);
    this.#accepts.push(s);
    this.#waiters.wake('read');
    return s.#handler();
  }

  connect(ep: Endpoint): void {
    if (this.#state === 'connected') throw new SysError('EISCONN');
    if (this.#state === 'connecting') throw new SysError('EALREADY');
    if (this.#state !== 'idle' || this.#abortListen !== undefined) throw new SysError('EINVAL', `cannot connect a ${this.#state} socket`);
    if (ep.kind !== 'ip') throw new SysError('EAFNOSUPPORT');
    const b = this.#bound;
    if (b !== undefined && (b.port !== 0 || (b.address !== '0.0.0.0' && b.address !== '::'))) {
      throw new SysError('ENOTSUP', 'a Wisp relay cannot connect from a chosen local address');
    }
    this.#state = 'connecting';
    this.#remote = ep;
    void this.#start(ep);
    throw EINPROGRESS;
  }

  async #start(ep: IpEndpoint): Promise<void> {
    try {
      await this.#conn.ready();
    } catch {
      return this.#connectFailed('ENETUNREACH');
    }
    if (this.#state !== 'connecting') return;
    this.#credit = this.#conn.initialCredit;
    this.#id = this.#conn.open(StreamType.TCP, this.#hostFor(ep.address), ep.port, this.#handler());
    // Without stream-open confirmation, a stream is open as soon as it is asked for.
    if (!this.#conn.confirms) this.#connected();
  }

  #connected(): void {
    this.#state = 'connected';
    this.#waiters.wake('both');
  }

  #connectFailed(errno: Errno): void {
    if (this.#state !== 'connecting') return;
    this.#state = 'failed';
    this.#connectError = errno;
    this.#waiters.wake('both');
  }

  #onData(bytes: Uint8Array): void {
    if (this.#state === 'connecting') this.#connected(); // data implies the stream is open
    if (this.#readShut || this.#state !== 'connected') return;
    if (this.#recvBytes + bytes.length > RECV_LIMIT) {
      this.#conn.close(this.#id);
      this.#failure = 'ENOBUFS';
      this.#eof = true;
      this.#waiters.wake('both');
      return;
    }
    this.#recv.push(bytes.slice());
    this.#recvBytes += bytes.length;
    this.#waiters.wake('read');
  }

  #onClose(reason: number): void {
    if (this.#state === 'connecting') return this.#connectFailed(errnoForClose(reason, true) ?? 'ECONNREFUSED');
    const errno = errnoForClose(reason, false);
    if (errno !== undefined && this.#failure === undefined) this.#failure = errno;
    this.#eof = true;
    this.#waiters.wake('both');
  }

  /** The next connection the relay accepted; EAGAIN when none is pending; the errno that ended the listener once it is gone. */
  accept(): NetSocket {
    if (this.#state !== 'listening') throw new SysError('EINVAL', 'socket is not listening');
    const next = this.#accepts.shift();
    if (next !== undefined) return next;
    if (this.#listenerDown !== undefined) throw new SysError(this.#listenerDown, 'the relay ended the listener');
    throw EAGAIN;
  }

  recv(bufs: readonly Uint8Array[], peek: boolean): Received {
    checkReceivable(this.#state);
    if (this.#readShut) return { n: 0, truncated: false };
    if (this.#recvBytes === 0) {
      if (this.#failure !== undefined) {
        const errno = this.#failure;
        this.#failure = undefined;
        throw new SysError(errno);
      }
      if (this.#eof) return { n: 0, truncated: false };
      throw EAGAIN;
    }
    const n = copyOut(this.#recv, bufs, !peek);
    if (!peek) this.#recvBytes -= n;
    return { n, truncated: false };
  }

  send(bufs: readonly Uint8Array[]): number {
    if (this.#state === 'connecting') throw EAGAIN;
    if (this.#state === 'closed') throw new SysError('EBADF');
    if (this.#state !== 'connected') throw new SysError('ENOTCONN');
    if (this.#writeShut) throw new SysError('EPIPE');
    if (this.#eof) {
      const errno = this.#failure ?? 'EPIPE';
      this.#failure = undefined;
      throw new SysError(errno === 'ECONNRESET' ? 'ECONNRESET' : errno === 'EACCES' ? 'EACCES' : 'EPIPE');
    }
    if (this.#credit <= 0 || !this.#conn.hasRoom(() => this.#waiters.wake('write'))) throw EAGAIN;
    const data = gather(bufs, MAX_SEND_PACKET);
    const n = data.length;
    if (n === 0) return 0;
    this.#conn.send(encodeData(this.#id, data));
    this.#credit--;
    return n;
  }

  shutdown(read: boolean, write: boolean): void {
    if (this.#state !== 'connected') throw new SysError('ENOTCONN');
    if (read) {
      this.#readShut = true;
      this.#recv.length = 0;
      this.#recvBytes = 0;
    }
    // Wisp has no half-close: the stream stays open until close.
    if (write) this.#writeShut = true;
    this.#waiters.wake('both');
  }

  takeError(): Errno | undefined {
    const e = this.#connectError;
    this.#connectError = undefined;
    return e;
  }

  /** A listener's (and its accepted connections') address at the relay; else what bind recorded, or the unspecified address. */
  localEndpoint(): Endpoint {
    return this.#local ?? this.#bound ?? ipEndpoint(this.family === 'ipv6' ? '::' : '0.0.0.0', 0);
  }

  remoteEndpoint(): Endpoint {
    if (this.#state !== 'connected' || this.#remote === undefined) throw new SysError('ENOTCONN');
    return this.#remote;
  }

  setOption(name: SocketOption, value: number): void {
    this.#options.set(name, value);
  }

  getOption(name: SocketOption): number {
    return this.#options.get(name) ?? (name === 'rcvbuf' ? RECV_LIMIT : name === 'sndbuf' ? MAX_SEND_PACKET : name === 'nodelay' ? 1 : 0);
  }

  poll(kind: PollKind): Readiness {
    if (this.#state === 'listening') {
      if (kind === 'write') return NOT_READY;
      const down = this.#listenerDown !== undefined;
      return { ready: this.#accepts.length > 0 || down, nbytes: this.#accepts.length, hangup: down && this.#accepts.length === 0 };
    }
    const hangup = this.#eof || this.#state === 'failed' || this.#state === 'closed';
    if (this.#state === 'connecting') return NOT_READY;
    if (kind === 'read') {
      const ready = this.#recvBytes > 0 || this.#readShut || hangup || this.#failure !== undefined || this.#state === 'idle';
      return { ready, nbytes: this.#recvBytes, hangup };
    }
    const room = this.#credit > 0 && this.#conn.hasRoom(() => this.#waiters.wake('write'));
    return { ready: room || hangup || this.#writeShut || this.#state !== 'connected', nbytes: room ? MAX_SEND_PACKET : 0, hangup };
  }

  onReady(kind: PollKind, wake: () => void): () => void {
    return this.#waiters.add(kind, wake);
  }

  close(): void {
    if (this.#state === 'closed') return;
    const open = this.#id !== 0 && !this.#eof;
    this.#state = 'closed';
    // A listener stops listening (CLOSE on its stream); connections it had not handed out are closed too.
    for (const s of this.#accepts.splice(0)) s.close();
    this.#abortListen?.(new SysError('EBADF', 'socket closed while listening'));
    this.#recv.length = 0;
    this.#recvBytes = 0;
    this.#waiters.wake('both');
    // DATA already sent goes first on the same WebSocket; the relay delivers it, then ends the connection.
    if (open) this.#conn.close(this.#id);
  }

  closed(): Promise<void> {
    return this.#conn.flushed();
  }
}
