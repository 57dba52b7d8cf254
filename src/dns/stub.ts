/**
 * The stub nameserver a guest's /etc/resolv.conf points at. The host
 * intercepts the guest's DNS queries to that address and hands each one to
 * {@link DnsStub.answer}, which resolves A / AAAA questions through a
 * {@link HostResolver} (the one `sock_getaddrinfo` / `sock_getaddrip` use
 * too) after asking a lookup policy.
 */
import { DEFAULT_LOOKUP_TIMEOUT_MS, DEFAULT_MAX_LOOKUPS, HostResolver, isNameNotFound, type DnsResolveFn } from './resolver.ts';
import {
  DEFAULT_TTL,
  DNS_CLASS_IN,
  DnsFormatError,
  DnsType,
  OPCODE_QUERY,
  Rcode,
  TCP_MAX_SIZE,
  UDP_CLASSIC_SIZE,
  UDP_MAX_SIZE,
  buildResponse,
  parseQuery,
  readHeader,
  type DnsAnswer,
  type DnsHeader,
  type DnsQuery,
} from './wire.ts';

export { DEFAULT_LOOKUP_TIMEOUT_MS, DEFAULT_MAX_LOOKUPS, type DnsResolveFn };

/** How a query reached the stub. */
export type DnsTransport = 'udp' | 'tcp';

/**
 * A lookup policy's answer (the same shape as the network policy's
 * `PolicyDecision`): allowed, or refused with a one-line reason.
 */
export type LookupDecision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/** Configuration of a {@link DnsStub}. */
export interface DnsStubOptions {
  /**
   * May the guest look up `name`? Asked once per valid question, before
   * anything is resolved. `name` is lower case with no trailing dot.
   */
  readonly policy: (name: string) => LookupDecision;
  /**
   * The resolver to share (with its cap, deadline and error model). When
   * given, {@link resolve}, {@link lookupTimeoutMs} and
   * {@link maxConcurrentLookups} are ignored.
   */
  readonly resolver?: HostResolver | undefined;
  /** Resolves names, for a resolver of the stub's own (on Node, e.g. `systemResolve` from `dns/node-system.ts`); required without {@link resolver}. */
  readonly resolve?: DnsResolveFn | undefined;
  /** Told about each question the policy refused, once (by {@link DnsStub.refusal} or {@link DnsStub.answer}). */
  readonly onRefused?: ((name: string, reason: string) => void) | undefined;
  /**
   * Told about each successful A / AAAA resolution before its answer is
   * returned, so a policy can learn which addresses a name stands for.
   */
  readonly onResolved?: ((name: string, addresses: readonly string[]) => void) | undefined;
  /**
   * Receives host bugs: a callback or resolver that threw synchronously or
   * (for a resolver of the stub's own) returned something that is not an
   * array. The query is then answered SERVFAIL. Defaults to ignoring them.
   */
  readonly onInternalError?: ((err: unknown) => void) | undefined;
  /** TTL of answers, in seconds (default {@link DEFAULT_TTL}). */
  readonly ttl?: number | undefined;
  /** For a resolver of the stub's own: how long one question may take to resolve before SERVFAIL (default {@link DEFAULT_LOOKUP_TIMEOUT_MS}). */
  readonly lookupTimeoutMs?: number | undefined;
  /** Most addresses in one answer (default {@link DEFAULT_MAX_ANSWERS}). */
  readonly maxAnswers?: number | undefined;
  /**
   * For a resolver of the stub's own: most distinct (name, family) lookups
   * in flight at once; further
   * questions get SERVFAIL (default {@link DEFAULT_MAX_LOOKUPS}). Bounds
   * what a guest can queue on libuv's threadpool, which getaddrinfo shares
   * with file I/O.
   */
  readonly maxConcurrentLookups?: number | undefined;
}

/** Default for {@link DnsStubOptions.maxAnswers}. */
export const DEFAULT_MAX_ANSWERS = 32;
/** The largest query accepted over UDP (larger ones get FORMERR). */
export const MAX_UDP_QUERY = UDP_CLASSIC_SIZE;
/** The largest query accepted over TCP (larger ones get FORMERR). */
export const MAX_TCP_QUERY = TCP_MAX_SIZE;

/** How a resolution of one family ended. */
type Outcome = { readonly kind: 'found'; readonly addresses: readonly string[] } | { readonly kind: 'none' } | { readonly kind: 'failed' };

const SERVFAIL_OUTCOME: Outcome = { kind: 'failed' };
const NONE_OUTCOME: Outcome = { kind: 'none' };

