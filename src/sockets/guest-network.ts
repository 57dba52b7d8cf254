import { HostResolver, isNameNotFound } from '../dns/resolver.ts';
import { SysError } from '../internal/errno.ts';
import { formatEndpoint, type Endpoint } from '../netdev/endpoint.ts';
import type { NetDriver, NetSocket, SocketFamily, SocketType } from '../netdev/socket.ts';
import type { NetOperation, NetworkPolicy, PolicyDecision } from '../policy/policy.ts';
import { GuestSocket, type SocketGuard } from './guest-socket.ts';
import type { HostUnixPath, UnixPathMapper } from './host-unix-path.ts';
import type { Interceptor } from './interceptor.ts';
import { DEFAULT_MAX_RECENT_PEERS, DEFAULT_RECENT_PEER_TTL_MS, RecentPeers } from './recent-peers.ts';

/** Default cap on sockets one guest may hold open at once (EMFILE past it). */
export const DEFAULT_MAX_SOCKETS = 1024;

const ALLOWED: PolicyDecision = { allowed: true };

/** What a guest's network is made of. */
export interface GuestNetworkOptions {
  /** Opens the real sockets and does the default lookups (Node, browser relay, memory). */
  driver: NetDriver;
  /** Asked before every connect, send-to, bind/listen and lookup, and about every peer that reaches a listening socket. */
  policy: NetworkPolicy;
  /** Receives one line per refusal (shown with `--trace`). */
  onRefused?: ((line: string) => void) | undefined;
  /** Sockets open at once past which opening or accepting one is EMFILE (default {@link DEFAULT_MAX_SOCKETS}). */
  maxSockets?: number | undefined;
  /** Peers each UDP server socket remembers as answerable, the oldest forgotten first (default {@link DEFAULT_MAX_RECENT_PEERS}). */
  maxRecentPeers?: number | undefined;
  /** How long, in ms, a UDP server may answer a peer after reading its last datagram (default {@link DEFAULT_RECENT_PEER_TTL_MS}). */
  recentPeerTtlMs?: number | undefined;
  /** Maps a guest Unix socket path to the host (a WASI host: through its preopens). Without it, Unix paths are ENOENT. */
  unixPath?: UnixPathMapper | undefined;
  /**
   * Resolves names (shared with the DNS stub, so both have one cap,
   * deadline and error model). Default: one over the driver's lookup.
   */
  resolver?: HostResolver | undefined;
  /** In-host services asked first about every connect (the DNS stub); the first to answer takes it. */
  interceptors?: readonly Interceptor[] | undefined;
}

/**
 * One guest's view of the network — a guest being whatever code the policy
 * confines (a WASI module today) — independent of how it reaches its
 * sockets: it opens sockets (with a cap) and resolves names for it, and its
 * {@link GuestSocket}s ask the policy before connect, bind/listen and
 * send-to and about peers that reach a listening socket, let a UDP server
 * answer its recent peers, map Unix paths, and route intercepted endpoints
 * (DNS) to in-host services. A socket ABI only decodes and encodes around it.
 */
export class GuestNetwork {
  readonly #opts: GuestNetworkOptions;
  readonly #max: number;
  readonly #maxPeers: number;
  readonly #peerTtl: number;
  readonly #resolver: HostResolver;
  readonly #guard: SocketGuard;
  #open = 0;
  /** Sockets closed but still delivering what they had accepted. */
  readonly #closing = new Set<Promise<void>>();
  /** Datagram sockets the guest bound (the policy let it listen there) or connected (the kernel filters senders). */
  readonly #addressed = new WeakSet<NetSocket>();

