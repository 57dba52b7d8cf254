/**
 * Which IP addresses a relay refuses by default: everything that is not a
 * public unicast address, in every spelling. IPv6 forms that carry an IPv4
 * address (IPv4-mapped, IPv4-compatible, IPv4-translated, NAT64 well-known
 * prefix, 6to4) are judged by the IPv4 address inside them, so that
 * `::ffff:127.0.0.1` and `64:ff9b::7f00:1` are loopback as much as
 * `127.0.0.1` is (IANA special-purpose registries:
 * https://www.iana.org/assignments/iana-ipv4-special-registry/ and
 * https://www.iana.org/assignments/iana-ipv6-special-registry/).
 * @module
 */
import { ipv4ToString, parseIpv4, parseIpv6 } from '../netdev/endpoint.ts';

/** Special IPv4 ranges: [first byte values..., prefix, name] as network, prefix length, what it is. */
const V4_SPECIAL: readonly (readonly [number, number, number, number, number, string])[] = [
  [0, 0, 0, 0, 8, 'unspecified ("this network")'],
  [10, 0, 0, 0, 8, 'private'],
  [100, 64, 0, 0, 10, 'shared address space (CGNAT)'],
  [127, 0, 0, 0, 8, 'loopback'],
  [169, 254, 0, 0, 16, 'link-local'],
  [172, 16, 0, 0, 12, 'private'],
  [192, 0, 0, 0, 24, 'IETF protocol assignments'],
  [192, 0, 2, 0, 24, 'documentation'],
  [192, 88, 99, 0, 24, '6to4 relay anycast'],
  [192, 168, 0, 0, 16, 'private'],
  [198, 18, 0, 0, 15, 'benchmarking'],
  [198, 51, 100, 0, 24, 'documentation'],
  [203, 0, 113, 0, 24, 'documentation'],
  [224, 0, 0, 0, 4, 'multicast'],
  [240, 0, 0, 0, 4, 'reserved (and broadcast)'],
];

function inV4(b: Uint8Array, net: readonly number[], prefix: number): boolean {
  const a = (((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0;
  const n = (((net[0] ?? 0) << 24) | ((net[1] ?? 0) << 16) | ((net[2] ?? 0) << 8) | (net[3] ?? 0)) >>> 0;
  if (prefix === 0) return true;
  const mask = (~0 << (32 - prefix)) >>> 0;
  return (a & mask) === (n & mask);
}

function classifyV4(b: Uint8Array): string | undefined {
  for (const [x, y, z, w, prefix, name] of V4_SPECIAL) if (inV4(b, [x, y, z, w], prefix)) return name;
  return undefined;
}

function startsWith(b: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((v, i) => b[i] === v);
}

function allZero(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

/**
 * Why `address` (a textual IP) is not a public unicast address — e.g.
 * `"loopback"`, `"private (in IPv4-mapped ::ffff:10.0.0.1)"` — or
 * undefined when it is public. Text that is not an IP literal is refused.
 */
export function specialAddress(address: string): string | undefined {
  const v4 = parseIpv4(address);
  if (v4 !== undefined) return classifyV4(v4);
  const b = parseIpv6(address);
  if (b === undefined) return 'not an IP address';
  const embedded = (form: string, v4bytes: Uint8Array): string => {
    const inner = classifyV4(v4bytes);
    return `${inner ?? 'public'} IPv4 ${ipv4ToString(v4bytes)} in ${form}`;
  };
  if (allZero(b, 0, 10)) {
    if (b[10] === 0xff && b[11] === 0xff) {
      const inner = classifyV4(b.subarray(12));
      return inner === undefined ? undefined : embedded('an IPv4-mapped address', b.subarray(12));
    }
    if (b[10] === 0 && b[11] === 0) {
      if (allZero(b, 0, 15) && b[15] === 0) return 'unspecified';
      if (allZero(b, 0, 15) && b[15] === 1) return 'loopback';
      // ::a.b.c.d, deprecated (RFC 4291 2.5.5.1): never routed as itself.
      return embedded('an IPv4-compatible address', b.subarray(12));
    }
  }
  // ::ffff:0:a.b.c.d, IPv4-translated (RFC 2765).
  if (allZero(b, 0, 8) && b[8] === 0xff && b[9] === 0xff && b[10] === 0 && b[11] === 0) {
    const inner = classifyV4(b.subarray(12));
    return inner === undefined ? undefined : embedded('an IPv4-translated address', b.subarray(12));
  }
  // 64:ff9b::/96, the NAT64 well-known prefix (RFC 6052): the gateway connects to the IPv4 inside.
  if (startsWith(b, [0, 0x64, 0xff, 0x9b]) && allZero(b, 4, 12)) {
    const inner = classifyV4(b.subarray(12));
    return inner === undefined ? undefined : embedded('a NAT64 address', b.subarray(12));
  }
  if (startsWith(b, [0, 0x64, 0xff, 0x9b, 0, 1])) return 'local-use NAT64 (64:ff9b:1::/48)';
  // 2002::/16, 6to4: the IPv4 address is bytes 2-5.
  if (startsWith(b, [0x20, 0x02])) {
    const inner = classifyV4(b.subarray(2, 6));
    return inner === undefined ? undefined : embedded('a 6to4 address', b.subarray(2, 6));
  }
  if (startsWith(b, [0x01, 0x00]) && allZero(b, 2, 8)) return 'discard-only (100::/64)';
  if (startsWith(b, [0x20, 0x01, 0x0d, 0xb8])) return 'documentation (2001:db8::/32)';
  if (startsWith(b, [0x20, 0x01]) && (b[2] ?? 0) < 0x02) return 'IETF protocol assignments (2001::/23, Teredo included)';
  if (startsWith(b, [0x3f, 0xff]) && ((b[2] ?? 0) & 0xf0) === 0) return 'documentation (3fff::/20)';
  const first = b[0] ?? 0;
  const second = b[1] ?? 0;
  if ((first & 0xfe) === 0xfc) return 'unique local (fc00::/7)';
  if (first === 0xfe && (second & 0xc0) === 0x80) return 'link-local (fe80::/10)';
  if (first === 0xfe && (second & 0xc0) === 0xc0) return 'site-local (fec0::/10)';
  if (first === 0xff) return 'multicast';
  // Only 2000::/3 is allocated global unicast.
  if ((first & 0xe0) !== 0x20) return 'not global unicast (outside 2000::/3)';
  return undefined;
}