/** A host name the system resolver may be asked about: letters, digits, `-`, `_`, dots between labels. */
const HOSTNAME_CHARS = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;
const ALL_NUMERIC = /^[0-9.]+$/;

/**
 * Answers DNS queries from a guest. One instance serves any number of
 * concurrent queries, over UDP and TCP alike.
 *
 * What each query gets:
 * - not a query (shorter than a header, or QR set): no response (`null`);
 * - too large for the transport, or malformed, or not one question: FORMERR;
 * - an opcode other than QUERY, a class other than IN, or a zone transfer
 *   (AXFR, IXFR, MAILA, MAILB): NOTIMP;
 * - EDNS version other than 0: BADVERS;
 * - a name that is not a host name (bytes other than letters, digits, `-`,
 *   `_`; or all digits, i.e. an address): NXDOMAIN;
 * - a name the policy refuses: REFUSED (and `onRefused`). The stub socket
 *   asks {@link DnsStub.refusal} first and refuses such a query's send with
 *   EACCES, so guests see the policy's refusal rather than this rcode;
 * - A / AAAA: the addresses, or NODATA (NOERROR, no answers) if the name
 *   has addresses of the other family only, or NXDOMAIN, or SERVFAIL when
 *   the resolver fails, times out or is at its cap. `localhost` and
 *   `*.localhost` are 127.0.0.1 and ::1;
 * - any other type (MX, TXT, PTR, ANY, ...): NODATA, which Go reports as
 *   "no such host".
 *
 * Over UDP a response is at most 512 bytes, or the EDNS0 size the query
 * advertised up to 1232; answers that do not fit are left out and TC set.
 */
export class DnsStub {
  readonly #policy: DnsStubOptions['policy'];
  readonly #resolver: HostResolver;
  readonly #onRefused: DnsStubOptions['onRefused'];
  readonly #onResolved: DnsStubOptions['onResolved'];
  readonly #onInternalError: DnsStubOptions['onInternalError'];
  readonly #ttl: number;
  readonly #maxAnswers: number;
  /** Lookups being waited for, keyed by family and name; concurrent questions share them. */
  readonly #inflight = new Map<string, Promise<Outcome>>();

