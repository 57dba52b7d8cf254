import { HostResolver, isNameNotFound } from '../../dns/resolver.ts';
import { SysError } from '../../internal/errno.ts';
import { formatEndpoint, type Endpoint } from '../../netdev/endpoint.ts';
import type { NetDriver, NetSocket, SocketFamily, SocketType } from '../../netdev/socket.ts';
import type { NetOperation, NetworkPolicy } from '../../policy/policy.ts';
import { SocketDescriptor } from './socket-descriptor.ts';

/** Default cap on sockets one guest may hold open at once (EMFILE past it). */
export const DEFAULT_MAX_SOCKETS = 1024;

/**
 * In-host services that answer some endpoints without a real socket (the
 * DNS stub): `intercept` returns a replacement socket for a connect to
 * `ep`, or undefined to let the driver handle it.
 */
export interface Interceptor {
  intercept(type: SocketType, ep: Endpoint): NetSocket | undefined;
}

/**
 * Where a guest's Unix socket path is on the host: `path` for the policy and
 * messages, `address` for the driver (a path that no rename or symlink swap
 * can redirect, valid until `release()`).
 */
export interface HostUnixPath {
  readonly path: string;
  readonly address: string;
  release(): void;
}

/** What a guest's network is made of. */
export interface GuestNetworkOptions {
  driver: NetDriver;
  policy: NetworkPolicy;
  /** Receives one line per refusal (shown with `--trace`). */
  onRefused?: ((line: string) => void) | undefined;
  maxSockets?: number | undefined;
  /** Maps a guest Unix socket path to the host (through the preopens). */
  unixPath?: ((guestPath: string, use: 'bind' | 'connect') => HostUnixPath) | undefined;
  /**
   * Resolves names (shared with the DNS stub, so both have one cap,
   * deadline and error model). Default: one over the driver's lookup.
   */
  resolver?: HostResolver | undefined;
  interceptors?: readonly Interceptor[] | undefined;
}

/**
 * One guest's view of the network, shared by every socket ABI: it opens
 * sockets (with a cap), asks the policy before connect, bind/listen and
 * send-to, maps Unix paths, and routes intercepted endpoints (DNS) to
 * in-host services. The ABIs only decode and encode.
 */
export class GuestNetwork {
  readonly #opts: GuestNetworkOptions;
  readonly #max: number;
  readonly #resolver: HostResolver;
  #open = 0;
  /** Sockets closed but still delivering what they had accepted. */
  readonly #closing = new Set<Promise<void>>();
  /** Datagram sockets the guest bound (the policy let it listen there) or connected (the kernel filters senders). */
  readonly #addressed = new WeakSet<NetSocket>();

  constructor(opts: GuestNetworkOptions) {
    this.#opts = opts;
    this.#max = opts.maxSockets ?? DEFAULT_MAX_SOCKETS;
    this.#resolver = opts.resolver ?? new HostResolver({ lookup: (name, family) => opts.driver.lookup(name, family) });
  }

