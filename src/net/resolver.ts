import { HostResolver, bothFamilies, parseDnsServer } from '../dns/resolver.ts';
import { DnsFormatError, DnsType, Rcode, TCP_MAX_SIZE, buildQuery, parseResponse } from '../dns/wire.ts';
import { SysError } from '../internal/errno.ts';
import { ipFamily } from '../netdev/endpoint.ts';
import type { NetDriver } from '../netdev/socket.ts';
import { dnsServerExchange } from './dns-server-exchange.ts';
import { OpError, opError } from './errors.ts';
import type { Network } from './network.ts';

/** Options of a {@link Resolver}: a DNS-over-HTTPS endpoint (`doh`) or a DNS server (`server` and `network`). */
export interface ResolverOptions {
  /**
   * A DNS-over-HTTPS endpoint (RFC 8484), `https://HOST/dns-query`. Plain
   * `http://` is accepted only for a loopback host (127.0.0.0/8, `[::1]`,
   * `localhost`), as for a local test server; anything else is a TypeError.
   */
  doh?: string;
  /** `POST` (default) or `GET` (`?dns=`, base64url): both are RFC 8484's. */
  method?: 'POST' | 'GET';
  /**
   * A DNS server to ask directly instead, `IP` or `IP:PORT` (port 53 by
   * default): a query per family over UDP, again over TCP when the answer
   * is truncated, as Go's resolver does with a server from resolv.conf.
   */
  server?: string;
  /** With `server`: the {@link Network} whose sockets carry the queries (its driver and policy). */
  network?: Network;
  /** Milliseconds one lookup may take (default 5000); then ETIMEDOUT. */
  timeout?: number;
  /** Names (per family) kept in the cache, each for its answer's TTL (default 256; 0: no cache). */
  cacheSize?: number;
  /** The `fetch` to use for `doh` (default: the platform's). */
  fetch?: typeof fetch;
}

/** A cached answer. */
interface Cached {
  addresses: string[];
  expires: number;
}

const DNS_MESSAGE = 'application/dns-message';

/**
 * A resolver, shaped like Go's `net.Resolver`, asking a DNS-over-HTTPS
 * server (RFC 8484) with the platform's `fetch` (the way a page resolves
 * names without a relay), or a DNS server directly through a
 * {@link Network}'s sockets. (The system resolver is a Network's own
 * lookup: `lookupHost` on a Node driver.) Give it to a {@link Network} (`resolver`) so that
 * its dials and lookups use it, or call it directly.
 *
 * It asks A and AAAA (a query each, ID 0, recursion desired), follows
 * CNAMEs in the answer, and keeps each answer for its TTL (the smallest of
 * its records; TTL 0 is not kept). NXDOMAIN is `ENOTFOUND`; an answer with
 * no address of the asked family is empty (`lookupIP('ip6', …)` rejects
 * with `ENOTFOUND`, as Go's "no such host"); SERVFAIL, an HTTP error or a
 * malformed answer is `EIO`; REFUSED `ECONNREFUSED`. `localhost` is
 * 127.0.0.1 and ::1 without asking. The DoH request does not go through a
 * Network's driver or policy: it is the platform's own HTTPS request.
 *
 * @see https://pkg.go.dev/net#Resolver
 * @see https://www.rfc-editor.org/rfc/rfc8484
 */
export class Resolver {
  /** The DoH endpoint (`https://…`), or the DNS server (`dns://IP:PORT`). */
  readonly url: string;
  readonly #method: 'POST' | 'GET';
  readonly #fetch: typeof fetch;
  /** Sends a query and resolves to the answer's bytes. */
  readonly #exchange: (query: Uint8Array<ArrayBuffer>) => Promise<Uint8Array>;
  readonly #timeout: number;
  readonly #cacheSize: number;
  readonly #cache = new Map<string, Cached>();
  readonly #host: HostResolver;

