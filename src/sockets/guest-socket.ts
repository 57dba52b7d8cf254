import type { Errno } from '../internal/errno.ts';
import type { PollKind, Readiness } from '../internal/readiness.ts';
import type { Endpoint } from '../netdev/endpoint.ts';
import type { NetSocket, Received, SocketFamily, SocketOption, SocketType } from '../netdev/socket.ts';
import type { NetOperation } from '../policy/policy.ts';
import type { HostUnixPath } from './host-unix-path.ts';

/**
 * What a {@link GuestSocket} asks of the network that made it: the rules
 * shared by all of a guest's sockets. `GuestNetwork` provides it;
 * the socket decides when to ask.
 */
export interface SocketGuard {
  /** Throws EACCES, after a refusal line, unless the policy allows `op` on `ep`. */
  check(op: NetOperation, ep: Endpoint): void;
  /**
   * The host side of a guest Unix path, already allowed by the policy
   * (ENOENT when it has none, EACCES when refused); the caller holds it.
   */
  unixPath(guestPath: string, use: 'bind' | 'connect'): HostUnixPath;
  /** An in-host socket that answers a connect to `ep` instead (the DNS stub), or undefined. */
  intercept(type: SocketType, ep: Endpoint): NetSocket | undefined;
  /** Records that the guest bound or connected datagram socket `socket` itself (it then receives from anyone). */
  addressed(socket: NetSocket): void;
  /** Wraps an accepted connection, counted against the socket cap (EMFILE past it). */
  adopt(accepted: NetSocket): GuestSocket;
  /** Gives back a closed socket's place under the cap; `flushed` settles once it has sent what it had accepted. */
  release(flushed: Promise<void>): void;
}

/**
 * One of a guest's sockets: a driver socket seen through the guest's
 * network rules. It is itself a {@link NetSocket}, so whatever drives a
 * socket (a WASI ABI, a TypeScript API) drives this one the same way, and
 * gets the policy checks, Unix path mapping and DNS interception with it:
 * bind, listen, connect and send-to ask the policy first; accepted
 * connections count against the cap; closing gives its place back.
 *
 * For Unix sockets the driver sees host paths; the guest's own paths are
 * kept here so that local and peer addresses read back as the guest wrote
 * them. Made by `GuestNetwork.open` and `GuestNetwork.adopt`.
 */
export class GuestSocket implements NetSocket {
  /** The driver socket; replaced once if a connect is intercepted (DNS). */
  #driver: NetSocket;
  readonly #guard: SocketGuard;
  /** Guest path of a bound Unix socket. */
  #localPath: string | undefined;
  /** Guest path a Unix socket connected to. */
  #peerPath: string | undefined;
  /** Keeps the host address of the socket's Unix path valid until close. */
  #unixHold: HostUnixPath | undefined;
  #released = false;

  constructor(driver: NetSocket, guard: SocketGuard) {
    this.#driver = driver;
    this.#guard = guard;
  }

  get family(): SocketFamily {
    return this.#driver.family;
  }

  get type(): SocketType {
    return this.#driver.type;
  }

  /** Binds, if the policy lets the guest listen there (a Unix path: once mapped to the host). */
  bind(ep: Endpoint): void | Promise<void> {
    if (ep.kind === 'unix') {
      const host = this.#hostUnixPath(ep.path, 'bind');
      this.#localPath = ep.path;
      return this.#driver.bind(host);
    }
    this.#guard.check('listen', ep);
    return this.#addressing(this.#driver.bind(ep));
  }

  /** Listens; a stream socket never bound to a port asks the policy about the ephemeral port it gets on every address. */
  listen(backlog: number): void | Promise<void> {
    if (this.type === 'stream' && this.family !== 'unix') {
      const local = this.#driver.localEndpoint();
      if (local.kind === 'ip' && local.port === 0) this.#guard.check('listen', local);
    }
    return this.#driver.listen(backlog);
  }

