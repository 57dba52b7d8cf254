import { canonicalIp, formatEndpoint, ipFamily, type Endpoint } from '../netdev/endpoint.ts';
import { IpSet } from './ip-set.ts';
import { normalizeHostName, normalizePath, parseEntry, type PortRange, type Rule } from './entry.ts';
import type { NetOperation, PolicyDecision, PortablePolicy } from './policy.ts';

/** Default cap on how many host names {@link RulePolicy} remembers resolutions for. */
export const DEFAULT_MAX_LEARNED_NAMES = 4096;
/** Default cap on how many addresses {@link RulePolicy} remembers per host name. */
export const DEFAULT_MAX_ADDRESSES_PER_NAME = 64;

/** What {@link RulePolicy} decides: a {@link NetOperation}, or taking traffic from a peer that reached a listening socket. */
type Question = NetOperation | 'accept';

/** How many recent decisions on IP endpoints are remembered (they repeat: a datagram stream asks per packet). */
const DECISION_CACHE_SIZE = 1024;
/** How many entries a refusal lists before summarising the rest. */
const MAX_LISTED = 10;
/** Longest guest-supplied text (host name, path) quoted in a reason. */
const MAX_QUOTED = 200;

/**
 * Options of a {@link RulePolicy}; the library form of the `--allow-net`,
 * `--allow-listen` and `--deny-net` flags. Entry syntax is that of
 * {@link parseEntry} (host names, `HOST:PORT[-PORT]`, IPs, `[IPv6]:PORT`,
 * CIDRs, `:PORT`, `*`, absolute Unix paths). An empty list is the same as none.
 */
export interface RulePolicyOptions {
  /** `true`: connect, send, look up and listen anywhere. A list: connect and send to (and look up) what it names. */
  readonly allowNet?: true | readonly string[] | undefined;
  /** `true`: bind/listen anywhere. A list: bind/listen only on what it names. */
  readonly allowListen?: true | readonly string[] | undefined;
  /** Refused for every operation, whatever the allow lists say. */
  readonly denyNet?: readonly string[] | undefined;
  /** Cap on remembered host names (oldest forgotten first); default {@link DEFAULT_MAX_LEARNED_NAMES}. */
  readonly maxLearnedNames?: number | undefined;
  /** Cap on remembered addresses per name (oldest forgotten first); default {@link DEFAULT_MAX_ADDRESSES_PER_NAME}. */
  readonly maxAddressesPerName?: number | undefined;
}

/** A list option after parsing: everything, some rules, or nothing. */
type Allow = { readonly all: true } | { readonly all: false; readonly set: RuleSet } | undefined;

/** An IP address in canonical text, with its IpSet type. */
interface Candidate {
  readonly address: string;
  readonly type: 'ipv4' | 'ipv6';
}

