import { SysError } from '../internal/errno.ts';

/**
 * Socket endpoints as the driver layer sees them: textual IP addresses (the
 * form Node's `net` and `dgram` take) or Unix paths. ABIs convert their
 * binary layouts to and from these at their edge.
 */

/** An IPv4 or IPv6 address and port. */
export interface IpEndpoint {
  readonly kind: 'ip';
  readonly family: 4 | 6;
  /** Textual address: `127.0.0.1`, `::1` (no brackets, no zone). */
  readonly address: string;
  readonly port: number;
}

/** A Unix-domain socket path (a host path; ABIs map guest paths first). */
export interface UnixEndpoint {
  readonly kind: 'unix';
  readonly path: string;
}

/** Where a socket is bound or connected. */
export type Endpoint = IpEndpoint | UnixEndpoint;

/** Builds an {@link IpEndpoint}. */
export function ipEndpoint(address: string, port: number): IpEndpoint {
  return { kind: 'ip', family: address.includes(':') ? 6 : 4, address, port };
}

/** {@link ipEndpoint} for a port a guest supplied: EINVAL outside 0-65535. */
export function guestIpEndpoint(address: string, port: number): IpEndpoint {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SysError('EINVAL', `port ${port}`);
  return ipEndpoint(address, port);
}

/** `host:port`, `[v6]:port` or the Unix path, for messages and traces. */
export function formatEndpoint(ep: Endpoint): string {
  if (ep.kind === 'unix') return ep.path === '' ? '@' : ep.path;
  return ep.family === 6 ? `[${ep.address}]:${ep.port}` : `${ep.address}:${ep.port}`;
}

/** IPv4 bytes → dotted text. */
export function ipv4ToString(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** IPv6 bytes → RFC 5952 text (lower case, longest zero run compressed). */
export function ipv6ToString(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] ?? 0) << 8) | (b[i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * 4 for an IPv4 literal, 6 for an IPv6 literal (a zone allowed), 0 for
 * anything else: `node:net`'s `isIP`, without Node.
 */
export function ipFamily(s: string): 0 | 4 | 6 {
  if (parseIpv4(s) !== undefined) return 4;
  return s.includes(':') && parseIpv6(s) !== undefined ? 6 : 0;
}

/**
 * The one spelling of an IP address the policy, the relay and the socket
 * model compare: IPv4 as dotted decimal (an IPv4-mapped IPv6 address, in any
 * spelling, becomes its IPv4 address), IPv6 in RFC 5952 form with its zone
 * kept. Text that is not an IP address comes back as it is.
 */
export function canonicalIp(text: string): string {
  if (!text.includes(':')) return text;
  const b = parseIpv6(text);
  if (b === undefined) return text;
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return ipv4ToString(b.subarray(12));
  const zone = text.indexOf('%');
  return `${ipv6ToString(b)}${zone === -1 ? '' : text.slice(zone)}`;
}

/** Textual IPv4 → 4 bytes, or undefined when it is not one. */
export function parseIpv4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    // No leading zeros: "010" is octal to some parsers and rejected by Node.
    if (!/^(?:0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    out[i] = Number(p);
  }
  return out;
}

/** Textual IPv6 (optionally with an embedded IPv4 tail) → 16 bytes, or undefined. */
export function parseIpv6(s: string): Uint8Array | undefined {
  const zone = s.indexOf('%');
  if (zone !== -1) s = s.slice(0, zone);
  let tail: Uint8Array | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    tail = parseIpv4(s.slice(lastColon + 1));
    if (tail === undefined) return undefined;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parse = (h: string): number[] | undefined => {
    if (h === '') return [];
    const gs = h.split(':');
    if (gs.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
    return gs.map((g) => parseInt(g, 16));
  };
  const head = parse(halves[0] as string);
  const rest = halves.length === 2 ? parse(halves[1] as string) : [];
  if (head === undefined || rest === undefined) return undefined;
  const fill = 8 - head.length - rest.length;
  if ((halves.length === 1 && fill !== 0) || (halves.length === 2 && fill < 1)) return undefined;
  const groups = [...head, ...Array<number>(halves.length === 2 ? fill : 0).fill(0), ...rest];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  if (tail !== undefined) out.set(tail, 12);
  return out;
}