  /** Throws TypeError for a URL that is not `https:` (or `http:` on loopback), a bad server, or a bad option. */
  constructor(options: ResolverOptions) {
    this.#timeout = options.timeout ?? 5000;
    this.#cacheSize = options.cacheSize ?? 256;
    if (!Number.isInteger(this.#cacheSize) || this.#cacheSize < 0) throw new TypeError('Resolver: cacheSize must be an integer >= 0');
    this.#host = new HostResolver({
      timeoutMs: this.#timeout,
      lookup: (name, family) => (family === undefined ? bothFamilies((n, f) => this.#ask(n, f), name) : this.#ask(name, family)),
    });
    this.#method = options.method ?? 'POST';
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    if ((options.doh === undefined) === (options.server === undefined)) throw new TypeError('Resolver: give either doh or server');
    if (options.server !== undefined) {
      const network = options.network;
      if (network === undefined) throw new TypeError('Resolver: server needs the network whose sockets carry the queries');
      let server: string;
      try {
        server = parseDnsServer(options.server);
      } catch (err) {
        throw new TypeError(`Resolver: ${(err as Error).message}`, { cause: err });
      }
      this.url = `dns://${server}`;
      this.#exchange = (query) => dnsServerExchange(network, server, query, this.#timeout);
      return;
    }
    this.#exchange = (query) => this.#dohExchange(query);
    let url: URL;
    try {
      url = new URL(options.doh as string);
    } catch {
      throw new TypeError(`Resolver: doh ${JSON.stringify(options.doh)} is not a URL`);
    }
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const loopback = host === 'localhost' || host === '::1' || (ipFamily(host) === 4 && host.startsWith('127.'));
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
      throw new TypeError(`Resolver: doh must be an https:// URL (http:// only on loopback), not ${url.href}`);
    }
    this.url = url.href;
    if (this.#method !== 'POST' && this.#method !== 'GET') throw new TypeError(`Resolver: method must be POST or GET`);
    if (options.fetch === undefined && typeof globalThis.fetch !== 'function') {
      throw new TypeError('Resolver: this platform has no fetch; give one');
    }
    // (The default fetch above is called on globalThis: browsers' fetch
    // called unbound is an "Illegal invocation".)
  }

  /**
   * Resolves `name` to addresses of `family` (both when undefined, IPv4
   * first): the shape a {@link Network} takes. Rejects with a SysError
   * whose `code` is `ENOTFOUND` / `ENODATA` when there is none.
   */
  readonly lookup: (name: string, family?: 4 | 6) => Promise<string[]> = (name, family) => this.#host.lookup(name, family);

  /**
   * `driver` with this resolver's lookups: its sockets, and names resolved
   * over DoH. For a guest: `run(module, { net: { driver:
   * resolver.over(relay) } })` makes the guest's lookups (Go's resolver
   * through the in-host DNS stub, and the socket ABIs' getaddrinfo) ask the
   * DoH server, so it sees real addresses instead of a relay's stand-ins.
   */
  over(driver: NetDriver): NetDriver {
    return { socket: (family, type) => driver.socket(family, type), lookup: this.lookup };
  }

  /** The addresses of `host`, IPv4 first: Go's `Resolver.LookupHost`. Rejects with an OpError (`ENOTFOUND`, `ETIMEDOUT`, `EIO`). */
  async lookupHost(host: string): Promise<string[]> {
    return this.lookupIP('ip', host);
  }

  /** The addresses of `host` of one family (`ip4`, `ip6`) or both (`ip`): Go's `Resolver.LookupIP`. */
  async lookupIP(network: 'ip' | 'ip4' | 'ip6', host: string): Promise<string[]> {
    const literal = ipFamily(host);
    const family = network === 'ip4' ? 4 : network === 'ip6' ? 6 : undefined;
    if (literal !== 0) {
      if (family === undefined || family === literal) return [host];
      throw new OpError({ op: 'lookup', net: network, addr: host, code: 'ENOTFOUND', reason: 'no suitable address' });
    }
    try {
      return await this.#host.lookup(host, family);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA') {
        throw new OpError({ op: 'lookup', net: network, addr: host, code: 'ENOTFOUND', reason: 'no such host' }, { cause: err });
      }
      throw opError({ op: 'lookup', net: network, addr: host }, err);
    }
  }

  /** One question to the server (or the cache). */
  async #ask(name: string, family: 4 | 6): Promise<string[]> {
    const key = `${family} ${name.toLowerCase().replace(/\.$/, '')}`;
    const hit = this.#cache.get(key);
    if (hit !== undefined && hit.expires > Date.now()) return [...hit.addresses];
    if (hit !== undefined) this.#cache.delete(key);
    let query: Uint8Array<ArrayBuffer>;
    try {
      // DoH uses ID 0 (RFC 8484 §4.1, for HTTP caches); over UDP a random ID guards against spoofed answers.
      const id = this.url.startsWith('dns:') ? randomId() : 0;
      query = buildQuery(name, family === 4 ? DnsType.A : DnsType.AAAA, id);
    } catch (err) {
      throw new SysError('ENOENT', (err as Error).message, 'ENOTFOUND');
    }
    const answer = parseAnswer(await this.#exchange(query), name);
    if (answer.rcode === Rcode.NXDOMAIN) throw new SysError('ENOENT', `${name}: no such host (NXDOMAIN)`, 'ENOTFOUND');
    if (answer.rcode === Rcode.REFUSED) throw new SysError('ECONNREFUSED', `${this.url} refused to answer for ${name}`, 'EREFUSED');
    if (answer.rcode !== Rcode.NOERROR) throw new SysError('EIO', `${this.url} answered ${name} with code ${answer.rcode}`, 'ESERVFAIL');
    const addresses = answer.addresses.map((a) => a.address);
    const ttl = Math.min(...answer.addresses.map((a) => a.ttl));
    if (addresses.length > 0 && ttl > 0 && this.#cacheSize > 0) {
      if (this.#cache.size >= this.#cacheSize) this.#cache.delete(this.#cache.keys().next().value as string);
      this.#cache.set(key, { addresses, expires: Date.now() + ttl * 1000 });
    }
    return addresses;
  }

  /** One HTTP exchange: the query's bytes out, the response's in (bounded to a DNS message's size). */
  async #dohExchange(query: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.#timeout);
    try {
      const init: RequestInit = { signal: abort.signal, headers: { accept: DNS_MESSAGE }, redirect: 'error' };
      let url = this.url;
      if (this.#method === 'GET') url += `${url.includes('?') ? '&' : '?'}dns=${base64url(query)}`;
      else Object.assign(init, { method: 'POST', body: query, headers: { accept: DNS_MESSAGE, 'content-type': DNS_MESSAGE } });
      let res: Response;
      try {
        res = await this.#fetch(url, init);
      } catch (err) {
        if (abort.signal.aborted) throw new SysError('ETIMEDOUT', `${this.url} did not answer in ${this.#timeout} ms`, 'ETIMEOUT');
        throw new SysError('EIO', `${this.url}: ${(err as Error).message}`);
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new SysError('EIO', `${this.url} answered HTTP ${res.status}`);
      }
      const type = res.headers.get('content-type') ?? '';
      if (type.split(';')[0]!.trim().toLowerCase() !== DNS_MESSAGE) {
        await res.body?.cancel();
        throw new SysError('EIO', `${this.url} answered ${type === '' ? 'no content type' : type}, not ${DNS_MESSAGE}`);
      }
      const length = Number(res.headers.get('content-length') ?? 0);
      if (length > TCP_MAX_SIZE) {
        await res.body?.cancel();
        throw new SysError('EIO', `${this.url} answered ${length} bytes, more than a DNS message`);
      }
      return await readAtMost(res, TCP_MAX_SIZE, this.url);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The response to the question for `name`, or EIO when it is malformed or answers another question. */
function parseAnswer(body: Uint8Array, name: string): ReturnType<typeof parseResponse> {
  let answer: ReturnType<typeof parseResponse>;
  try {
    answer = parseResponse(body);
  } catch (err) {
    if (err instanceof DnsFormatError) throw new SysError('EIO', `DNS answer for ${name}: ${err.message}`);
    throw err;
  }
  const asked = name.toLowerCase().replace(/\.$/, '');
  if (answer.question !== undefined && answer.question.name !== asked) {
    throw new SysError('EIO', `DNS answer is for ${answer.question.name}, not ${asked}`);
  }
  return answer;
}

/**
 * The body of `res`, read chunk by chunk and given up (cancelled, EIO) past
 * `max` bytes: a chunked or compressed answer has no length to check first,
 * and `arrayBuffer()` would hold all of it.
 */
async function readAtMost(res: Response, max: number, url: string): Promise<Uint8Array> {
  const reader = res.body?.getReader();
  if (reader === undefined) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      throw new SysError('EIO', `${url} answered more than ${max} bytes, more than a DNS message`);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    body.set(c, off);
    off += c.length;
  }
  return body;
}

/** A random 16-bit DNS message ID. */
function randomId(): number {
  return crypto.getRandomValues(new Uint16Array(1))[0]!;
}

/** RFC 4648 §5 base64url without padding, as RFC 8484 GET requests carry the query. */
function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}
