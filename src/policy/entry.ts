/**
 * Policy entries: the items of `--allow-net`, `--allow-listen` and
 * `--deny-net` lists, parsed once into {@link Rule}s that the policy matches
 * endpoints against.
 *
 * Accepted forms (surrounding whitespace is ignored):
 *
 * | entry                         | matches                                          |
 * | ----------------------------- | ------------------------------------------------ |
 * | `example.com`                 | addresses `example.com` resolved to, any port    |
 * | `example.com:443`             | ... on port 443                                  |
 * | `example.com:8000-8100`       | ... on ports 8000 to 8100                        |
 * | `localhost[:PORT]`            | 127.0.0.0/8 and ::1, plus what it resolved to    |
 * | `10.0.0.5`, `10.0.0.5:22`     | that IPv4 address                                |
 * | `10.0.0.0/8`, `10.0.0.0/8:22` | that IPv4 network                                |
 * | `::1`, `fd00::/8`             | that IPv6 address or network, any port           |
 * | `[::1]:8080`, `[fd00::/8]:53` | ... on the given ports (ports need brackets)     |
 * | `:8080`, `*:8080`             | any address, port 8080                           |
 * | `*`                           | everything, Unix paths included                  |
 * | `/run/app.sock`, `/run/app`   | that Unix socket path, or any path below it      |
 *
 * A port is `N`, `N-M` or `*` (any), with 0 ≤ N ≤ M ≤ 65535.
 * @module
 */
import { ipFamily } from '../netdev/endpoint.ts';
import { DialtoneError } from '../errors.ts';
import { IpSet } from './ip-set.ts';

/** An inclusive range of ports. */
export interface PortRange {
  readonly lo: number;
  readonly hi: number;
}

/** An address and prefix length, as `IpSet.addSubnet` takes them. */
export interface IpNetwork {
  readonly address: string;
  readonly prefix: number;
  readonly type: 'ipv4' | 'ipv6';
}

/** What an entry names, without its port part. */
export type Target =
  /** `*`, `:PORT`, `*:PORT`: any IP address (and, without a port, any Unix path). */
  | { readonly kind: 'any' }
  /** A host name, lower case, without a trailing dot. */
  | { readonly kind: 'host'; readonly name: string }
  /** An IP network (a single address has the full prefix length); `list` holds just it. */
  | { readonly kind: 'ip'; readonly network: IpNetwork; readonly list: IpSet }
  /** An absolute Unix path, normalised; matches itself and everything below it. */
  | { readonly kind: 'path'; readonly path: string };

/** One parsed entry. */
export interface Rule {
  /** The entry as written (trimmed), for reasons. */
  readonly text: string;
  readonly target: Target;
  /** Allowed ports, or undefined for any port. */
  readonly ports: PortRange | undefined;
}

/** One DNS label: letters, digits, `-` and `_` (service names), 1-63 characters. */
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Parses one entry of the list named `flag` (used in error messages only).
 * Throws a `DialtoneError` with code `ERR_USAGE` naming the entry when it is
 * not one of the accepted forms.
 */
export function parseEntry(flag: string, entry: string): Rule {
  const fail = (why: string): never => {
    throw new DialtoneError('ERR_USAGE', `${flag} entry ${JSON.stringify(entry)}: ${why}`);
  };
  if (hasControl(entry)) fail('contains a control character');
  const text = entry.trim();
  if (text === '') fail('empty entry');
  if (text.startsWith('/')) return { text, target: { kind: 'path', path: normalizePath(text) }, ports: undefined };
  if (text.includes('%')) fail('IPv6 zone ids are not supported');

  let host: string;
  let port: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) fail('missing "]"');
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) fail('expected ":PORT" after "]"');
    port = rest === '' ? undefined : rest.slice(1);
    const addr = host.split('/')[0] as string;
    if (ipFamily(addr) !== 6) fail('brackets must hold an IPv6 address or network');
  } else if (text.indexOf(':') !== text.lastIndexOf(':')) {
    // Two or more colons: a bare IPv6 address or network (ports need brackets).
    host = text;
    port = undefined;
  } else {
    const colon = text.indexOf(':');
    host = colon === -1 ? text : text.slice(0, colon);
    port = colon === -1 ? undefined : text.slice(colon + 1);
  }

  const ports = port === undefined ? undefined : parsePorts(port, fail);
  if (host === '' || host === '*') return { text, target: { kind: 'any' }, ports };
  const family = ipFamily(host);
  if (host.includes('/') || family !== 0) {
    const network = host.includes('/') ? parseCidr(host, fail) : { address: host, prefix: family === 4 ? 32 : 128, type: ipType(family) };
    const list = new IpSet();
    list.addSubnet(network.address, network.prefix, network.type);
    return { text, target: { kind: 'ip', network, list }, ports };
  }
  return { text, target: { kind: 'host', name: parseHostName(host, fail) }, ports };
}

/** Whether `s` holds a control character (C0, DEL, C1) or a Unicode line/paragraph separator. */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

/** `N`, `N-M` or `*` → a range (undefined for `*`). */
function parsePorts(spec: string, fail: (why: string) => never): PortRange | undefined {
  if (spec === '*') return undefined;
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(spec);
  if (m === null) return fail(`bad port ${JSON.stringify(spec)} (expected N, N-M or *)`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (hi > 65535) return fail(`port ${hi} is out of range (0-65535)`);
  if (lo > hi) return fail(`port range ${spec} is reversed`);
  return { lo, hi };
}

/** `ADDR/PREFIX` → the network. */
function parseCidr(text: string, fail: (why: string) => never): IpNetwork {
  const slash = text.indexOf('/');
  const addr = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const family = ipFamily(addr);
  if (family === 0) return fail('not a valid CIDR network (bad address)');
  if (!/^\d{1,3}$/.test(prefixText)) return fail('not a valid CIDR network (bad prefix length)');
  const prefix = Number(prefixText);
  const max = family === 4 ? 32 : 128;
  if (prefix > max) return fail(`prefix length ${prefix} is more than ${max}`);
  return { address: addr, prefix, type: ipType(family) };
}

function ipType(family: number): 'ipv4' | 'ipv6' {
  return family === 4 ? 'ipv4' : 'ipv6';
}

/** Validates a host name and returns its lookup key. */
function parseHostName(host: string, fail: (why: string) => never): string {
  const name = normalizeHostName(host);
  const labels = name.split('.');
  const ok = name.length <= 253 && labels.every((l) => LABEL.test(l)) && !/^\d+$/.test(labels[labels.length - 1] as string);
  if (!ok) return fail('not a valid host name, IP address, CIDR network or absolute path (non-ASCII names need their xn-- form)');
  return name;
}

/** The form host names are compared in: lower case, one trailing dot removed. */
export function normalizeHostName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** Resolves `.`, `..`, repeated and trailing slashes of an absolute path (textually; links are not followed). */
export function normalizePath(path: string): string {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return `/${out.join('/')}`;
}
