import { EAGAIN, SysError, type Errno } from '../../internal/errno.ts';
import type { PollKind, Readiness } from '../../internal/readiness.ts';
import { StreamType, encodeData } from '../../wisp/packet.ts';
import { ipEndpoint, type Endpoint, type IpEndpoint } from '../endpoint.ts';
import { copyOut, gather } from '../buffers.ts';
import type { NetSocket, Received, SocketFamily, SocketOption } from '../socket.ts';
import { Waiters } from '../waiters.ts';
import { errnoForClose, type WispConnection } from './connection.ts';

/** Largest DATA payload sent: Go writes at most 64 KiB at a time anyway. */
export const MAX_SEND_PACKET = 64 * 1024;
/**
 * Received bytes buffered per stream. Wisp has no flow control from relay
 * to client, so past this the stream is closed (ENOBUFS) rather than
 * buffered without bound.
 */
export const RECV_LIMIT = 16 * 1024 * 1024;

type State = 'idle' | 'connecting' | 'connected' | 'failed' | 'closed';

const EINPROGRESS = new SysError('EINPROGRESS');
const NOT_READY: Readiness = Object.freeze({ ready: false, nbytes: 0, hangup: false });

/**
 * A TCP socket through a Wisp relay: one stream of the driver's shared
 * WebSocket. Connects name the host the guest dialled when the address is a
 * stand-in from the driver's resolver. Wisp has no half-close: shutting
 * down writing only refuses further sends; closing sends CLOSE after what
 * was sent. Listening is not part of Wisp: ENOTSUP.
 */
export class WispStreamSocket implements NetSocket {
  readonly type = 'stream';
  readonly family: SocketFamily;
  readonly #conn: WispConnection;
  readonly #hostFor: (address: string) => string;
  #state: State = 'idle';
  #id = 0;
  #remote: IpEndpoint | undefined;
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

  bind(ep: Endpoint): void {
    if (ep.kind === 'ip' && ep.port === 0 && (ep.address === '0.0.0.0' || ep.address === '::')) return;
    throw new SysError('ENOTSUP', 'a Wisp relay cannot bind a local address');
  }

  listen(): void {
    throw new SysError('ENOTSUP', 'a Wisp relay cannot listen');
  }

  connect(ep: Endpoint): void {
    if (this.#state === 'connected') throw new SysError('EISCONN');
    if (this.#state === 'connecting') throw new SysError('EALREADY');
    if (this.#state !== 'idle') throw new SysError('EINVAL', `cannot connect a ${this.#state} socket`);
    if (ep.kind !== 'ip') throw new SysError('EAFNOSUPPORT');
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
    this.#id = this.#conn.open(StreamType.TCP, this.#hostFor(ep.address), ep.port, {
      data: (bytes) => this.#onData(bytes),
      credit: (n) => {
        this.#credit = n;
        if (this.#state === 'connecting') this.#connected();
        this.#waiters.wake('write');
      },
      closed: (reason) => this.#onClose(reason),
    });
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

  accept(): NetSocket {
    throw new SysError('EINVAL', 'socket is not listening');
  }

  recv(bufs: readonly Uint8Array[], peek: boolean): Received {
    switch (this.#state) {
      case 'connecting':
        throw EAGAIN;
      case 'connected':
        break;
      case 'closed':
        throw new SysError('EBADF');
      default:
        throw new SysError('ENOTCONN');
    }
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

  localEndpoint(): Endpoint {
    return ipEndpoint(this.family === 'ipv6' ? '::' : '0.0.0.0', 0);
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
