import { SysError } from '../../internal/errno.ts';
import type { PollKind, Readiness } from '../../internal/readiness.ts';
import type { GuestSocket } from '../../sockets/guest-socket.ts';
import { FdFlags, Filetype, RiFlags, SdFlags } from '../constants.ts';
import { Descriptor } from '../descriptor.ts';
import type { FdTable } from '../fd-table.ts';

/**
 * A socket in the guest's fd table: the WASI face of a {@link GuestSocket}.
 * `fd_read` / `fd_write`, the preview 1 `sock_*` calls and `poll_oneoff`
 * reach the socket through it, and the socket ABIs (WasmEdge, wasinet)
 * through {@link SocketDescriptor.socket}; the policy, the cap and Unix path
 * mapping are the model socket's business, WASI flags and numbering this one's.
 */
export class SocketDescriptor extends Descriptor {
  readonly filetype: Filetype;
  /** The model socket (policy checks, interception, guest-visible addresses). */
  readonly socket: GuestSocket;
  readonly #preopened: boolean;

  /** @param options.preopened a `--listen` / `--dial` socket (ENOTDIR to `fd_prestat_get`) */
  constructor(socket: GuestSocket, options: { preopened?: boolean; fdflags?: number } = {}) {
    super();
    this.socket = socket;
    this.filetype = socket.type === 'stream' ? Filetype.SOCKET_STREAM : Filetype.SOCKET_DGRAM;
    this.fdflags = options.fdflags ?? 0;
    this.#preopened = options.preopened ?? false;
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
    return new SocketDescriptor(this.socket.accept(), { fdflags: fdflags & FdFlags.NONBLOCK });
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

  override close(): void {
    this.socket.close();
  }
}

/** The socket at `fd`: EBADF when there is none, ENOTSOCK when it is not a socket. */
export function socketAt(fds: FdTable, fd: number): SocketDescriptor {
  const d = fds.get(fd);
  if (!(d instanceof SocketDescriptor)) throw new SysError('ENOTSOCK');
  return d;
}
