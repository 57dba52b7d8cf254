import { HostResolver } from '../dns/resolver.ts';
import { SysError } from '../internal/errno.ts';
import { ipEndpoint, ipFamily, type Endpoint, type IpEndpoint } from '../netdev/endpoint.ts';
import type { NetDriver, NetSocket, SocketFamily } from '../netdev/socket.ts';
import { ALLOW_ALL, type NetworkPolicy } from '../policy/policy.ts';
import { toNetworkPolicy } from '../policy/portable.ts';
import type { RulePolicyOptions } from '../policy/rules.ts';
import { GuestNetwork } from '../sockets/guest-network.ts';
import { servicePort } from '../sockets/services.ts';
import { addrOf, type Addr, type NetworkName, type PacketNetwork, type StreamNetwork, type WebSocketNetwork } from './addr.ts';
import { Conn } from './conn.ts';
import { Deadlines } from './deadlines.ts';
import { OpError, abortedError, opError, timeoutError, type OpContext } from './errors.ts';
import { joinHostPort, splitHostPort } from './hostport.ts';
import { Listener } from './listener.ts';
import { PacketConn } from './packet-conn.ts';
import type { Resolver } from './resolver.ts';
import { WebSocketSocket, openWebSocket } from './websocket.ts';

/** How a {@link Network} reaches the world. */
export interface NetworkOptions {
  /** The driver: Node's sockets, a relay's (`WispDriver`), an in-memory network. */
  driver: NetDriver;
  /**
   * What this code may connect to, listen on and look up: a policy object
   * or rules as `--allow-net` / `--allow-listen` / `--deny-net` take them.
   * Default: everything (this is the host's own code; guests get deny-all).
   */
  policy?: NetworkPolicy | RulePolicyOptions;
  /** Most sockets open at once (EMFILE past it; default 1024). */
  maxSockets?: number;
  /**
   * Where names are looked up (dials by name and the lookups): a
   * {@link Resolver} (DNS over HTTPS). Default: the driver's (the system
   * resolver on Node; the relay, through stand-in addresses, for a `WispDriver`).
   */
  resolver?: Resolver;
}

/** Options of {@link Network.dial}. */
export interface DialOptions {
  /** Aborts the dial (rejects with code `ECANCELED`). */
  signal?: AbortSignal;
  /** Milliseconds the whole dial may take, lookups included (rejects with `timeout`). */
  timeout?: number;
  /** The local address to dial from (`host:port`, port 0 = any). */
  localAddr?: string;
}

const LISTEN_BACKLOG = 511;

/**
 * Go's `net` functions over one driver and one policy: the same socket
 * model guests use (`src/sockets/`), so the same policy decides, with the
 * same refusals. `dialtone/net` exports one for Node's sockets; make one
 * over any other driver.
 *
 * @example
 * const conn = await network.dial('tcp', 'example.com:80', { timeout: 5000 });
 */
export class Network {
  readonly #net: GuestNetwork;
  readonly #policy: NetworkPolicy;