/** 127.0.0.0/8 and ::1: what `localhost` means before (and besides) any resolution. */
const LOOPBACK = new IpSet();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * A {@link NetworkPolicy} built from Deno-like allow and deny lists.
 *
 * - Nothing is allowed unless a list allows it; `denyNet` wins over every allow.
 * - `allowNet: true` allows every connect, send and lookup, and listening too
 *   (as Deno's bare `--allow-net` does). An `allowNet` list never grants
 *   listening: that takes `allowListen`.
 * - A rule naming a host matches the addresses that name resolved to (see
 *   {@link RulePolicy.learn}); `localhost` also always matches 127.0.0.0/8 and
 *   ::1. The host resolves denied names itself before the guest starts
 *   ({@link RulePolicy.namesToResolve}), so a denied name refuses its
 *   addresses even though the guest may not look it up. Addresses are compared in canonical form, IPv4-mapped IPv6 as IPv4,
 *   zone ids ignored; an endpoint address that is not a strict IP literal is
 *   refused. A connect or send to the unspecified address (0.0.0.0, ::),
 *   which reaches this machine, is matched both as itself and as loopback.
 * - Unix endpoints match path entries equal to the path or a directory above
 *   it; unnamed and abstract sockets match only `*` and `true`.
 * - A peer that reaches a listening socket ({@link RulePolicy.checkAccept})
 *   is refused only by `denyNet`: listening was the allow.
 */
export class RulePolicy implements PortablePolicy {
  /** The options it was built from, copied: what a worker rebuilds it from. */
  readonly rules: RulePolicyOptions;
  readonly #allowNet: Allow;
  readonly #allowListen: Allow;
  readonly #deny: RuleSet;
  /** Host names some rule names: the only ones worth learning. */
  readonly #names: ReadonlySet<string>;
  /** Host names a deny rule names: resolved by the host up front, and never forgotten. */
  readonly #deniedNames: ReadonlySet<string>;
  /** name → canonical addresses, oldest name first; each set oldest address first. */
  readonly #learned = new Map<string, Set<string>>();
  readonly #maxNames: number;
  readonly #maxAddresses: number;
  /** `op family port address` → decision, oldest first; emptied whenever {@link RulePolicy.learn} changes anything. */
  readonly #decisions = new Map<string, PolicyDecision>();

  /** Parses every entry; throws `DialtoneError` `ERR_USAGE` naming the first bad one. */
  constructor(options: RulePolicyOptions = {}) {
    this.rules = copyRules(options);
    this.#allowNet = parseAllow('--allow-net', options.allowNet);
    this.#allowListen = parseAllow('--allow-listen', options.allowListen);
    this.#deny = new RuleSet((options.denyNet ?? []).map((e) => parseEntry('--deny-net', e)));
    this.#maxNames = Math.max(1, Math.floor(options.maxLearnedNames ?? DEFAULT_MAX_LEARNED_NAMES));
    this.#maxAddresses = Math.max(1, Math.floor(options.maxAddressesPerName ?? DEFAULT_MAX_ADDRESSES_PER_NAME));
    const names = new Set<string>();
    for (const r of [...rulesOf(this.#allowNet), ...rulesOf(this.#allowListen), ...this.#deny.rules]) {
      if (r.target.kind === 'host') names.add(r.target.name);
    }
    this.#names = names;
    this.#deniedNames = new Set(this.#deny.rules.flatMap((r) => (r.target.kind === 'host' ? [r.target.name] : [])));
  }

  /**
   * The host names `denyNet` names. A denied name's lookups are refused, so
   * the guest never resolves it: the host resolves these itself (see
   * {@link NetworkPolicy.namesToResolve}) so that the deny entry also
   * refuses the addresses the name resolves to, however the guest reaches
   * them (by address, or by another name).
   */
  namesToResolve(): readonly string[] {
    return [...this.#deniedNames];
  }

  /** May the guest perform `op` on `endpoint`? Never throws. */
  check(op: NetOperation, endpoint: Endpoint): PolicyDecision {
    return this.#cached(op, endpoint);
  }

  /**
   * May the guest take traffic from `peer`, which reached a socket it
   * listens on, and answer it? Refused only when `denyNet` covers `peer`
   * (`--allow-listen` already allowed the listening, and answering a peer
   * is what a server does). Never throws.
   */
  checkAccept(peer: Endpoint): PolicyDecision {
    return this.#cached('accept', peer);
  }

  #cached(op: Question, endpoint: Endpoint): PolicyDecision {
    if (endpoint.kind !== 'ip' || endpoint.address.length > 64) return this.#decide(op, endpoint);
    const key = `${op} ${endpoint.family} ${endpoint.port} ${endpoint.address}`;
    const cached = this.#decisions.get(key);
    if (cached !== undefined) return cached;
    const decision = this.#decide(op, endpoint);
    if (this.#decisions.size >= DECISION_CACHE_SIZE) {
      const oldest = this.#decisions.keys().next();
      if (oldest.done !== true) this.#decisions.delete(oldest.value);
    }
    this.#decisions.set(key, decision);
    return decision;
  }

  #decide(op: Question, endpoint: Endpoint): PolicyDecision {
    const verb = op === 'listen' ? 'listen on' : op === 'accept' ? 'accept from' : `${op} to`;
    const what = (): string => `${verb} ${quote(formatEndpoint(endpoint))}`;
    let candidates: readonly Candidate[] = [];
    let port = 0;
    if (endpoint.kind === 'ip') {
      const c = canonical(endpoint.address);
      if (c === undefined) return refuse(what(), 'the address is not an IP literal');
      port = endpoint.port;
      if (!Number.isInteger(port) || port < 0 || port > 65535) return refuse(what(), 'the port is out of range');
      candidates = (op === 'connect' || op === 'send') && isUnspecified(c) ? [c, loopbackOf(c)] : [c];
    }
    const other = (r: Rule): boolean =>
      endpoint.kind === 'ip' ? candidates.some((c) => this.#matchesIp(r, c, port)) : matchesPath(r, endpoint.path);
    const matchesAny = (set: RuleSet): boolean => set.matches(candidates, port, other);

    if (matchesAny(this.#deny)) {
      // Rare: find which entry refused, one rule at a time.
      const rule = this.#deny.rules.find(other);
      return refuse(what(), `denied by --deny-net=${rule?.text ?? '?'}`);
    }
    if (op === 'accept') return { allowed: true };
    const allow = op === 'listen' ? this.#allowListen : this.#allowNet;
    if (allow?.all === true || (op === 'listen' && this.#allowNet?.all === true)) return { allowed: true };
    if (allow !== undefined && matchesAny(allow.set)) return { allowed: true };
    const name = this.#nameOf(candidates);
    if (op === 'listen') {
      if (allow === undefined) return refuse(what(), 'listening is off (no --allow-listen)', name);
      return refuse(what(), `not in --allow-listen (allowed: ${listed(allow.set.rules)})`, name);
    }
    if (allow === undefined) return refuse(what(), 'network access is off (no --allow-net)', name);
    return refuse(what(), `not in --allow-net (allowed: ${listed(allow.set.rules)})`, name);
  }

  /**
   * May the guest look up `hostname`? Refused when a portless `--deny-net`
   * entry names it (or is `*`). Otherwise allowed when `allowNet` is `true`;
   * when an `allowNet` or `allowListen` entry names the host (any port);
   * when the `allowNet` list holds an any-host entry (`*`, `:PORT`); and, for
   * `localhost` only, when any allow option is given.
   */
  checkLookup(hostname: string): PolicyDecision {
    const name = normalizeHostName(hostname);
    const what = `lookup of ${quote(hostname)}`;
    const denied = this.#deny.rules.find(
      (r) => r.ports === undefined && (r.target.kind === 'any' || (r.target.kind === 'host' && r.target.name === name)),
    );
    if (denied !== undefined) return refuse(what, `denied by --deny-net=${denied.text}`);
    if (this.#allowNet?.all === true) return { allowed: true };
    const names = (r: Rule): boolean => r.target.kind === 'host' && r.target.name === name;
    const net = rulesOf(this.#allowNet);
    if (net.some(names) || rulesOf(this.#allowListen).some(names)) return { allowed: true };
    // An entry for any host (`*`, `:443`) covers names; IP and CIDR entries
    // do not: a lookup is itself traffic to the resolver, so names a guest
    // may resolve are listed (or `--allow-net` given bare).
    if (net.some((r) => r.target.kind === 'any')) return { allowed: true };
    if (name === 'localhost' && (this.#allowNet !== undefined || this.#allowListen !== undefined)) return { allowed: true };
    if (this.#allowNet === undefined) return refuse(what, 'network access is off (no --allow-net)');
    return refuse(what, `not in --allow-net (allowed: ${listed(this.#allowNet.set.rules)})`);
  }

  /**
   * Records that `hostname` resolved to `addresses`, so that rules naming the
   * host cover them. Only names that some rule names are kept; new
   * addresses are added to what was learned before, and both the table and
   * each name's addresses are capped, the oldest forgotten first.
   * Addresses that are not IP literals are ignored.
   */
  learn(hostname: string, addresses: readonly string[]): void {
    const name = normalizeHostName(hostname);
    if (!this.#names.has(name)) return;
    const fresh: string[] = [];
    for (const a of addresses) {
      if (fresh.length >= this.#maxAddresses) break;
      const c = canonical(a);
      if (c !== undefined && !fresh.includes(c.address)) fresh.push(c.address);
    }
    if (fresh.length === 0) return;
    const old = this.#learned.get(name);
    this.#learned.delete(name);
    const kept = [...(old ?? [])].filter((a) => !fresh.includes(a));
    const all = [...kept.slice(Math.max(0, kept.length + fresh.length - this.#maxAddresses)), ...fresh];
    this.#learned.set(name, new Set(all));
    this.#decisions.clear();
    if (this.#learned.size > this.#maxNames) {
      // The oldest name goes, unless it is denied: forgetting a denied
      // name's addresses would let them through.
      for (const oldest of this.#learned.keys()) {
        if (this.#deniedNames.has(oldest)) continue;
        this.#learned.delete(oldest);
        break;
      }
    }
  }

  /** Whether rule `r` matches address `c` on `port` (IP rules through their own one-entry list). */
  #matchesIp(r: Rule, c: Candidate, port: number): boolean {
    if (r.ports !== undefined && (port < r.ports.lo || port > r.ports.hi)) return false;
    switch (r.target.kind) {
      case 'any':
        return true;
      case 'ip':
        return r.target.list.check(c.address, c.type);
      case 'host':
        return (
          (r.target.name === 'localhost' && LOOPBACK.check(c.address, c.type)) || this.#learned.get(r.target.name)?.has(c.address) === true
        );
      case 'path':
        return false;
    }
  }

  /** A learned name for the endpoint's address, to make refusals readable. */
  #nameOf(candidates: readonly Candidate[]): string | undefined {
    const address = candidates[0]?.address;
    if (address === undefined) return undefined;
    for (const [name, addrs] of this.#learned) if (addrs.has(address)) return name;
    return undefined;
  }
}

/** Whether rule `r` matches the Unix socket `path`. */
function matchesPath(r: Rule, path: string): boolean {
  if (r.target.kind === 'any') return r.ports === undefined;
  if (r.target.kind !== 'path' || !path.startsWith('/')) return false;
  const base = r.target.path;
  const p = normalizePath(path);
  return base === '/' || p === base || p.startsWith(`${base}/`);
}

/**
 * One list's rules. For the common question "does any rule match?" its IP
 * rules are also merged into one `IpSet` per port range, so a check
 * costs one IpSet lookup per distinct range rather than one per entry.
 */
class RuleSet {
  /** The rules in list order. */
  readonly rules: readonly Rule[];
  readonly #groups: readonly { readonly ports: PortRange | undefined; readonly list: IpSet }[];
  readonly #others: readonly Rule[];

  constructor(rules: readonly Rule[]) {
    this.rules = rules;
    const groups = new Map<string, { ports: PortRange | undefined; list: IpSet }>();
    for (const r of rules) {
      if (r.target.kind !== 'ip') continue;
      const key = r.ports === undefined ? '*' : `${r.ports.lo}-${r.ports.hi}`;
      let g = groups.get(key);
      if (g === undefined) groups.set(key, (g = { ports: r.ports, list: new IpSet() }));
      const n = r.target.network;
      g.list.addSubnet(n.address, n.prefix, n.type);
    }
    this.#groups = [...groups.values()];
    this.#others = rules.filter((r) => r.target.kind !== 'ip');
  }

  /** Whether some rule matches: IP rules against `candidates` on `port`, the others through `other`. */
  matches(candidates: readonly Candidate[], port: number, other: (r: Rule) => boolean): boolean {
    for (const g of this.#groups) {
      if (g.ports !== undefined && (port < g.ports.lo || port > g.ports.hi)) continue;
      if (candidates.some((c) => g.list.check(c.address, c.type))) return true;
    }
    return this.#others.some(other);
  }
}

/** A plain-data copy of `options` (lists copied, unknown keys dropped), safe to send to a worker. */
function copyRules(options: RulePolicyOptions): RulePolicyOptions {
  const list = (l: true | readonly string[] | undefined): true | string[] | undefined =>
    l === true ? true : l === undefined ? undefined : [...l];
  return {
    allowNet: list(options.allowNet),
    allowListen: list(options.allowListen),
    denyNet: options.denyNet === undefined ? undefined : [...options.denyNet],
    maxLearnedNames: options.maxLearnedNames,
    maxAddressesPerName: options.maxAddressesPerName,
  };
}

function parseAllow(flag: string, option: true | readonly string[] | undefined): Allow {
  if (option === true) return { all: true };
  if (option === undefined || option.length === 0) return undefined;
  return { all: false, set: new RuleSet(option.map((e) => parseEntry(flag, e))) };
}

function rulesOf(allow: Allow): readonly Rule[] {
  return allow === undefined || allow.all ? [] : allow.set.rules;
}

/** Canonical text of a strict IP literal (IPv4-mapped IPv6 becomes IPv4, zone dropped), or undefined. */
function canonical(text: string): Candidate | undefined {
  if (ipFamily(text) === 0) return undefined;
  const address = canonicalIp(text.includes('%') ? text.slice(0, text.indexOf('%')) : text);
  return { address, type: address.includes(':') ? 'ipv6' : 'ipv4' };
}

function isUnspecified(c: Candidate): boolean {
  return c.address === '0.0.0.0' || c.address === '::';
}

function loopbackOf(c: Candidate): Candidate {
  return c.type === 'ipv4' ? { address: '127.0.0.1', type: 'ipv4' } : { address: '::1', type: 'ipv6' };
}

function refuse(what: string, why: string, name?: string): PolicyDecision {
  const subject = name === undefined ? what : `${what} (${name})`;
  return { allowed: false, reason: `${subject} refused: ${why}` };
}

function listed(rules: readonly Rule[]): string {
  const shown = rules.slice(0, MAX_LISTED).map((r) => r.text);
  if (rules.length > MAX_LISTED) shown.push(`and ${rules.length - MAX_LISTED} more`);
  return shown.join(', ');
}

/** Guest-supplied text made safe for a one-line reason: non-printable characters escaped, length capped. */
function quote(text: string): string {
  const cut = text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}...` : text;
  return cut.replace(/[^\x20-\x7e]/gu, (ch) => {
    const cp = ch.codePointAt(0) ?? 0;
    return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16)}}`;
  });
}