  constructor(options: DnsStubOptions) {
    this.#policy = options.policy;
    this.#onRefused = options.onRefused;
    this.#onResolved = options.onResolved;
    this.#onInternalError = options.onInternalError;
    this.#ttl = positiveInt(options.ttl ?? DEFAULT_TTL, 'ttl', 0);
    this.#maxAnswers = positiveInt(options.maxAnswers ?? DEFAULT_MAX_ANSWERS, 'maxAnswers', 1);
    const resolve = options.resolve;
    if (options.resolver !== undefined) this.#resolver = options.resolver;
    else if (resolve !== undefined)
      this.#resolver = new HostResolver({
        lookup: (name, family) => resolve(name, family ?? 4),
        timeoutMs: positiveInt(options.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS, 'lookupTimeoutMs', 1),
        maxConcurrent: positiveInt(options.maxConcurrentLookups ?? DEFAULT_MAX_LOOKUPS, 'maxConcurrentLookups', 1),
        onInternalError: options.onInternalError,
      });
    else throw new TypeError('DnsStub: give a resolver or a resolve function');
  }

  /**
   * Why the policy refuses the question `query` asks, or undefined when it
   * does not (or `query` is not a well-formed question the policy would be
   * asked about). Synchronous, so that a stub socket can refuse the send
   * itself: Go prints any DNS error rcode as "server misbehaving", but a
   * failed write as what it is. Reports the refusal through `onRefused`.
   */
  refusal(query: Uint8Array, transport: DnsTransport): string | undefined {
    const header = readHeader(query);
    if (header === undefined || header.response || header.opcode !== OPCODE_QUERY) return undefined;
    if (query.length > (transport === 'udp' ? MAX_UDP_QUERY : MAX_TCP_QUERY)) return undefined;
    let name: string;
    try {
      const { question } = parseQuery(query);
      if (question.class !== DNS_CLASS_IN || question.type === DnsType.OPT) return undefined;
      name = question.name;
    } catch {
      return undefined;
    }
    if (name === '' || !HOSTNAME_CHARS.test(name) || ALL_NUMERIC.test(name)) return undefined;
    let decision: LookupDecision;
    try {
      decision = this.#policy(name);
    } catch (err) {
      this.#onInternalError?.(err);
      return undefined; // answer() asks again and answers SERVFAIL
    }
    if (decision.allowed) return undefined;
    this.#onRefused?.(name, decision.reason);
    return decision.reason;
  }

  /**
   * The response to `query`, ready to send back over `transport` (without
   * the TCP length prefix), or `null` when the message gets no response;
   * over TCP the connection should then be closed. Never rejects.
   */
  async answer(query: Uint8Array, transport: DnsTransport): Promise<Uint8Array | null> {
    const header = readHeader(query);
    if (header === undefined || header.response) return null;
    try {
      return await this.#answer(query, header, transport);
    } catch (err) {
      this.#onInternalError?.(err);
      return buildResponse({ header, rcode: Rcode.SERVFAIL, maxSize: UDP_CLASSIC_SIZE });
    }
  }

  async #answer(msg: Uint8Array, header: DnsHeader, transport: DnsTransport): Promise<Uint8Array> {
    const formerr = (): Uint8Array => buildResponse({ header, rcode: Rcode.FORMERR, maxSize: UDP_CLASSIC_SIZE });
    if (msg.length > (transport === 'udp' ? MAX_UDP_QUERY : MAX_TCP_QUERY)) return formerr();
    if (header.opcode !== OPCODE_QUERY) return buildResponse({ header, rcode: Rcode.NOTIMP, maxSize: UDP_CLASSIC_SIZE });
    let query: DnsQuery;
    try {
      query = parseQuery(msg);
    } catch (err) {
      if (err instanceof DnsFormatError) return formerr();
      throw err;
    }
    const { question, edns } = query;
    const maxSize =
      transport === 'tcp'
        ? TCP_MAX_SIZE
        : edns === undefined
          ? UDP_CLASSIC_SIZE
          : clamp(edns.udpPayloadSize, UDP_CLASSIC_SIZE, UDP_MAX_SIZE);
    const respond = (rcode: Rcode, answers?: readonly DnsAnswer[]): Uint8Array =>
      buildResponse({ header, question, rcode, answers, ttl: this.#ttl, edns: edns !== undefined, maxSize });

    if (edns !== undefined && edns.version !== 0) return respond(Rcode.BADVERS);
    if (question.class !== DNS_CLASS_IN) return respond(Rcode.NOTIMP);
    if (question.type === DnsType.OPT) return respond(Rcode.FORMERR);
    if (question.type >= DnsType.IXFR && question.type <= DnsType.MAILA) return respond(Rcode.NOTIMP);

    const name = question.name;
    if (name === '') return respond(Rcode.NOERROR); // the root has no addresses
    if (!HOSTNAME_CHARS.test(name) || ALL_NUMERIC.test(name)) return respond(Rcode.NXDOMAIN);

    const decision = this.#policy(name);
    if (!decision.allowed) {
      this.#onRefused?.(name, decision.reason);
      return respond(Rcode.REFUSED);
    }
    if (question.type !== DnsType.A && question.type !== DnsType.AAAA) return respond(Rcode.NOERROR);

    const family = question.type === DnsType.A ? 4 : 6;
    const outcome = await this.#resolveQuestion(name, family);
    if (outcome.kind === 'failed') return respond(Rcode.SERVFAIL);
    if (outcome.kind === 'none') {
      // NXDOMAIN only if the name has no address of either family.
      const other = await this.#resolveQuestion(name, family === 4 ? 6 : 4);
      return respond(other.kind === 'found' ? Rcode.NOERROR : Rcode.NXDOMAIN);
    }
    const addresses = outcome.addresses.slice(0, this.#maxAnswers);
    this.#onResolved?.(name, addresses);
    return respond(
      Rcode.NOERROR,
      addresses.map((address) => ({ type: question.type === DnsType.A ? DnsType.A : DnsType.AAAA, address })),
    );
  }

  /** Resolves one family of `name`, sharing a lookup already in flight. */
  #resolveQuestion(name: string, family: 4 | 6): Promise<Outcome> {
    const key = `${family} ${name}`;
    const shared = this.#inflight.get(key);
    if (shared !== undefined) return shared;
    const lookup = this.#lookup(name, family).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, lookup);
    return lookup;
  }

  /** Resolves through the shared resolver and classifies how it ended. */
  async #lookup(name: string, family: 4 | 6): Promise<Outcome> {
    try {
      return { kind: 'found', addresses: await this.#resolver.lookup(name, family) };
    } catch (err) {
      return isNameNotFound(err) ? NONE_OUTCOME : SERVFAIL_OUTCOME;
    }
  }
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

function positiveInt(n: number, what: string, min: number): number {
  if (!Number.isInteger(n) || n < min) throw new RangeError(`DnsStub: ${what} must be an integer >= ${min}, got ${n}`);
  return n;
}
