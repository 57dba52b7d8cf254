import { SysError } from '../../internal/errno.ts';
import { formatEndpoint, type Endpoint } from '../../netdev/endpoint.ts';
import type { NetDriver, NetSocket, SocketFamily, SocketType } from '../../netdev/socket.ts';
import type { NetOperation, NetworkPolicy } from '../../policy/policy.ts';
import { SocketDescriptor } from './socket-descriptor.ts';

/** Default cap on sockets one guest may hold open at once (EMFILE past it). */
export const DEFAULT_MAX_SOCKETS = 1024;
/** How long {@link GuestNetwork.prepare} waits for one name to resolve. */
export const PREPARE_LOOKUP_TIMEOUT_MS = 5000;

/**
 * In-host services that answer some endpoints without a real socket (the
 * DNS stub): `intercept` returns a replacement socket for a connect to
 * `ep`, or undefined to let the driver handle it.
 */
export interface Interceptor {
  intercept(type: SocketType, ep: Endpoint): NetSocket | undefined;
}

/** What a guest's network is made of. */
export interface GuestNetworkOptions {
  driver: NetDriver;
  policy: NetworkPolicy;
  /** Receives one line per refusal (shown with `--trace`). */
  onRefused?: ((line: string) => void) | undefined;
  maxSockets?: number | undefined;
  /** Maps a guest Unix socket path to a host path (through the preopens). */
  hostPath?: ((guestPath: string) => string) | undefined;
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
  #open = 0;
  /** Sockets closed but still delivering what they had accepted. */
  readonly #closing = new Set<Promise<void>>();
  /** Datagram sockets the guest bound (the policy let it listen there) or connected (the kernel filters senders). */
  readonly #addressed = new WeakSet<NetSocket>();

  constructor(opts: GuestNetworkOptions) {
    this.#opts = opts;
    this.#max = opts.maxSockets ?? DEFAULT_MAX_SOCKETS;
  }

  /**
   * Resolves, through the driver (as the guest's own lookups are), the
   * names the policy needs before the guest runs (denied host names, see
   * {@link NetworkPolicy.namesToResolve}) and teaches it the answers. A name
   * that does not resolve within {@link PREPARE_LOOKUP_TIMEOUT_MS} covers no
   * address; a trace line says so. Call once, before the guest starts.
   */
  async prepare(): Promise<void> {
    const { policy, driver } = this.#opts;
    const names = policy.namesToResolve?.() ?? [];
    await Promise.all(
      names.map(async (name) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new SysError('ETIMEDOUT', `no answer in ${PREPARE_LOOKUP_TIMEOUT_MS} ms`)),
            PREPARE_LOOKUP_TIMEOUT_MS,
          );
        });
        try {
          policy.learn(name, await Promise.race([driver.lookup(name), timeout]));
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          this.#opts.onRefused?.(`policy: ${name} did not resolve (${why}): a rule naming it covers no address`);
        } finally {
          clearTimeout(timer);
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
    const host = this.#onHost(ep);
    this.#check('listen', host);
    if (ep.kind === 'unix') d.guestLocalPath = ep.path;
    const socket = d.socket;
    const bound = socket.bind(host);
    if (socket.type !== 'dgram') return bound;
    if (bound === undefined) return void this.#addressed.add(socket);
    return bound.then(() => void this.#addressed.add(socket));
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
    const host = this.#onHost(ep);
    this.#check('connect', host);
    if (ep.kind === 'unix') d.guestPeerPath = ep.path;
    const socket = d.socket;
    const connected = socket.connect(host);
    if (socket.type !== 'dgram') return connected;
    if (connected === undefined) return void this.#addressed.add(socket);
    return connected.then(() => void this.#addressed.add(socket));
  }

  sendTo(d: SocketDescriptor, bufs: readonly Uint8Array[], ep: Endpoint | undefined): number {
    if (ep !== undefined) this.#check('send', ep);
    return d.socket.send(bufs, ep);
  }

  /** Resolves a name for the guest, subject to the policy. */
  async lookup(hostname: string, family?: 4 | 6): Promise<string[]> {
    const d = this.#opts.policy.checkLookup(hostname);
    if (!d.allowed) this.#refuse(d.reason);
    const addrs = await this.#opts.driver.lookup(hostname, family);
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
   * The endpoint on the host: a Unix path is the guest's, mapped through the
   * preopens (the policy then judges the host path, as the flags name it).
   */
  #onHost(ep: Endpoint): Endpoint {
    if (ep.kind !== 'unix') return ep;
    const map = this.#opts.hostPath;
    if (map === undefined) throw new SysError('ENOENT', `Unix socket path ${ep.path} is not under a preopened directory`);
    return { kind: 'unix', path: map(ep.path) };
  }
}