  /**
   * Connects, if the policy allows it. A connect an interceptor answers
   * (the DNS stub) goes to its in-host socket instead, which replaces the
   * driver socket from then on; the policy is not asked, as the host itself
   * answers it.
   */
  connect(ep: Endpoint): void | Promise<void> {
    const replacement = this.#guard.intercept(this.type, ep);
    if (replacement !== undefined) {
      this.#driver.close();
      this.#driver = replacement;
      return replacement.connect(ep);
    }
    if (ep.kind === 'unix') {
      const host = this.#hostUnixPath(ep.path, 'connect');
      this.#peerPath = ep.path;
      return this.#driver.connect(host);
    }
    this.#guard.check('connect', ep);
    return this.#addressing(this.#driver.connect(ep));
  }

  /** The next pending connection, counted against the cap (EMFILE past it). */
  accept(): GuestSocket {
    const conn = this.#guard.adopt(this.#driver.accept());
    conn.#localPath = this.#localPath;
    return conn;
  }

  recv(bufs: readonly Uint8Array[], peek: boolean): Received {
    return this.#driver.recv(bufs, peek);
  }

  /** Sends; to an explicit address `to` only if the policy allows sending there. */
  send(bufs: readonly Uint8Array[], to?: Endpoint, whole?: boolean): number {
    if (to !== undefined) this.#guard.check('send', to);
    return this.#driver.send(bufs, to, whole);
  }

  shutdown(read: boolean, write: boolean): void {
    this.#driver.shutdown(read, write);
  }

  takeError(): Errno | undefined {
    return this.#driver.takeError();
  }

  /** The local endpoint as the guest knows it (its own path for a bound Unix socket). */
  localEndpoint(): Endpoint {
    const ep = this.#driver.localEndpoint();
    return ep.kind === 'unix' && this.#localPath !== undefined ? { kind: 'unix', path: this.#localPath } : ep;
  }

  /** The peer endpoint as the guest knows it (the path it connected to, or none for an accepted Unix connection). */
  remoteEndpoint(): Endpoint {
    const ep = this.#driver.remoteEndpoint();
    return ep.kind === 'unix' ? { kind: 'unix', path: this.#peerPath ?? '' } : ep;
  }

  setOption(name: SocketOption, value: number): void {
    this.#driver.setOption(name, value);
  }

  getOption(name: SocketOption): number {
    return this.#driver.getOption(name);
  }

  poll(kind: PollKind): Readiness {
    return this.#driver.poll(kind);
  }

  onReady(kind: PollKind, wake: () => void): () => void {
    return this.#driver.onReady(kind, wake);
  }

  /**
   * Closes the connection now but keeps the socket's place under the cap,
   * and its Unix path, until {@link close}: for guests that tear a socket
   * down long before they release it (wasinet's shutdown(3), whose fd_close
   * waits for a garbage collection).
   */
  closeConnection(): void {
    this.#driver.close();
  }

  /** Closes the socket, releases its Unix path and its place under the cap (once), and has its flush awaited by the network. */
  close(): void {
    this.#driver.close();
    this.#unixHold?.release();
    this.#unixHold = undefined;
    if (!this.#released) {
      this.#released = true;
      this.#guard.release(this.#driver.closed());
    }
  }

  closed(): Promise<void> {
    return this.#driver.closed();
  }

  /** Maps a guest Unix path and holds its host address (releasing any earlier one) until close. */
  #hostUnixPath(guestPath: string, use: 'bind' | 'connect'): Endpoint {
    const host = this.#guard.unixPath(guestPath, use);
    this.#unixHold?.release();
    this.#unixHold = host;
    return { kind: 'unix', path: host.address };
  }

  /** Marks a datagram socket addressed once its bind or connect is done. */
  #addressing(pending: void | Promise<void>): void | Promise<void> {
    const socket = this.#driver;
    if (socket.type !== 'dgram') return pending;
    if (pending === undefined) return void this.#guard.addressed(socket);
    return pending.then(() => void this.#guard.addressed(socket));
  }
}
