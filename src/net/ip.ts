// IP addresses, masks and networks as Go's `net` package has them: the same
// byte forms (4 or 16 bytes; parsed IPv4 comes back in 16-byte IPv4-mapped
// form), the same texts (IP.String, IPMask.String, IPNet.String) and the same
// answers at the edges (leading zeros, zones and 5-digit groups rejected;
// nil-like empty values printed as `<nil>`). Go's own test tables, carried over
// as data in test/net/testdata/, are the specification.
import { AddrError, ParseError } from './addr-errors.ts';

/**
 * Length in bytes of an IPv4 address.
 *
 * @see https://pkg.go.dev/net#IPv4len
 */
export const IPv4len = 4;

/**
 * Length in bytes of an IPv6 address.
 *
 * @see https://pkg.go.dev/net#IPv6len
 */
export const IPv6len = 16;

/** The 12 bytes that put an IPv4 address into IPv6 (`::ffff:a.b.c.d`). */
const V4_IN_V6_PREFIX: readonly number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** Byte-for-byte equality. */
function sameBytes(a: Uint8Array, b: Uint8Array | readonly number[]): boolean {
  return a.length === b.length && a.every((v, k) => v === b[k]);
}

/** Whether 16-byte `b` starts with the IPv4-mapped prefix. */
function hasV4Prefix(b: Uint8Array): boolean {
  return b.length === IPv6len && sameBytes(b.subarray(0, 12), V4_IN_V6_PREFIX);
}

/** `b` as lowercase hex, two digits a byte, no punctuation. */
function hex(b: Uint8Array): string {
  let s = '';
  for (const v of b) s += v.toString(16).padStart(2, '0');
  return s;
}

/** A private copy of `bytes`, each of which must be an integer in 0..255. */
function ownBytes(bytes: Iterable<number> | ArrayLike<number>, what: string): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes.slice();
  const list = Array.from(bytes);
  list.forEach((v, k) => {
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new RangeError(`${what}: byte ${k} is ${String(v)}, not an integer in 0..255`);
  });
  return Uint8Array.from(list);
}

/**
 * The number of leading one bits of `m` when `m` is ones followed by zeros
 * (a canonical mask), else -1.
 */
function prefixLength(m: Uint8Array): number {
  let k = 0;
  while (k < m.length && m[k] === 0xff) k++;
  if (k === m.length) return 8 * k;
  const partial = m[k] ?? 0;
  const ones = Math.clz32(~(partial << 24)); // leading ones of the byte
  if (partial !== ((0xff00 >> ones) & 0xff)) return -1;
  if (m.subarray(k + 1).some((v) => v !== 0)) return -1;
  return 8 * k + ones;
}

// Raw (uncopied) access to the bytes of IPs and masks, for this module only.
let ipBytes!: (ip: IP) => Uint8Array;
let maskBytes!: (m: IPMask) => Uint8Array;

/**
 * An IP address: 4 bytes (IPv4) or 16 bytes (IPv6, or IPv4 in IPv4-mapped
 * form), as Go's `net.IP`. Whether an address is IPv4 is a property of its
 * value, not of its length: {@link IP.to4} tells. Like Go, any other length
 * is accepted but is no valid address (printed as `?` and hex); an empty IP
 * is Go's nil IP (printed as `<nil>`). Immutable: the bytes are copied in,
 * and {@link IP.bytes} hands out a copy.
 *
 * @see https://pkg.go.dev/net#IP
 */
export class IP {
  readonly #b: Uint8Array;

  static {
    ipBytes = (ip) => ip.#b;
  }

  /** An IP holding a copy of `bytes` (integers in 0..255; RangeError otherwise). No bytes: Go's nil IP. */
  constructor(bytes: Iterable<number> | ArrayLike<number> = []) {
    this.#b = ownBytes(bytes, 'IP');
  }

