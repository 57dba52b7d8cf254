/**
 * The host's one name resolver for a guest. The DNS stub (Go's pure-Go
 * resolver, through the virtual /etc/resolv.conf) and the socket ABIs'
 * `sock_getaddrinfo` / `sock_getaddrip` all resolve through one
 * {@link HostResolver}, so they share one cap on lookups in flight, one
 * deadline per lookup and one error model: every failure is a
 * {@link SysError} whose Node-style `code` says what happened
 * (see {@link isNameNotFound}).
 *
 * Names are asked of the system resolver (getaddrinfo through the driver:
 * the machine's /etc/hosts and resolver configuration apply) or, when an
 * upstream server is chosen (`--dns-server`), of that server alone. How a
 * server is asked is the platform's (see `dns/node-system.ts` for Node): this
 * module imports nothing from Node.
 */
import { SysError, toSysError } from '../internal/errno.ts';
import { ipFamily } from '../netdev/endpoint.ts';

const isIPv4 = (s: string): boolean => ipFamily(s) === 4;
const isIPv6 = (s: string): boolean => ipFamily(s) === 6;

/**
 * Resolves `name` to textual addresses of one family. Resolving to `[]`, or
 * rejecting with an error whose `code` is `ENOTFOUND` or `ENODATA` (a Node
 * error or a {@link SysError} alike), means "no address of this family"; any
 * other rejection is a resolver failure. Addresses not of the asked family
 * are ignored.
 */
export type DnsResolveFn = (name: string, family: 4 | 6) => Promise<readonly string[]>;

/**
 * Resolves `name` to addresses of `family`, or of both families when it is
 * undefined (the shape of `NetDriver.lookup`), with the same error contract
 * as {@link DnsResolveFn}.
 */
export type DnsLookupFn = (name: string, family?: 4 | 6) => Promise<readonly string[]>;

/** Configuration of a {@link HostResolver}. */
export interface HostResolverOptions {
  /**
   * Where names go without an upstream server: usually the driver's
   * `lookup` (getaddrinfo). Required unless {@link server} is given.
   */
  readonly lookup?: DnsLookupFn | undefined;
  /**
   * An upstream DNS server, `HOST[:PORT]` with HOST an IP address (IPv6 in
   * brackets when a port follows; port 53 by default). When given, every
   * name is asked of this server alone, through {@link upstream}, instead
   * of {@link lookup}; neither the machine's hosts file nor its resolver is
   * consulted. See {@link parseDnsServer}.
   */
  readonly server?: string | undefined;
  /**
   * How {@link server} is asked: given the normalised `ip:port` and the
   * deadline, a function sending A / AAAA queries to it (on Node,
   * `upstreamResolver` from `dns/node-system.ts`). Required with `server`.
   */
  readonly upstream?: ((server: string, timeoutMs: number) => DnsResolveFn) | undefined;
  /** How long one lookup may take (default {@link DEFAULT_LOOKUP_TIMEOUT_MS}); then ETIMEDOUT. */
  readonly timeoutMs?: number | undefined;
  /**
   * Most lookups whose resolver call has not settled (a lookup that timed
   * out still counts until its call ends); further lookups fail at once
   * with EAGAIN (default {@link DEFAULT_MAX_LOOKUPS}). Bounds what a guest
   * can queue on libuv's threadpool, which getaddrinfo shares with file I/O.
   */
  readonly maxConcurrent?: number | undefined;
  /** Receives host bugs: a resolver that returned something other than an array. */
  readonly onInternalError?: ((err: unknown) => void) | undefined;
}

/** Default for {@link HostResolverOptions.timeoutMs}. */
export const DEFAULT_LOOKUP_TIMEOUT_MS = 5000;
/** Default for {@link HostResolverOptions.maxConcurrent}. */
export const DEFAULT_MAX_LOOKUPS = 32;
/** The port of an upstream server given without one. */
export const DNS_PORT = 53;

/** Special-use names answered without asking anyone (RFC 6761 §6.3). */
const LOCALHOST: Readonly<Record<4 | 6, readonly string[]>> = { 4: ['127.0.0.1'], 6: ['::1'] };

/** Node codes that mean "the name has no address (of this family)". */
const NOT_FOUND_CODES: ReadonlySet<unknown> = new Set(['ENOTFOUND', 'ENODATA']);

/**
 * Whether `err` (a Node error or a {@link SysError}) means the name does not
 * exist or has no address of the asked family, as opposed to a resolver that
 * failed. The one test of "not found" every consumer uses.
 */
export function isNameNotFound(err: unknown): boolean {
  return NOT_FOUND_CODES.has((err as { code?: unknown } | null)?.code);
}

/**
 * Checks and normalises an upstream server spec, `HOST[:PORT]`:
 * `192.0.2.53`, `192.0.2.53:5353`, `::1`, `[::1]:5353`. Returns it as
 * node:dns `setServers` takes it, with the port always present
 * (`192.0.2.53:53`, `[::1]:5353`).
 *
 * @throws {TypeError} if HOST is not an IP address or PORT not 1-65535.
 */
export function parseDnsServer(spec: string): string {
  let host = spec;
  let port = String(DNS_PORT);
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(spec);
  if (bracket !== null) {
    host = bracket[1] as string;
    port = bracket[2] ?? port;
    if (!isIPv6(host)) throw new TypeError(`DNS server ${spec}: ${host} is not an IPv6 address`);
  } else if (!isIPv6(spec)) {
    const colon = spec.lastIndexOf(':');
    if (colon !== -1) {
      host = spec.slice(0, colon);
      port = spec.slice(colon + 1);
    }
    if (!isIPv4(host)) throw new TypeError(`DNS server ${spec}: expected an IP address, [IPv6] or either with :PORT`);
  }
  const n = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
  if (!(n >= 1 && n <= 65535)) throw new TypeError(`DNS server ${spec}: port must be 1-65535`);
  return isIPv6(host) ? `[${host}]:${n}` : `${host}:${n}`;
}

