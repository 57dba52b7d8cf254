/**
 * Which destinations a relay connects its clients to. With no allow list,
 * public addresses only (see {@link specialAddress}); `allowNet` replaces
 * that with exactly its entries (the syntax of `dialtone run --allow-net`);
 * `denyNet` wins over both. Names are resolved once, every address is
 * judged, and the caller connects to exactly the address that was allowed.
 *
 * Listening (dialtone's Wisp extension, docs/wisp-extensions.md) is judged
 * here too: only where `allowListen` allows (entries as for `dialtone run
 * --allow-listen`; `allowNet` never grants it), never where `denyNet` refuses;
 * and peers reaching a listener are refused when `denyNet` covers them.
 * @module
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { canonicalIp, ipEndpoint, type IpEndpoint } from '../netdev/endpoint.ts';
import { RulePolicy } from '../policy/rules.ts';
import { specialAddress } from './address.ts';

/** Resolves a host name to textual addresses (default: the system resolver). */
export type RelayResolveFn = (host: string) => Promise<readonly string[]>;

/** Options of {@link Destinations}. */
export interface DestinationOptions {
  /** `true`: everything; a list: exactly these entries; undefined: public addresses only. */
  readonly allowNet?: true | readonly string[] | undefined;
  /** Refused whatever the allow list says (destinations, listening addresses and peers of listeners). */
  readonly denyNet?: readonly string[] | undefined;
  /** Where clients may listen: `true` anywhere, a list exactly there; undefined: nowhere. */
  readonly allowListen?: true | readonly string[] | undefined;
  /** Name resolution (default: getaddrinfo through `node:dns`). */
  readonly resolve?: RelayResolveFn | undefined;
}

/** The outcome of {@link Destinations.decide}. */
export type Destination =
  | { readonly allowed: true; readonly endpoint: IpEndpoint; readonly self?: boolean }
  | { readonly allowed: false; readonly reason: string; readonly unresolved?: boolean };

/** The outcome of {@link Destinations.decideListen}. */
export type ListenDecision =
  | { readonly allowed: true; readonly endpoint: IpEndpoint }
  | { readonly allowed: false; readonly reason: string; readonly invalid?: boolean };

const systemResolve: RelayResolveFn = async (host) => (await lookup(host, { all: true, family: 0 })).map((a) => a.address);

/** Judges relay destinations. */
export class Destinations {
  readonly #rules: RulePolicy;
  /** `denyNet` alone, for the relay's own address. */
  readonly #denyOnly: RulePolicy;
  readonly #publicOnly: boolean;
  readonly #resolve: RelayResolveFn;
  readonly #self = new Set<string>();
  /** `allowListen` and `denyNet` alone: `allowNet` never grants listening here. */
  readonly #listen: RulePolicy | undefined;

  /** Throws `DialtoneError` `ERR_USAGE` naming a bad entry. */
  constructor(options: DestinationOptions = {}) {
    this.#publicOnly = options.allowNet === undefined;
    this.#rules = new RulePolicy({ allowNet: options.allowNet ?? true, denyNet: options.denyNet });
    this.#denyOnly = new RulePolicy({ allowNet: true, denyNet: options.denyNet });
    this.#resolve = options.resolve ?? systemResolve;
    const listen = options.allowListen;
    this.#listen =
      listen === undefined || (listen !== true && listen.length === 0)
        ? undefined
        : new RulePolicy({ allowListen: listen, denyNet: options.denyNet });
  }

  /** Whether clients may listen anywhere at all (`allowListen` given). */
  get listens(): boolean {
    return this.#listen !== undefined;
  }

  /**
   * May a client listen on `host` (an IP literal, IPv6 possibly in
   * brackets) and `port` (0: any)? `invalid` when `host` is not an address
   * the relay could bind.
   */
  decideListen(host: string, port: number): ListenDecision {
    if (this.#listen === undefined) return { allowed: false, reason: 'listening is off (no --allow-listen)' };
    const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    if (isIP(bare) === 0 || bare.includes('%')) return { allowed: false, reason: 'not an IP address', invalid: true };
    const ep = canonicalEndpoint(ipEndpoint(bare, port));
    const d = this.#listen.check('listen', ep);
    return d.allowed ? { allowed: true, endpoint: ep } : { allowed: false, reason: d.reason };
  }

  /** May a listener take a connection from `address`:`port`? Refused only by `denyNet`. */
  acceptFrom(address: string, port: number): { readonly allowed: true } | { readonly allowed: false; readonly reason: string } {
    if (isIP(address) === 0) return { allowed: false, reason: 'the peer has no IP address' };
    return this.#denyOnly.checkAccept(ipEndpoint(address, port));
  }

  /**
   * Allows TCP to `address:port` whatever the allow list says (`denyNet`
   * still applies): the relay's own HTTP server, so that a page it serves
   * can reach its own origin through it. The relay refuses WebSocket
   * upgrades that arrive this way, so a client cannot nest sessions.
   */
  allowSelf(address: string, port: number): void {
    this.#self.add(`${address} ${port}`);
  }

  /**
   * Resolves `host` (a name or an IP literal, IPv6 possibly in brackets)
   * and returns the first address the rules allow, or why none is.
   */
  async decide(host: string, port: number, kind: 'tcp' | 'udp' = 'tcp'): Promise<Destination> {
    const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    let addresses: readonly string[];
    if (isIP(bare) !== 0) addresses = [bare];
    else {
      if (bare === '' || bare.length > 253) return { allowed: false, reason: 'bad host name', unresolved: true };
      try {
        addresses = await this.#resolve(bare);
      } catch (err) {
        return { allowed: false, reason: `cannot resolve: ${(err as { code?: string }).code ?? String(err)}`, unresolved: true };
      }
      this.#rules.learn(bare, addresses);
    }
    let firstRefusal: string | undefined;
    for (const a of addresses) {
      const address = a.includes('%') ? a.slice(0, a.indexOf('%')) : a;
      if (kind === 'tcp' && this.#self.has(`${address} ${port}`)) {
        const ep = ipEndpoint(address, port);
        const d = this.#denyOnly.check('connect', ep);
        if (d.allowed) return { allowed: true, endpoint: ep, self: true };
        firstRefusal ??= d.reason;
        continue;
      }
      if (this.#publicOnly) {
        const special = specialAddress(address);
        if (special !== undefined) {
          firstRefusal ??= `${address} is ${special} (only public addresses are allowed without --allow-net)`;
          continue;
        }
      }
      const ep = ipEndpoint(address, port);
      const d = this.#rules.check('connect', ep);
      if (d.allowed) return { allowed: true, endpoint: canonicalEndpoint(ep) };
      firstRefusal ??= d.reason;
    }
    return { allowed: false, reason: firstRefusal ?? 'the name has no addresses', unresolved: addresses.length === 0 };
  }
}

/** An IPv4-mapped IPv6 address is connected to as the IPv4 address it is. */
function canonicalEndpoint(ep: IpEndpoint): IpEndpoint {
  return ipEndpoint(canonicalIp(ep.address), ep.port);
}