  constructor(opts: GuestNetworkOptions) {
    this.#opts = opts;
    this.#max = opts.maxSockets ?? DEFAULT_MAX_SOCKETS;
    this.#maxPeers = opts.maxRecentPeers ?? DEFAULT_MAX_RECENT_PEERS;
    this.#peerTtl = opts.recentPeerTtlMs ?? DEFAULT_RECENT_PEER_TTL_MS;
    this.#resolver = opts.resolver ?? new HostResolver({ lookup: (name, family) => opts.driver.lookup(name, family) });
    this.#guard = {
      check: (op, ep) => this.#check(op, ep),
      checkSend: (to, recent) => this.#checkSend(to, recent),
      mayAccept: (peer) => this.#mayAccept(peer),
      mayListen: (local) => this.#mayListen(local),
      recentPeers: () => new RecentPeers(this.#maxPeers, this.#peerTtl),
      unixPath: (guestPath, use) => this.#unixPath(guestPath, use),
      intercept: (type, ep) => this.#intercept(type, ep),
      addressed: (socket) => void this.#addressed.add(socket),
      adopt: (accepted) => this.adopt(accepted),
      release: (flushed) => this.#release(flushed),
    };
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

  /** The driver underneath, for sockets the host itself opens outside the policy (preopened ones). */
  get driver(): NetDriver {
    return this.#opts.driver;
  }

  /** A new socket (EMFILE past the cap). */
  open(family: SocketFamily, type: SocketType): GuestSocket {
    const socket = this.#opts.driver.socket(family, type);
    if (type === 'dgram') socket.setReceiveFilter?.((from) => this.#mayReceive(socket, from));
    return this.adopt(socket);
  }

  /** Wraps a driver socket (opened here, accepted, or preopened by the host) as a guest socket counted against the cap. */
  adopt(socket: NetSocket): GuestSocket {
    if (this.#open >= this.#max) {
      socket.close();
      throw new SysError('EMFILE', `more than ${this.#max} sockets open`);
    }
    this.#open++;
    return new GuestSocket(socket, this.#guard);
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

  /** A closed socket gives its place back; the network waits for its flush in {@link flushed}. */
  #release(flushed: Promise<void>): void {
    this.#open--;
    this.#closing.add(flushed);
    void flushed.then(() => this.#closing.delete(flushed));
  }

  #intercept(type: SocketType, ep: Endpoint): NetSocket | undefined {
    for (const i of this.#opts.interceptors ?? []) {
      const replacement = i.intercept(type, ep);
      if (replacement !== undefined) return replacement;
    }
    return undefined;
  }

  /**
   * Whether a datagram from `from` may reach `socket`. A socket the guest
   * bound (allowed to listen there) or connected takes what arrives; one
   * bound implicitly by its first send-to takes datagrams only from where
   * it may send, unless the policy would let it listen on its local address.
   * Either way a sender the policy refuses to accept from (`--deny-net`) is
   * refused. Others are dropped, with a trace line.
   */
  #mayReceive(socket: NetSocket, from: Endpoint): boolean {
    try {
      const policy = this.#opts.policy;
      const local = (): string => formatEndpoint(socket.localEndpoint());
      if (!this.#addressed.has(socket)) {
        const send = policy.check('send', from);
        if (send.allowed) return true;
        const listen = policy.check('listen', socket.localEndpoint());
        if (!listen.allowed) {
          this.#opts.onRefused?.(`policy: datagram from ${formatEndpoint(from)} to ${local()} dropped: ${send.reason}; ${listen.reason}`);
          return false;
        }
      }
      const accept = this.#accepts(from);
      if (accept.allowed) return true;
      this.#opts.onRefused?.(`policy: datagram from ${formatEndpoint(from)} to ${local()} dropped: ${accept.reason}`);
    } catch {
      // a policy that throws lets nothing through
    }
    return false;
  }

  /** The policy's word on taking traffic from `peer` (allowed when it has no `checkAccept`). */
  #accepts(peer: Endpoint): PolicyDecision {
    return this.#opts.policy.checkAccept?.(peer) ?? ALLOWED;
  }

  /** Whether the policy takes traffic from `peer`; a refusal line when not. A policy that throws takes nothing. */
  #mayAccept(peer: Endpoint): boolean {
    let d: PolicyDecision;
    try {
      d = this.#accepts(peer);
    } catch {
      return false;
    }
    if (!d.allowed) this.#opts.onRefused?.(`policy: ${d.reason || `accept from ${formatEndpoint(peer)} refused`}`);
    return d.allowed;
  }

  /** Whether the policy allows listening on `local`, asked quietly. A policy that throws allows nothing. */
  #mayListen(local: Endpoint): boolean {
    try {
      return this.#opts.policy.check('listen', local).allowed;
    } catch {
      return false;
    }
  }

  /**
   * Throws EACCES (and reports why) unless the policy allows sending to
   * `to`, or `to` is a recent peer of the sending UDP server (`recent()`:
   * undefined when it is not a server) that the policy lets it answer.
   */
  #checkSend(to: Endpoint, recent: () => boolean | undefined): void {
    const d = this.#opts.policy.check('send', to);
    if (d.allowed) return;
    const why = d.reason || `send to ${formatEndpoint(to)} refused`;
    const answering = recent();
    if (answering === undefined) this.#refuse(why);
    const accept = this.#accepts(to);
    if (!accept.allowed) this.#refuse(`${why}; ${accept.reason}`);
    if (!answering) {
      const seconds = Math.round(this.#peerTtl / 1000);
      this.#refuse(`${why}; not a recent peer of this UDP server (one of the last ${this.#maxPeers} it read from, within ${seconds} s)`);
    }
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
   * Maps a guest Unix path to the host; the policy judges the socket's host
   * path (as the flags name it), and the driver gets an address that cannot
   * be redirected, which the socket holds as long as it is open.
   */
  #unixPath(guestPath: string, use: 'bind' | 'connect'): HostUnixPath {
    const map = this.#opts.unixPath;
    if (map === undefined) throw new SysError('ENOENT', `Unix socket path ${guestPath} is not under a preopened directory`);
    const host = map(guestPath, use);
    try {
      this.#check(use === 'bind' ? 'listen' : 'connect', { kind: 'unix', path: host.path });
    } catch (err) {
      host.release();
      throw err;
    }
    return host;
  }
}