  /** A copy of the address's bytes (4 or 16 for a valid address). */
  get bytes(): Uint8Array {
    return this.#b.slice();
  }

  /** The number of bytes, Go's `len(ip)`. */
  get length(): number {
    return this.#b.length;
  }

  /** The 4 IPv4 bytes (a view, never handed out), or null if this is no IPv4 address. */
  #v4(): Uint8Array | null {
    if (this.#b.length === IPv4len) return this.#b;
    return hasV4Prefix(this.#b) ? this.#b.subarray(12) : null;
  }

  /**
   * The text of the address, as Go's `IP.String`: `<nil>` when empty, dotted
   * decimal for IPv4 and IPv4-mapped IPv6 (`192.0.2.1`), RFC 5952 for other
   * IPv6 (`2001:db8::1`: lowercase, no leading zeros, the longest run of two
   * or more zero groups, the first of equals, as `::`), and `?` followed by
   * hex for any other length.
   *
   * @see https://pkg.go.dev/net#IP.String
   */
  toString(): string {
    const b = this.#b;
    if (b.length === 0) return '<nil>';
    if (b.length !== IPv4len && b.length !== IPv6len) return `?${hex(b)}`;
    const v4 = this.#v4();
    if (v4 !== null) return v4.join('.');
    const groups = Array.from({ length: 8 }, (_, k) => ((b[2 * k] ?? 0) << 8) | (b[2 * k + 1] ?? 0));
    let runAt = -1;
    let runLength = 1; // a single zero group is never shortened
    for (let k = 0; k < 8;) {
      let end = k;
      while (end < 8 && groups[end] === 0) end++;
      if (end - k > runLength) [runAt, runLength] = [k, end - k];
      k = end === k ? k + 1 : end;
    }
    const text = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
    if (runAt < 0) return text(groups);
    return `${text(groups.slice(0, runAt))}::${text(groups.slice(runAt + runLength))}`;
  }

  /**
   * The address as text, as Go's `IP.MarshalText`: `''` for an empty IP, the
   * {@link IP.toString} text for a valid one; throws an {@link AddrError}
   * (`address 0123456789abcdef: invalid IP address`) for any other length.
   *
   * @see https://pkg.go.dev/net#IP.MarshalText
   */
  marshalText(): string {
    if (this.#b.length === 0) return '';
    if (this.#b.length !== IPv4len && this.#b.length !== IPv6len) throw new AddrError('invalid IP address', hex(this.#b));
    return this.toString();
  }

  /** For `JSON.stringify`: {@link IP.marshalText}, as Go's `encoding/json` writes a `net.IP`. */
  toJSON(): string {
    return this.marshalText();
  }

  /**
   * The IP that `text` spells, as Go's `IP.UnmarshalText`: an empty IP for
   * `''`, else {@link parseIP}'s result; throws a {@link ParseError}
   * (`invalid IP address: 1.2.3`) where {@link parseIP} gives null.
   *
   * @see https://pkg.go.dev/net#IP.UnmarshalText
   */
  static unmarshalText(text: string): IP {
    if (text === '') return new IP();
    const ip = parseIP(text);
    if (ip === null) throw new ParseError('IP address', text);
    return ip;
  }

  /**
   * Whether `x` is the same address, as Go's `IP.Equal`: an IPv4 address
   * equals the same address in 16-byte IPv4-mapped form.
   *
   * @see https://pkg.go.dev/net#IP.Equal
   */
  equal(x: IP): boolean {
    const a = this.#b;
    const b = x.#b;
    if (a.length === b.length) return sameBytes(a, b);
    if (a.length === IPv4len && hasV4Prefix(b)) return sameBytes(a, b.subarray(12));
    if (b.length === IPv4len && hasV4Prefix(a)) return sameBytes(b, a.subarray(12));
    return false;
  }

  /**
   * This IPv4 address in 4-byte form, or null if it is no IPv4 address (as
   * Go's `IP.To4`, which returns nil).
   *
   * @see https://pkg.go.dev/net#IP.To4
   */
  to4(): IP | null {
    if (this.#b.length === IPv4len) return this;
    const v4 = this.#v4();
    return v4 === null ? null : new IP(v4);
  }

  /**
   * This address in 16-byte form (IPv4 becomes IPv4-mapped), or null for an
   * invalid length (as Go's `IP.To16`, which returns nil).
   *
   * @see https://pkg.go.dev/net#IP.To16
   */
  to16(): IP | null {
    if (this.#b.length === IPv6len) return this;
    if (this.#b.length === IPv4len) return new IP([...V4_IN_V6_PREFIX, ...this.#b]);
    return null;
  }

  /**
   * Whether this is the unspecified address, `0.0.0.0` or `::`.
   *
   * @see https://pkg.go.dev/net#IP.IsUnspecified
   */
  isUnspecified(): boolean {
    return this.equal(IPv4zero) || this.equal(IPv6unspecified);
  }

  /**
   * Whether this is a loopback address: `127.0.0.0/8` or `::1`.
   *
   * @see https://pkg.go.dev/net#IP.IsLoopback
   */
  isLoopback(): boolean {
    const v4 = this.#v4();
    return v4 !== null ? v4[0] === 127 : this.equal(IPv6loopback);
  }

  /**
   * Whether this is a private address: RFC 1918 for IPv4 (`10/8`,
   * `172.16/12`, `192.168/16`), RFC 4193 for IPv6 (`fc00::/7`).
   *
   * @see https://pkg.go.dev/net#IP.IsPrivate
   */
  isPrivate(): boolean {
    const v4 = this.#v4();
    if (v4 !== null) {
      const [a = 0, b = 0] = v4;
      return a === 10 || (a === 172 && (b & 0xf0) === 16) || (a === 192 && b === 168);
    }
    return this.#b.length === IPv6len && ((this.#b[0] ?? 0) & 0xfe) === 0xfc;
  }

  /**
   * Whether this is a multicast address: `224.0.0.0/4` or `ff00::/8`.
   *
   * @see https://pkg.go.dev/net#IP.IsMulticast
   */
  isMulticast(): boolean {
    const v4 = this.#v4();
    if (v4 !== null) return ((v4[0] ?? 0) & 0xf0) === 0xe0;
    return this.#b.length === IPv6len && this.#b[0] === 0xff;
  }

  /**
   * Whether this is an interface-local multicast address (IPv6 only: `ffx1::/16`).
   *
   * @see https://pkg.go.dev/net#IP.IsInterfaceLocalMulticast
   */
  isInterfaceLocalMulticast(): boolean {
    return this.#b.length === IPv6len && this.#b[0] === 0xff && ((this.#b[1] ?? 0) & 0x0f) === 0x01;
  }

  /**
   * Whether this is a link-local multicast address: `224.0.0.0/24` or `ffx2::/16`.
   *
   * @see https://pkg.go.dev/net#IP.IsLinkLocalMulticast
   */
  isLinkLocalMulticast(): boolean {
    const v4 = this.#v4();
    if (v4 !== null) return v4[0] === 224 && v4[1] === 0 && v4[2] === 0;
    return this.#b.length === IPv6len && this.#b[0] === 0xff && ((this.#b[1] ?? 0) & 0x0f) === 0x02;
  }

  /**
   * Whether this is a link-local unicast address: `169.254.0.0/16` or `fe80::/10`.
   *
   * @see https://pkg.go.dev/net#IP.IsLinkLocalUnicast
   */
  isLinkLocalUnicast(): boolean {
    const v4 = this.#v4();
    if (v4 !== null) return v4[0] === 169 && v4[1] === 254;
    return this.#b.length === IPv6len && this.#b[0] === 0xfe && ((this.#b[1] ?? 0) & 0xc0) === 0x80;
  }

  /**
   * Whether this is a global unicast address, as Go defines it: a valid
   * address that is not the limited broadcast `255.255.255.255`,
   * unspecified, loopback, multicast or link-local unicast. Private
   * addresses count as global unicast.
   *
   * @see https://pkg.go.dev/net#IP.IsGlobalUnicast
   */
  isGlobalUnicast(): boolean {
    return (
      (this.#b.length === IPv4len || this.#b.length === IPv6len) &&
      !this.equal(IPv4bcast) &&
      !this.isUnspecified() &&
      !this.isLoopback() &&
      !this.isMulticast() &&
      !this.isLinkLocalUnicast()
    );
  }

  /**
   * The classful default mask of an IPv4 address (`255.0.0.0` below
   * `128.0.0.0`, `255.255.0.0` below `192.0.0.0`, else `255.255.255.0`), in
   * 4-byte form; null for anything that is not IPv4.
   *
   * @see https://pkg.go.dev/net#IP.DefaultMask
   */
  defaultMask(): IPMask | null {
    const first = this.#v4()?.[0];
    if (first === undefined) return null;
    return first < 0x80 ? CLASS_A : first < 0xc0 ? CLASS_B : CLASS_C;
  }

  /**
   * This address with every bit outside `mask` cleared, as Go's `IP.Mask`. A
   * 4-byte IP takes a 16-byte mask whose first 12 bytes are all ones; an
   * IPv4-mapped IP takes a 4-byte mask (the result is then 4 bytes). Any
   * other length mismatch gives null (Go's nil).
   *
   * @see https://pkg.go.dev/net#IP.Mask
   */
  mask(mask: IPMask): IP | null {
    let m = maskBytes(mask);
    let b = this.#b;
    if (m.length === IPv6len && b.length === IPv4len && m.subarray(0, 12).every((v) => v === 0xff)) m = m.subarray(12);
    if (m.length === IPv4len && hasV4Prefix(b)) b = b.subarray(12);
    if (b.length !== m.length) return null;
    return new IP(b.map((v, k) => v & (m[k] ?? 0)));
  }
}

/**
 * The IPv4 address `a.b.c.d` in 16-byte (IPv4-mapped) form, as Go's `net.IPv4`.
 *
 * @see https://pkg.go.dev/net#IPv4
 */
export function ipv4(a: number, b: number, c: number, d: number): IP {
  return new IP([...V4_IN_V6_PREFIX, a, b, c, d]);
}

/**
 * The limited broadcast address, `255.255.255.255`.
 *
 * @see https://pkg.go.dev/net#pkg-variables
 */
export const IPv4bcast: IP = ipv4(255, 255, 255, 255);
/**
 * The all-systems multicast group, `224.0.0.1`.
 *
 * @see https://pkg.go.dev/net#pkg-variables
 */
export const IPv4allsys: IP = ipv4(224, 0, 0, 1);
/**
 * The all-routers multicast group, `224.0.0.2`.
 *
 * @see https://pkg.go.dev/net#pkg-variables
 */
export const IPv4allrouter: IP = ipv4(224, 0, 0, 2);
/**
 * The IPv4 unspecified address, `0.0.0.0`.
 *
 * @see https://pkg.go.dev/net#pkg-variables
 */
export const IPv4zero: IP = ipv4(0, 0, 0, 0);
/**
 * The IPv6 all-zeros address, `::`.
 *
 * @see https://pkg.go.dev/net#pkg-variables
 */
export const IPv6zero: IP = new IP(new Uint8Array(16));
/**
 * The IPv6 unspecified address, `::`.
 *
 * @see https://pkg.go.dev/net#pkg-variables
 */
export const IPv6unspecified: IP = new IP(new Uint8Array(16));
/**
 * The IPv6 loopback address, `::1`.
 *
 * @see https://pkg.go.dev/net#pkg-variables
 */
export const IPv6loopback: IP = new IP([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
/**
 * The interface-local all-nodes multicast group, `ff01::1`.
 *
 * @see https://pkg.go.dev/net#pkg-variables
 */
export const IPv6interfacelocalallnodes: IP = new IP([0xff, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01]);
/**
 * The link-local all-nodes multicast group, `ff02::1`.
 *
 * @see https://pkg.go.dev/net#pkg-variables
 */
export const IPv6linklocalallnodes: IP = new IP([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01]);
/**
 * The link-local all-routers multicast group, `ff02::2`.
 *
 * @see https://pkg.go.dev/net#pkg-variables
 */
export const IPv6linklocalallrouters: IP = new IP([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02]);

/**
 * A bit mask over an IP address, as Go's `net.IPMask`: 4 bytes for IPv4, 16
 * for IPv6; usually ones followed by zeros, though any bytes are allowed.
 * An empty mask is Go's nil mask. Immutable: the bytes are copied in, and
 * {@link IPMask.bytes} hands out a copy.
 *
 * @see https://pkg.go.dev/net#IPMask
 */
export class IPMask {
  readonly #b: Uint8Array;

  static {
    maskBytes = (m) => m.#b;
  }

  /** A mask holding a copy of `bytes` (integers in 0..255; RangeError otherwise). No bytes: Go's nil mask. */
  constructor(bytes: Iterable<number> | ArrayLike<number> = []) {
    this.#b = ownBytes(bytes, 'IPMask');
  }

  /** A copy of the mask's bytes. */
  get bytes(): Uint8Array {
    return this.#b.slice();
  }

  /** The number of bytes, Go's `len(m)`. */
  get length(): number {
    return this.#b.length;
  }

  /**
   * `[ones, bits]`: the number of leading one bits and the mask's length in
   * bits; `[0, 0]` when the mask is not ones followed by zeros.
   *
   * @see https://pkg.go.dev/net#IPMask.Size
   */
  size(): [ones: number, bits: number] {
    const ones = prefixLength(this.#b);
    return ones < 0 ? [0, 0] : [ones, 8 * this.#b.length];
  }

  /**
   * The mask as lowercase hex without punctuation (`ffffff00`), or `<nil>` when empty.
   *
   * @see https://pkg.go.dev/net#IPMask.String
   */
  toString(): string {
    return this.#b.length === 0 ? '<nil>' : hex(this.#b);
  }
}

/**
 * The IPv4 mask `a.b.c.d` in 4-byte form, as Go's `net.IPv4Mask`.
 *
 * @see https://pkg.go.dev/net#IPv4Mask
 */
export function ipv4Mask(a: number, b: number, c: number, d: number): IPMask {
  return new IPMask([a, b, c, d]);
}

/**
 * The mask of `ones` one bits followed by zeros up to `bits` bits, as Go's
 * `net.CIDRMask`; null (Go's nil) unless `bits` is 32 or 128 and `ones` is an
 * integer in 0..bits.
 *
 * @see https://pkg.go.dev/net#CIDRMask
 */
export function cidrMask(ones: number, bits: number): IPMask | null {
  if ((bits !== 8 * IPv4len && bits !== 8 * IPv6len) || !Number.isInteger(ones) || ones < 0 || ones > bits) return null;
  const m = new Uint8Array(bits / 8);
  for (let k = 0; k < m.length; k++) {
    const left = ones - 8 * k;
    m[k] = left >= 8 ? 0xff : left <= 0 ? 0 : (0xff00 >> left) & 0xff;
  }
  return new IPMask(m);
}

const CLASS_A = ipv4Mask(0xff, 0, 0, 0);
const CLASS_B = ipv4Mask(0xff, 0xff, 0, 0);
const CLASS_C = ipv4Mask(0xff, 0xff, 0xff, 0);

/**
 * A network's number and mask brought to one length, as Go does before
 * comparing or printing: IPv4 networks to 4 bytes (a 16-byte mask loses its
 * first 12 bytes), IPv6 networks to 16. Null when they do not fit together.
 */
function networkNumberAndMask(n: IPNet): { ip: Uint8Array; mask: Uint8Array } | null {
  const raw = ipBytes(n.ip);
  const ip = hasV4Prefix(raw) ? raw.subarray(12) : raw;
  if (ip.length !== IPv4len && ip.length !== IPv6len) return null;
  const mask = maskBytes(n.mask);
  if (mask.length === IPv4len) return ip.length === IPv4len ? { ip, mask } : null;
  if (mask.length === IPv6len) return { ip, mask: ip.length === IPv4len ? mask.subarray(12) : mask };
  return null;
}

/**
 * An IP network, as Go's `net.IPNet`: a network number and a mask.
 * Immutable.
 *
 * @see https://pkg.go.dev/net#IPNet
 */
export class IPNet {
  /** The network number. */
  readonly ip: IP;
  /** The network mask. */
  readonly mask: IPMask;

  /** The network `ip`/`mask` (`ip` is kept as given, not masked). No arguments: Go's zero `IPNet{}`. */
  constructor(ip: IP = new IP(), mask: IPMask = new IPMask()) {
    this.ip = ip;
    this.mask = mask;
    Object.freeze(this);
  }

  /**
   * Whether the network includes `ip`: every bit under the mask matches.
   * IPv4 addresses match IPv4 networks in either byte form; an address of
   * the other family never matches.
   *
   * @see https://pkg.go.dev/net#IPNet.Contains
   */
  contains(ip: IP): boolean {
    const net = networkNumberAndMask(this);
    const raw = ipBytes(ip);
    const x = hasV4Prefix(raw) ? raw.subarray(12) : raw;
    // Go compares against a nil network number here: only an empty IP "matches".
    if (net === null) return x.length === 0;
    if (x.length !== net.ip.length) return false;
    return x.every((v, k) => (v & (net.mask[k] ?? 0)) === ((net.ip[k] ?? 0) & (net.mask[k] ?? 0)));
  }

  /**
   * The network's name, `ip+net`, as Go's `IPNet.Network`.
   *
   * @see https://pkg.go.dev/net#IPNet.Network
   */
  network(): 'ip+net' {
    return 'ip+net';
  }

  /**
   * CIDR notation (`192.0.2.0/24`, `2001:db8::/48`); with a mask that is not
   * ones followed by zeros, the mask in hex (`198.51.100.0/c000ff00`); `<nil>`
   * when number and mask do not fit together.
   *
   * @see https://pkg.go.dev/net#IPNet.String
   */
  toString(): string {
    const net = networkNumberAndMask(this);
    if (net === null) return '<nil>';
    const ones = prefixLength(net.mask);
    return `${new IP(net.ip).toString()}/${ones < 0 ? hex(net.mask) : String(ones)}`;
  }
}

const DECIMAL_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/**
 * Writes dotted-quad `s` into `out` at `at`; false if `s` is no strict
 * dotted quad (four fields, each 0..255 in decimal without leading zeros).
 */
function parseDottedQuad(s: string, out: Uint8Array, at: number): boolean {
  const fields = s.split('.');
  if (fields.length !== 4) return false;
  for (const [k, field] of fields.entries()) {
    if (!DECIMAL_OCTET.test(field)) return false;
    const v = Number(field);
    if (v > 255) return false;
    out[at + k] = v;
  }
  return true;
}

/**
 * The bytes of colon-separated fields: hex groups of 1 to 4 digits, the last
 * one (when `quadLast`) possibly a dotted quad worth two groups. Null if any
 * field is malformed.
 */
function fieldBytes(fields: string[], quadLast: boolean): number[] | null {
  const out: number[] = [];
  for (const [k, field] of fields.entries()) {
    if (quadLast && k === fields.length - 1 && field.includes('.')) {
      const quad = new Uint8Array(4);
      if (!parseDottedQuad(field, quad, 0)) return null;
      out.push(...quad);
    } else if (HEX_GROUP.test(field)) {
      const v = parseInt(field, 16);
      out.push(v >> 8, v & 0xff);
    } else {
      return null;
    }
  }
  return out;
}

/** The 16 bytes of IPv6 literal `s` (RFC 4291 text, no zone), or null. */
function parseIPv6(s: string): Uint8Array | null {
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const [front = '', back] = halves;
  const fields = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const head = fieldBytes(fields(front), back === undefined);
  const tail = back === undefined ? [] : fieldBytes(fields(back), true);
  if (head === null || tail === null) return null;
  const used = head.length + tail.length;
  // Without `::` the fields fill all 16 bytes; `::` stands for one zero group or more.
  if (back === undefined ? used !== IPv6len : used > IPv6len - 2) return null;
  const out = new Uint8Array(IPv6len);
  out.set(head, 0);
  out.set(tail, IPv6len - tail.length);
  return out;
}

/**
 * Text `s` as an address, the way Go's netip.ParseAddr reads it (a `.`
 * before any `:` means IPv4, a `:` first means IPv6), minus zones: the 16
 * bytes, and whether it was written as IPv4.
 */
function parseAddress(s: string): { bytes: Uint8Array; v4: boolean } | null {
  const at = s.search(/[.:%]/);
  if (at >= 0 && s[at] === '.') {
    const bytes = new Uint8Array(IPv6len);
    bytes.set(V4_IN_V6_PREFIX);
    return parseDottedQuad(s, bytes, 12) ? { bytes, v4: true } : null;
  }
  if (at >= 0 && s[at] === ':' && !s.includes('%')) {
    const bytes = parseIPv6(s);
    return bytes === null ? null : { bytes, v4: false };
  }
  return null; // no separator, a zone (`fe80::1%lo0`: ParseIP takes none), or `%` first
}

/**
 * The address `s` spells, as Go's `net.ParseIP`: IPv4 dotted decimal
 * (`192.0.2.1`), IPv6 (`2001:db8::68`) or IPv4-mapped IPv6
 * (`::ffff:192.0.2.1`), always in 16-byte form; null for anything else,
 * including zones (`fe80::1%lo0`), IPv4 fields with leading zeros
 * (`127.001.002.003`) and IPv6 groups of more than 4 digits.
 *
 * @see https://pkg.go.dev/net#ParseIP
 */
export function parseIP(s: string): IP | null {
  const addr = parseAddress(s);
  return addr === null ? null : new IP(addr.bytes);
}

/**
 * The address and network of CIDR text `s` (`192.0.2.1/24`,
 * `2001:db8::/32`), as Go's `net.ParseCIDR`: `ip` is the address in 16-byte
 * form, `net` the network it implies (`192.0.2.0/24`), its number masked,
 * 4 bytes with a 4-byte mask for IPv4 text, 16 and 16 for IPv6 text. The
 * prefix length is decimal digits (leading zeros allowed) up to 32 or 128.
 * Throws a {@link ParseError} with Go's text (`invalid CIDR address: 256.0.0.0/8`)
 * for anything else.
 *
 * @see https://pkg.go.dev/net#ParseCIDR
 */
export function parseCIDR(s: string): { ip: IP; net: IPNet } {
  const slash = s.indexOf('/');
  const addr = slash < 0 ? null : parseAddress(s.slice(0, slash));
  const length = s.slice(slash + 1);
  const bits = addr?.v4 === true ? 8 * IPv4len : 8 * IPv6len;
  const mask = addr !== null && /^[0-9]+$/.test(length) ? cidrMask(Number(length), bits) : null;
  if (addr === null || mask === null) throw new ParseError('CIDR address', s);
  const ip = new IP(addr.bytes);
  return { ip, net: new IPNet(ip.mask(mask) ?? new IP(), mask) };
}
