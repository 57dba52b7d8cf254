import type { Errno } from '../internal/errno.ts';
import type { PollKind, Readiness } from '../internal/readiness.ts';
import type { Endpoint } from '../netdev/endpoint.ts';
import type { NetSocket, Received, SocketFamily, SocketOption, SocketType } from '../netdev/socket.ts';
import type { NetOperation } from '../policy/policy.ts';
import type { HostUnixPath } from './host-unix-path.ts';
import type { RecentPeers } from './recent-peers.ts';

/**
 * What a {@link GuestSocket} asks of the network that made it: the rules
 * shared by all of a guest's sockets. `GuestNetwork` provides it;
 * the socket decides when to ask.
 */
export interface SocketGuard {
  /** Throws EACCES, after a refusal line, unless the policy allows `op` on `ep`. */
  check(op: NetOperation, ep: Endpoint): void;
  /**
   * Throws EACCES, after a refusal line, unless the policy allows sending
   * to `to`, or `to` is a recent peer of a UDP server that the policy lets
   * it answer. `recent` (asked only when the send itself is refused) says
   * whether `to` is one: undefined when the socket is not a server.
   */
  checkSend(to: Endpoint, recent: () => boolean | undefined): void;
  /** Whether the policy takes traffic from `peer`, which reached a listening socket (a refusal line when not). */
  mayAccept(peer: Endpoint): boolean;
  /** Whether the policy would let the guest listen on `local` (asked quietly: no refusal line). */
  mayListen(local: Endpoint): boolean;
  /** A new, empty table of a UDP server's recent peers, bounded as the network says. */
  recentPeers(): RecentPeers;
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
 * A peer that reaches a socket the guest listens on is asked about too
 * (`NetworkPolicy.checkAccept`: a `--deny-net` peer is refused): a
 * connection to a listener the guest opened is closed at accept if
 * refused. A UDP socket whose local address the policy lets the guest
 * listen on is a server: it may answer the peers it has lately read
 * datagrams from (a bounded, expiring {@link RecentPeers} table) where the
 * policy would not let it send, as an accepted connection may write back.
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
  /** A stream socket the guest made listen itself (a preopened listener is not asked about its peers). */
  #listening = false;
  /** A datagram socket the guest bound itself, where the policy let it listen: a server. */
  #bound = false;
  /** The peers a server socket has lately read from (made at its first datagram). */
  #peers: RecentPeers | undefined;

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
    const bound = this.#addressing(this.#driver.bind(ep));
    if (this.type !== 'dgram') return bound;
    if (bound === undefined) return void (this.#bound = true);
    return bound.then(() => void (this.#bound = true));
  }

  /** Listens; a stream socket never bound to a port asks the policy about the ephemeral port it gets on every address. */
  listen(backlog: number): void | Promise<void> {
    if (this.type === 'stream' && this.family !== 'unix') {
      const local = this.#driver.localEndpoint();
      if (local.kind === 'ip' && local.port === 0) this.#guard.check('listen', local);
    }
    this.#listening = true;
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

  /**
   * The next pending connection, counted against the cap (EMFILE past it).
   * On a listener the guest opened, connections from peers the policy
   * refuses (`--deny-net`) are closed, with a refusal line, and skipped:
   * EAGAIN if no other is pending.
   */
  accept(): GuestSocket {
    for (;;) {
      const accepted = this.#driver.accept();
      if (this.#listening && !this.#mayAccept(accepted)) {
        accepted.close();
        continue;
      }
      const conn = this.#guard.adopt(accepted);
      conn.#localPath = this.#localPath;
      return conn;
    }
  }

  /** Receives; a server socket remembers the sender of each datagram it reads as a recent peer. */
  recv(bufs: readonly Uint8Array[], peek: boolean): Received {
    const r = this.#driver.recv(bufs, peek);
    if (r.from !== undefined && this.#isServer()) (this.#peers ??= this.#guard.recentPeers()).heard(r.from);
    return r;
  }

  /**
   * Sends; to an explicit address `to` only if the policy allows sending
   * there or, from a UDP server, `to` is a recent peer the policy lets it
   * answer.
   */
  send(bufs: readonly Uint8Array[], to?: Endpoint, whole?: boolean): number {
    if (to !== undefined) this.#guard.checkSend(to, () => (this.#isServer() ? (this.#peers?.has(to) ?? false) : undefined));
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
    this.#peers?.clear();
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

  /**
   * Whether this is a UDP server: a datagram socket the guest bound itself
   * (the policy let it listen there), or one bound implicitly (by a
   * send-to) on a local address the policy would let it listen on. Either
   * receives from anyone, so it may answer them.
   */
  #isServer(): boolean {
    if (this.type !== 'dgram') return false;
    if (this.#bound) return true;
    return this.#guard.mayListen(this.#driver.localEndpoint());
  }

  /** Whether the policy takes a connection accepted from its peer (an unknown or Unix peer is taken). */
  #mayAccept(accepted: NetSocket): boolean {
    let peer: Endpoint;
    try {
      peer = accepted.remoteEndpoint();
    } catch {
      return true; // already gone: the guest's first read or write says so
    }
    return peer.kind !== 'ip' || this.#guard.mayAccept(peer);
  }

  /** Marks a datagram socket addressed once its bind or connect is done. */
  #addressing(pending: void | Promise<void>): void | Promise<void> {
    const socket = this.#driver;
    if (socket.type !== 'dgram') return pending;
    if (pending === undefined) return void this.#guard.addressed(socket);
    return pending.then(() => void this.#guard.addressed(socket));
  }
}