  constructor(options: NetworkOptions) {
    this.#policy = toNetworkPolicy(options.policy) ?? ALLOW_ALL;
    this.#net = new GuestNetwork({
      driver: options.driver,
      policy: this.#policy,
      maxSockets: options.maxSockets,
      resolver: options.resolver === undefined ? undefined : new HostResolver({ lookup: options.resolver.lookup }),
      // Unix paths are host paths as given: there are no preopens to map through.
      unixPath: (path) => ({ path, address: path, release: () => {} }),
    });
  }

  /**
   * Connects to `address` (`host:port`; for `unix`, a path) on `network`:
   * Go's `net.Dial`. A host name is looked up (the policy must allow it)
   * and its addresses are tried in order. On `udp`, `udp4`, `udp6` it
   * connects a datagram socket (nothing is sent: refusals show on read).
   * On `ws` and `wss`, `address` is a URL (`ws://host:port/path`) and the
   * `Conn` is the platform's WebSocket (docs/net.md, "WebSockets").
   * Rejects with an {@link OpError}.
   *
   * @see https://pkg.go.dev/net#Dial
   */
  async dial(network: StreamNetwork | PacketNetwork | WebSocketNetwork, address: string, options: DialOptions = {}): Promise<Conn> {
    if (network === 'ws' || network === 'wss') return this.#dialWebSocket(network, address, options);
    const at: OpContext = { op: 'dial', net: network, addr: address };
    const deadlines = new Deadlines();
    if (options.timeout !== undefined) deadlines.set('write', Date.now() + options.timeout);
    const signal = options.signal;
    if (signal?.aborted === true) throw abortedError(at, signal.reason);
    const started = Date.now();
    const left = (): number | undefined =>
      options.timeout === undefined ? undefined : Math.max(0, options.timeout - (Date.now() - started));
    const targets =
      network === 'unix'
        ? [{ kind: 'unix', path: address } as Endpoint]
        : await withDeadline(this.#resolve(network, address, 'dial'), left(), at, signal);
    // The local address is looked up once, within the same timeout.
    const local =
      options.localAddr === undefined
        ? undefined
        : (await withDeadline(this.#resolve(network, options.localAddr, 'listen'), left(), at, signal))[0];
    let last: unknown;
    for (const ep of targets) {
      const family: SocketFamily = ep.kind === 'unix' ? 'unix' : ep.family === 6 ? 'ipv6' : 'ipv4';
      let socket: NetSocket | undefined;
      const target = { ...at, addr: ep.kind === 'unix' ? ep.path : String(addrOf(network, ep)) };
      try {
        socket = this.#net.open(family, network.startsWith('udp') ? 'dgram' : 'stream');
        if (local !== undefined) await socket.bind(local);
        try {
          await socket.connect(ep);
        } catch (err) {
          if (!(err instanceof SysError && err.errno === 'EINPROGRESS')) throw err;
          await deadlines.wait(socket, 'write', target, () => false, signal);
          const failed = socket.takeError();
          if (failed !== undefined) throw new SysError(failed);
        }
        return new Conn(socket, network, addrOf(network, socket.localEndpoint()), addrOf(network, socket.remoteEndpoint()));
      } catch (err) {
        socket?.close();
        last = err instanceof OpError ? err : opError({ ...target, syscall: 'connect' }, err);
        if ((last as OpError).code === 'ETIMEDOUT' || (last as OpError).code === 'ECANCELED' || (last as OpError).code === 'EACCES') break;
      }
    }
    throw last ?? opError(at, new SysError('EHOSTUNREACH'));
  }

  /**
   * `ws` / `wss`: the policy judges the URL's host and port as a TCP dial's
   * (a name is looked up, through the policy, and allowed when one of its
   * addresses is), then the platform's WebSocket connects to the URL as
   * given (it resolves the name again itself, as a browser must for TLS).
   * The driver carries nothing: the bytes go over the platform's WebSocket.
   */
  async #dialWebSocket(network: WebSocketNetwork, address: string, options: DialOptions): Promise<Conn> {
    const at: OpContext = { op: 'dial', net: network, addr: address };
    const signal = options.signal;
    if (signal?.aborted === true) throw abortedError(at, signal.reason);
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      throw new OpError({ ...at, code: 'ERR_NET_ADDRESS', reason: `${address} is not a URL` });
    }
    if (options.localAddr !== undefined) {
      throw new OpError({ ...at, code: 'ENOTSUP', reason: 'a WebSocket cannot choose its local address' });
    }
    if (url.protocol !== `${network}:`) {
      throw new OpError({ ...at, code: 'ERR_NET_ADDRESS', reason: `a ${network} address is a ${network}:// URL, not ${url.protocol}//` });
    }
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = url.port === '' ? (network === 'wss' ? 443 : 80) : Number(url.port);
    const started = Date.now();
    let remote: Endpoint = ipEndpoint(ipFamily(host) === 0 ? '0.0.0.0' : host, port);
    if (this.#policy !== ALLOW_ALL || ipFamily(host) !== 0) {
      const targets = await withDeadline(this.#resolve('tcp', joinHostPort(host, String(port)), 'dial'), options.timeout, at, signal);
      // The platform's WebSocket resolves the name again itself and may
      // pick any of its addresses, so every one must be allowed.
      for (const ep of targets) {
        const d = this.#policy.check('connect', ep);
        if (!d.allowed) throw opError({ ...at, syscall: 'connect' }, new SysError('EACCES', d.reason));
      }
      const first = targets[0];
      if (first === undefined) throw opError({ ...at, syscall: 'connect' }, new SysError('EHOSTUNREACH'));
      remote = first;
    }
    const left = options.timeout === undefined ? undefined : Math.max(0, options.timeout - (Date.now() - started));
    let ws: WebSocket | undefined;
    try {
      const opening = openWebSocket(url.href);
      ws = opening.ws;
      await withDeadline(opening.opened, left, at, signal);
    } catch (err) {
      ws?.close();
      throw opError({ ...at, syscall: 'connect' }, err);
    }
    const remoteAddr = webSocketAddr(network, url.href, ipFamily(host) === 0 ? undefined : host, port);
    const origin = (globalThis as { location?: { origin?: unknown } }).location?.origin;
    const localAddr = webSocketAddr(network, typeof origin === 'string' ? origin : '', undefined, 0);
    return new Conn(new WebSocketSocket(ws, remote), network, localAddr, remoteAddr);
  }

  /**
   * Listens on `address` (`host:port`, `:port` for every address, port 0
   * for any; for `unix`, a path) on a stream network: Go's `net.Listen`.
   *
   * @see https://pkg.go.dev/net#Listen
   */
  async listen(network: StreamNetwork, address: string): Promise<Listener> {
    const at: OpContext = { op: 'listen', net: network, addr: address };
    const [ep] = network === 'unix' ? [{ kind: 'unix', path: address } as Endpoint] : await this.#resolve(network, address, 'listen');
    if (ep === undefined) throw opError(at, new SysError('EADDRNOTAVAIL'));
    const socket = this.#net.open(ep.kind === 'unix' ? 'unix' : ep.family === 6 ? 'ipv6' : 'ipv4', 'stream');
    try {
      await socket.bind(ep);
      await socket.listen(LISTEN_BACKLOG);
    } catch (err) {
      socket.close();
      throw opError({ ...at, syscall: err instanceof SysError && err.errno === 'EADDRINUSE' ? 'bind' : undefined }, err);
    }
    return new Listener(socket, network, addrOf(network, socket.localEndpoint()));
  }

  /**
   * Opens a datagram socket bound to `address` (`host:port`, `:port`, port
   * 0 for any): Go's `net.ListenPacket`.
   *
   * @see https://pkg.go.dev/net#ListenPacket
   */
  async listenPacket(network: PacketNetwork, address: string): Promise<PacketConn> {
    const at: OpContext = { op: 'listen', net: network, addr: address };
    const [ep] = await this.#resolve(network, address, 'listen');
    if (ep === undefined || ep.kind !== 'ip') throw opError(at, new SysError('EADDRNOTAVAIL'));
    const socket = this.#net.open(ep.family === 6 ? 'ipv6' : 'ipv4', 'dgram');
    try {
      await socket.bind(ep);
    } catch (err) {
      socket.close();
      throw opError({ ...at, syscall: 'bind' }, err);
    }
    return new PacketConn(socket, network, async (to) => {
      const [target] = await this.#resolve(network, to, 'dial');
      if (target === undefined) throw new SysError('EHOSTUNREACH');
      return target;
    });
  }

  /** The addresses of `host`, IPv4 first: Go's `net.LookupHost`. Rejects with code `ENOTFOUND` when there are none. */
  async lookupHost(host: string): Promise<string[]> {
    return this.#lookup('ip', host);
  }

  /** The addresses of `host` of one family (`ip4`, `ip6`) or both (`ip`): Go's `Resolver.LookupIP`. */
  async lookupIP(network: 'ip' | 'ip4' | 'ip6', host: string): Promise<string[]> {
    return this.#lookup(network, host);
  }

  /** The port of `service` (a number or a well-known name such as `https`): Go's `net.LookupPort`. */
  lookupPort(network: NetworkName, service: string): number {
    const port = servicePort(service);
    if (port === undefined) {
      throw new OpError({ op: 'lookup', net: network, addr: service, code: 'ENOTFOUND', reason: 'unknown port' });
    }
    return port;
  }

  async #lookup(network: 'ip' | 'ip4' | 'ip6', host: string): Promise<string[]> {
    if (ipFamily(host) !== 0) return [host];
    const family = network === 'ip4' ? 4 : network === 'ip6' ? 6 : undefined;
    let found: string[];
    try {
      found = await this.#net.lookup(host, family);
    } catch (err) {
      throw opError({ op: 'lookup', net: network, addr: host }, err);
    }
    if (found.length === 0) throw new OpError({ op: 'lookup', net: network, addr: host, code: 'ENOTFOUND', reason: 'no such host' });
    return found;
  }

  /** The endpoints `address` names on `network`, in the order to try. */
  async #resolve(network: NetworkName, address: string, use: 'dial' | 'listen'): Promise<IpEndpoint[]> {
    const at: OpContext = { op: use, net: network, addr: address };
    let host: string;
    let service: string;
    try {
      [host, service] = splitHostPort(address);
    } catch (err) {
      throw new OpError({ ...at, code: 'ERR_NET_ADDRESS', reason: (err as Error).message }, { cause: err });
    }
    const port = servicePort(service);
    if (port === undefined) throw new OpError({ ...at, code: 'ENOTFOUND', reason: `lookup ${network}/${service}: unknown port` });
    const want = network.endsWith('4') ? 4 : network.endsWith('6') ? 6 : undefined;
    if (host === '') {
      // Go: an empty host listens on every address and dials the local system.
      const wildcard = use === 'listen' ? (want === 6 ? '::' : '0.0.0.0') : want === 6 ? '::1' : '127.0.0.1';
      return [ipEndpoint(wildcard, port)];
    }
    const bare = host.includes('%') ? host.slice(0, host.indexOf('%')) : host;
    const literal = ipFamily(bare);
    const addresses = literal !== 0 ? [bare] : await this.#lookup(want === 4 ? 'ip4' : want === 6 ? 'ip6' : 'ip', host);
    const fitting = addresses.filter((a) => want === undefined || ipFamily(a) === want);
    if (fitting.length === 0) throw opError(at, new SysError('EADDRNOTAVAIL', `no ${network} address for ${host}`));
    return fitting.map((a) => ipEndpoint(a, port));
  }
}

/** The {@link Addr} of a WebSocket end: `text` is the URL (remote) or the page's origin (local; empty outside a page). */
function webSocketAddr(network: WebSocketNetwork, text: string, ip: string | undefined, port: number): Addr {
  return Object.freeze({ network, ip, port, toString: () => text });
}

/** `promise`, or the timeout error after `ms`, or the canceled error when `signal` aborts. */
async function withDeadline<T>(promise: Promise<T>, ms: number | undefined, at: OpContext, signal: AbortSignal | undefined): Promise<T> {
  if (ms === undefined && signal === undefined) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        if (ms !== undefined) timer = setTimeout(() => reject(timeoutError(at)), ms);
        onAbort = () => reject(abortedError(at, signal?.reason));
        signal?.addEventListener('abort', onAbort);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
  }
}
