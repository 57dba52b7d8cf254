import { SysError } from '../../internal/errno.ts';
import type { PollKind, Readiness } from '../../internal/readiness.ts';
import type { Endpoint } from '../../netdev/endpoint.ts';
import type { NetSocket } from '../../netdev/socket.ts';
import { FdFlags, Filetype, RiFlags, SdFlags } from '../constants.ts';
import { Descriptor } from '../descriptor.ts';
import type { FdTable } from '../fd-table.ts';

/**
 * A socket in the guest's fd table. `fd_read` / `fd_write`, the preview 1
 * `sock_*` calls and `poll_oneoff` reach the driver socket through it; the
 * socket ABIs (WasmEdge, wasinet) reach it through `GuestNetwork`.
 *
 * For Unix sockets the driver sees host paths; the guest's own paths are
 * kept here so that local and peer addresses read back as the guest wrote them.
 */
export class SocketDescriptor extends Descriptor {
  readonly filetype: Filetype;
  /** The driver socket; replaceable until first use (DNS interception). */
  socket: NetSocket;
  /** Guest path of a bound Unix socket. */
  guestLocalPath: string | undefined;
  /** Guest path a Unix socket connected to. */
  guestPeerPath: string | undefined;
  readonly #preopened: boolean;
  #unixPathHold: { release(): void } | undefined;
  readonly #onClose: () => void;
  readonly #adopt: (accepted: NetSocket, fdflags: number) => SocketDescriptor;

  /**
   * @param options.adopt wraps an accepted connection (GuestNetwork counts it against the socket cap)
   * @param options.onClose called once when the descriptor closes
   */
  constructor(
    socket: NetSocket,
    options: {
      preopened?: boolean;
      fdflags?: number;
      onClose?: () => void;
      adopt?: (accepted: NetSocket, fdflags: number) => SocketDescriptor;
    } = {},
  ) {
    super();
    this.socket = socket;
    this.filetype = socket.type === 'stream' ? Filetype.SOCKET_STREAM : Filetype.SOCKET_DGRAM;
    this.fdflags = options.fdflags ?? 0;
    this.#preopened = options.preopened ?? false;
    this.#onClose = options.onClose ?? noop;
    this.#adopt = options.adopt ?? ((s, fdflags) => new SocketDescriptor(s, { fdflags }));
  }

  override isPreopenedNonDir(): boolean {
    return this.#preopened;
  }

  override read(bufs: Uint8Array[]): number {
    return this.socket.recv(bufs, false).n;
  }

  override write(bufs: Uint8Array[]): number {
    return this.socket.send(bufs);
  }

  override recv(bufs: Uint8Array[], riflags: number): { n: number; truncated: boolean } {
    return this.socket.recv(bufs, (riflags & RiFlags.RECV_PEEK) !== 0);
  }

  override send(bufs: Uint8Array[]): number {
    return this.socket.send(bufs);
  }

  override accept(fdflags: number): SocketDescriptor {
    const conn = this.#adopt(this.socket.accept(), fdflags & FdFlags.NONBLOCK);
    conn.guestLocalPath = this.guestLocalPath;
    return conn;
  }

  override shutdown(how: number): void {
    this.socket.shutdown((how & SdFlags.RD) !== 0, (how & SdFlags.WR) !== 0);
  }

  override setFlags(flags: number): void {
    if (flags & ~(FdFlags.NONBLOCK | FdFlags.APPEND)) throw new SysError('EINVAL', 'socket flags other than NONBLOCK');
    this.fdflags = flags & FdFlags.NONBLOCK;
  }

  override poll(kind: PollKind): Readiness {
    return this.socket.poll(kind);
  }

  override onReady(kind: PollKind, wake: () => void): () => void {
    return this.socket.onReady(kind, wake);
  }

  /** The local endpoint as the guest knows it. */
  localEndpoint(): Endpoint {
    const ep = this.socket.localEndpoint();
    return ep.kind === 'unix' && this.guestLocalPath !== undefined ? { kind: 'unix', path: this.guestLocalPath } : ep;
  }

  /** The peer endpoint as the guest knows it. */
  remoteEndpoint(): Endpoint {
    const ep = this.socket.remoteEndpoint();
    return ep.kind === 'unix' ? { kind: 'unix', path: this.guestPeerPath ?? '' } : ep;
  }

  /** Keeps a Unix path's host hold (see GuestNetwork) until the socket closes or holds another. */
  holdUnixPath(hold: { release(): void }): void {
    this.#unixPathHold?.release();
    this.#unixPathHold = hold;
  }

  override close(): void {
    this.socket.close();
    this.#unixPathHold?.release();
    this.#unixPathHold = undefined;
    this.#onClose();
  }
}

function noop(): void {}

/** The socket at `fd`: EBADF when there is none, ENOTSOCK when it is not a socket. */
export function socketAt(fds: FdTable, fd: number): SocketDescriptor {
  const d = fds.get(fd);
  if (!(d instanceof SocketDescriptor)) throw new SysError('ENOTSOCK');
  return d;
}