/**
 * Resolves names for one guest with a cap, a deadline and one error model
 * (see the module comment). Failures are {@link SysError}s:
 * - no such name: ENOENT, code `ENOTFOUND`; no address of the asked
 *   family: ENOENT, code `ENODATA` (both {@link isNameNotFound});
 * - the deadline passed: ETIMEDOUT, code `ETIMEOUT`;
 * - more lookups in flight than the cap: EAGAIN, code `EAI_AGAIN`;
 * - a failing upstream: its node:dns code kept (`ESERVFAIL` → EIO,
 *   `EREFUSED` / `ECONNREFUSED` → ECONNREFUSED, ...), anything else EIO.
 *
 * `localhost` and `*.localhost` are 127.0.0.1 and ::1 without asking.
 */
export class HostResolver {
  /** The upstream server (normalised `ip:port`), or undefined for the system resolver. */
  readonly server: string | undefined;
  readonly #lookup: DnsLookupFn;
  readonly #timeoutMs: number;
  readonly #max: number;
  readonly #onInternalError: HostResolverOptions['onInternalError'];
  /** Resolver calls not yet settled, including ones whose lookup timed out. */
  #running = 0;

  constructor(options: HostResolverOptions = {}) {
    this.#timeoutMs = positiveInt(options.timeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS, 'timeoutMs');
    this.#max = positiveInt(options.maxConcurrent ?? DEFAULT_MAX_LOOKUPS, 'maxConcurrent');
    this.#onInternalError = options.onInternalError;
    this.server = options.server === undefined ? undefined : parseDnsServer(options.server);
    if (this.server !== undefined) {
      if (options.upstream === undefined)
        throw new TypeError('HostResolver: a DNS server needs an upstream (this platform cannot ask one)');
      const one = options.upstream(this.server, this.#timeoutMs);
      this.#lookup = (name, family) => (family === undefined ? bothFamilies(one, name) : one(name, family));
    } else {
      if (options.lookup === undefined) throw new TypeError('HostResolver: give a lookup or a server');
      this.#lookup = options.lookup;
    }
  }

  /** Lookups whose resolver call has not settled yet. */
  get running(): number {
    return this.#running;
  }

  /**
   * The addresses of `name` of `family` (both when undefined, IPv4 first),
   * deduplicated, never empty: no address is a rejection (ENOENT).
   */
  async lookup(name: string, family?: 4 | 6): Promise<string[]> {
    const lower = name.toLowerCase().replace(/\.$/, '');
    if (lower === 'localhost' || lower.endsWith('.localhost'))
      return family === undefined ? [...LOCALHOST[4], ...LOCALHOST[6]] : [...LOCALHOST[family]];
    if (this.#running >= this.#max) throw new SysError('EAGAIN', `more than ${this.#max} lookups in flight`, 'EAI_AGAIN');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SysError('ETIMEDOUT', `lookup of ${name} took longer than ${this.#timeoutMs} ms`, 'ETIMEOUT')),
        this.#timeoutMs,
      );
    });
    this.#running++;
    const call = this.#lookup(name, family).finally(() => this.#running--);
    try {
      const result: unknown = await Promise.race([call, deadline]);
      return this.#addresses(name, family, result);
    } catch (err) {
      throw toSysError(err);
    } finally {
      clearTimeout(timer);
      call.catch(() => {}); // settles after a timeout: nobody is waiting for it
    }
  }

  #addresses(name: string, family: 4 | 6 | undefined, result: unknown): string[] {
    if (!Array.isArray(result)) {
      this.#onInternalError?.(new TypeError(`resolver returned ${typeof result} for ${name}, not an array`));
      throw new SysError('EIO', `resolver returned no list for ${name}`);
    }
    const valid = (a: unknown): a is string =>
      typeof a === 'string' && (family === 4 ? isIPv4(a) : family === 6 ? isIPv6(a) : isIPv4(a) || isIPv6(a));
    const found = [...new Set(result.filter(valid))];
    if (family === undefined) found.sort((a, b) => Number(isIPv6(a)) - Number(isIPv6(b)));
    if (found.length === 0)
      throw family === undefined
        ? new SysError('ENOENT', `${name} has no address`, 'ENOTFOUND')
        : new SysError('ENOENT', `${name} has no IPv${family} address`, 'ENODATA');
    return found;
  }
}

/**
 * Both families of `name`: the addresses found, IPv4 first. When neither
 * has any, the failure of a family that failed for another reason than
 * "not found" wins, so a broken resolver is not reported as a missing name.
 */
export async function bothFamilies(resolve: DnsResolveFn, name: string): Promise<string[]> {
  const results = await Promise.allSettled([resolve(name, 4), resolve(name, 6)]);
  const found = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
  if (found.length > 0) return found;
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && !isNameNotFound(r.reason));
  if (failure !== undefined) throw failure.reason;
  const notFound = results.find(
    (r): r is PromiseRejectedResult => r.status === 'rejected' && (r.reason as { code?: unknown }).code === 'ENOTFOUND',
  );
  if (notFound !== undefined) throw notFound.reason;
  return [];
}

function positiveInt(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`HostResolver: ${what} must be an integer >= 1, got ${n}`);
  return n;
}
