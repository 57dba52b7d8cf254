/**
 * Addresses on a memory network: one canonical text per address, so that
 * `::0001`, `::1` and `0:0:0:0:0:0:0:1` are the same host, and an IPv4
 * address written as IPv4-mapped IPv6 (`::ffff:127.0.0.1`,
 * `::ffff:7f00:1`) is the IPv4 host it maps. Sockets work on canonical
 * addresses and present them per family at their edge (an IPv6 socket
 * sees IPv4 peers as `::ffff:a.b.c.d`, as a dual-stack Linux socket does).
 * @module
 */
import { SysError } from '../../internal/errno.ts';
import { ipEndpoint, ipv4ToString, ipv6ToString, parseIpv4, parseIpv6, type Endpoint, type IpEndpoint } from '../endpoint.ts';

/** The IPv4 wildcard address. */
export const ANY4 = '0.0.0.0';
/** The IPv6 wildcard address (dual-stack: it covers IPv4 too). */
export const ANY6 = '::';
/** The IPv4 loopback address. */
export const LOOPBACK4 = '127.0.0.1';
/** The IPv6 loopback address. */
export const LOOPBACK6 = '::1';

/** The IP families a memory socket can have. */
export type IpFamily = 'ipv4' | 'ipv6';

/** An address (canonical, see {@link canonicalAddress}) and port. */
export interface HostPort {
  readonly address: string;
  readonly port: number;
}

/** The canonical text of an IP literal; EINVAL for anything else. */
export function canonicalAddress(address: string): string {
  const v4 = parseIpv4(address);
  if (v4 !== undefined) return ipv4ToString(v4);
  const v6 = parseIpv6(address);
  if (v6 === undefined) throw new SysError('EINVAL', `${address} is not an IP address`);
  if (isV4Mapped(v6)) return ipv4ToString(v6.subarray(12));
  return ipv6ToString(v6);
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** Whether a canonical address is IPv4. */
export function isIpv4(address: string): boolean {
  return !address.includes(':');
}

/** Whether a canonical address is a wildcard (`0.0.0.0` or `::`). */
export function isWildcard(address: string): boolean {
  return address === ANY4 || address === ANY6;
}

/** The wildcard address of a socket family. */
export function wildcardOf(family: IpFamily): string {
  return family === 'ipv6' ? ANY6 : ANY4;
}

/**
 * Whether a socket bound to `bound` receives what is sent to `dest` (both
 * canonical): the same address, or a wildcard covering it (`::` covers
 * every address, `0.0.0.0` every IPv4 address).
 */
export function covers(bound: string, dest: string): boolean {
  return bound === dest || bound === ANY6 || (bound === ANY4 && isIpv4(dest));
}

/** Whether two bindings of one port would share traffic, and so conflict. */
export function overlaps(a: string, b: string): boolean {
  return covers(a, b) || covers(b, a);
}

/**
 * Multicast (224.0.0.0/4, ff00::/8) and the IPv4 limited broadcast
 * address: a memory network has no groups and no broadcast, so these
 * cannot be bound (EADDRNOTAVAIL).
 */
export function isGroupAddress(address: string): boolean {
  if (isIpv4(address)) {
    const first = Number(address.slice(0, address.indexOf('.')));
    return (first >= 224 && first <= 239) || address === '255.255.255.255';
  }
  return parseInt(address.slice(0, address.indexOf(':')) || '0', 16) >= 0xff00;
}

/**
 * The canonical address and the port `ep` names for a socket of `family`:
 * EAFNOSUPPORT for a Unix path or an IPv6 address given to an IPv4 socket
 * (an IPv6 socket takes IPv4 addresses too, as IPv4-mapped ones), EINVAL
 * for a port outside 0-65535 or an address that is not an IP literal.
 */
export function hostPortFor(family: IpFamily, ep: Endpoint): HostPort {
  if (ep.kind !== 'ip') throw new SysError('EAFNOSUPPORT', 'a memory network has no Unix sockets');
  if (family === 'ipv4' && ep.family === 6) throw new SysError('EAFNOSUPPORT', `${ep.address} is not an IPv4 address`);
  if (!Number.isInteger(ep.port) || ep.port < 0 || ep.port > 65535) throw new SysError('EINVAL', `port ${ep.port}`);
  return { address: canonicalAddress(ep.address), port: ep.port };
}

/** Where a connect or send to `address` goes: a wildcard means this host (loopback), as on Linux. */
export function destinationOf(address: string): string {
  return address === ANY4 ? LOOPBACK4 : address === ANY6 ? LOOPBACK6 : address;
}

/**
 * The source address of traffic to `dest` from a socket bound to `bound`
 * (undefined or a wildcard: the loopback address of `dest`'s family, as
 * every address of the network is this host). ENETUNREACH when the bound
 * address is of the other family than `dest`.
 */
export function sourceFor(bound: string | undefined, dest: string): string {
  if (bound === undefined || isWildcard(bound)) return isIpv4(dest) ? LOOPBACK4 : LOOPBACK6;
  if (isIpv4(bound) !== isIpv4(dest)) throw new SysError('ENETUNREACH', `${bound} cannot reach ${dest}`);
  return bound;
}

/** An endpoint as a socket of `family` reports it (IPv4 in an IPv6 socket: `::ffff:a.b.c.d`). */
export function presentEndpoint(family: IpFamily, hp: HostPort): IpEndpoint {
  const address = family === 'ipv6' && isIpv4(hp.address) ? `::ffff:${hp.address}` : hp.address;
  return ipEndpoint(address, hp.port);
}