  /**
   * Resolves, through the resolver the guest's own lookups use (same
   * upstream, cap and deadline), the names the policy needs before the
   * guest runs (denied host names, see {@link NetworkPolicy.namesToResolve})
   * and teaches it the answers. A name that does not resolve covers no
   * address; a trace line says so. Call once, before the guest starts.
   */
  async prepare(): Promise<void> {
    const { policy } = this.#opts;
    const names = policy.namesToResolve?.() ?? [];
    await Promise.all(
      names.map(async (name) => {
        try {
          policy.learn(name, await this.#resolver.lookup(name));
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          this.#opts.onRefused?.(`policy: ${name} did not resolve (${why}): a rule naming it covers no address`);
        }
      }),
    );
  }

  /** Settles when every closed socket has flushed (each gives up after its linger time). */
  async flushed(): Promise<void> {
    await Promise.all(this.#closing);
  }

  get driver(): NetDriver {
    return this.#opts.driver;
  }

  /** A new socket descriptor (EMFILE past the cap). */
  open(family: SocketFamily, type: SocketType): SocketDescriptor {
    const socket = this.#opts.driver.socket(family, type);
    if (type === 'dgram') socket.setReceiveFilter?.((from) => this.#mayReceive(socket, from));
    return this.adopt(socket);
  }

  /** Wraps a driver socket (opened here or accepted) as a counted descriptor. */
  adopt(socket: NetSocket, options: { preopened?: boolean; fdflags?: number } = {}): SocketDescriptor {
    if (this.#open >= this.#max) {
      socket.close();
      throw new SysError('EMFILE', `more than ${this.#max} sockets open`);
    }
    this.#open++;
    let released = false;
    return new SocketDescriptor(socket, {
      ...options,
      adopt: (accepted, fdflags) => this.adopt(accepted, { fdflags }),
      onClose: () => {
        if (!released) {
          released = true;
          this.#open--;
          const done = socket.closed();
          this.#closing.add(done);
          void done.then(() => this.#closing.delete(done));
        }
      },
    });
  }

  bind(d: SocketDescriptor, ep: Endpoint): void | Promise<void> {
    if (ep.kind === 'unix') {
      const host = this.#unix(d, ep.path, 'bind');
      d.guestLocalPath = ep.path;
      return d.socket.bind(host);
    }
    this.#check('listen', ep);
    return this.#addressing(d.socket, d.socket.bind(ep));
  }

  listen(d: SocketDescriptor, backlog: number): void | Promise<void> {
    // An unbound listener gets an ephemeral port on every address.
    if (d.socket.type === 'stream' && d.socket.family !== 'unix') {
      const local = d.socket.localEndpoint();
      if (local.kind === 'ip' && local.port === 0) this.#check('listen', local);
    }
    return d.socket.listen(backlog);
  }

  connect(d: SocketDescriptor, ep: Endpoint): void | Promise<void> {
    for (const i of this.#opts.interceptors ?? []) {
      const replacement = i.intercept(d.socket.type, ep);
      if (replacement !== undefined) {
        d.socket.close();
        d.socket = replacement;
        return replacement.connect(ep);
      }
    }
    if (ep.kind === 'unix') {
      const host = this.#unix(d, ep.path, 'connect');
      d.guestPeerPath = ep.path;
      return d.socket.connect(host);
    }
    this.#check('connect', ep);
    return this.#addressing(d.socket, d.socket.connect(ep));
  }

  /** Marks a datagram socket the guest bound or connected itself once that is done: it receives from anyone. */
  #addressing(socket: NetSocket, pending: void | Promise<void>): void | Promise<void> {
    if (socket.type !== 'dgram') return pending;
    if (pending === undefined) return void this.#addressed.add(socket);
    return pending.then(() => void this.#addressed.add(socket));
  }

  sendTo(d: SocketDescriptor, bufs: readonly Uint8Array[], ep: Endpoint | undefined): number {
    if (ep !== undefined) this.#check('send', ep);
    return d.socket.send(bufs, ep);
  }

  /**
   * Resolves a name for the guest, subject to the policy: its addresses, or
   * `[]` when the name does not exist or has none of `family` (the guest
   * libraries report an empty answer as a host that was not found). A
   * refusal is EACCES; a failing resolver its {@link SysError} (ETIMEDOUT,
   * EAGAIN past the lookup cap, EIO, ECONNREFUSED, ...).
   */
  async lookup(hostname: string, family?: 4 | 6): Promise<string[]> {
    const d = this.#opts.policy.checkLookup(hostname);
    if (!d.allowed) this.#refuse(d.reason);
    let addrs: string[];
    try {
      addrs = await this.#resolver.lookup(hostname, family);
    } catch (err) {
      if (isNameNotFound(err)) return [];
      throw err;
    }
    this.#opts.policy.learn(hostname, addrs);
    return addrs;
  }

  /**
   * Whether a datagram from `from` may reach `socket`. A socket the guest
   * bound (allowed to listen there) or connected takes what arrives; one
   * bound implicitly by its first send-to takes datagrams only from where
   * it may send, unless the policy would let it listen on its local address.
   * Others are dropped, with a trace line.
   */
  #mayReceive(socket: NetSocket, from: Endpoint): boolean {
    if (this.#addressed.has(socket)) return true;
    try {
      const policy = this.#opts.policy;
      const send = policy.check('send', from);
      if (send.allowed) return true;
      const local = socket.localEndpoint();
      const listen = policy.check('listen', local);
      if (listen.allowed) return true;
      this.#opts.onRefused?.(
        `policy: datagram from ${formatEndpoint(from)} to ${formatEndpoint(local)} dropped: ${send.reason}; ${listen.reason}`,
      );
    } catch {
      // a policy that throws lets nothing through
    }
    return false;
  }

  /** Throws EACCES (and reports why) when the policy refuses `op` on `ep`. */
  #check(op: NetOperation, ep: Endpoint): void {
    const d = this.#opts.policy.check(op, ep);
    if (!d.allowed) this.#refuse(d.reason || `${op} ${formatEndpoint(ep)} refused`);
  }

  #refuse(reason: string): never {
    this.#opts.onRefused?.(`policy: ${reason}`);
    throw new SysError('EACCES', reason);
  }

  /**
   * Maps a guest Unix path to the host through the preopens; the policy
   * judges the socket's host path (as the flags name it), and the driver gets
   * an address that cannot be redirected, held as long as the socket is.
   */
  #unix(d: SocketDescriptor, guestPath: string, use: 'bind' | 'connect'): Endpoint {
    const map = this.#opts.unixPath;
    if (map === undefined) throw new SysError('ENOENT', `Unix socket path ${guestPath} is not under a preopened directory`);
    const host = map(guestPath, use);
    try {
      this.#check(use === 'bind' ? 'listen' : 'connect', { kind: 'unix', path: host.path });
    } catch (err) {
      host.release();
      throw err;
    }
    d.holdUnixPath(host);
    return { kind: 'unix', path: host.address };
  }
}
