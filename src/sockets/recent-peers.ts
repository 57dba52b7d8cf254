import { canonicalIp, type Endpoint } from '../netdev/endpoint.ts';

/** Default number of peers a UDP server remembers (the oldest forgotten first). */
export const DEFAULT_MAX_RECENT_PEERS = 1024;
/** Default time a UDP server may answer a peer after the last datagram it read from it (a stateful firewall's UDP timeout). */
export const DEFAULT_RECENT_PEER_TTL_MS = 120_000;

/**
 * The peers a UDP server socket has lately read datagrams from, each with
 * when it last did: the ones it may answer. Bounded in count and age, as a
 * stateful firewall's UDP connection table is: past `max` the peer heard
 * from longest ago is forgotten, and a peer not heard from for `ttlMs` is
 * no longer recent. A peer is an IP address and port (IPv4-mapped IPv6 as
 * IPv4, IPv6 in canonical form); hearing from it again renews it. Sending
 * to it does not: only the peer keeps itself recent.
 */
export class RecentPeers {
  readonly #max: number;
  readonly #ttl: number;
  readonly #now: () => number;
  /** Peer key → when it was last heard from; oldest first (a renewed peer moves to the end). */
  readonly #heard = new Map<string, number>();

  constructor(
    max: number = DEFAULT_MAX_RECENT_PEERS,
    ttlMs: number = DEFAULT_RECENT_PEER_TTL_MS,
    now: () => number = () => performance.now(),
  ) {
    this.#max = Math.max(1, Math.floor(max));
    this.#ttl = Math.max(0, ttlMs);
    this.#now = now;
  }

  /** How many peers are remembered (some may have expired since: they go at the next {@link heard}). */
  get size(): number {
    return this.#heard.size;
  }

  /** Records a datagram read from `from` (non-IP endpoints are ignored). */
  heard(from: Endpoint): void {
    const key = peerKey(from);
    if (key === undefined) return;
    const now = this.#now();
    this.#heard.delete(key);
    this.#heard.set(key, now);
    for (const [oldest, at] of this.#heard) {
      if (this.#heard.size <= this.#max && now - at < this.#ttl) break;
      this.#heard.delete(oldest);
    }
  }

  /** Whether `to` was heard from within the last `ttlMs` and not forgotten since. */
  has(to: Endpoint): boolean {
    const key = peerKey(to);
    if (key === undefined) return false;
    const at = this.#heard.get(key);
    if (at === undefined) return false;
    if (this.#now() - at < this.#ttl) return true;
    this.#heard.delete(key);
    return false;
  }

  /** Forgets every peer (the socket closed). */
  clear(): void {
    this.#heard.clear();
  }
}

/** `address port` with the address in one canonical form, or undefined for a non-IP endpoint. */
function peerKey(ep: Endpoint): string | undefined {
  return ep.kind === 'ip' ? `${canonicalIp(ep.address)} ${ep.port}` : undefined;
}
