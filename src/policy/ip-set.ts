import { parseIpv4, parseIpv6 } from '../netdev/endpoint.ts';

/** An address family as the policy names it. */
export type IpType = 'ipv4' | 'ipv6';

/**
 * A set of IP networks, checked by longest-prefix comparison: the portable
 * stand-in for `node:net`'s `BlockList`, with its semantics. Every address
 * is compared as 128 bits, IPv4 as its mapped form `::ffff:a.b.c.d`, so an
 * IPv4 network covers exactly the IPv4 addresses (and their mapped
 * spellings) and `::/0` covers IPv4 too, as BlockList does.
 */
export class IpSet {
  readonly #nets: { readonly words: Uint32Array; readonly prefix: number }[] = [];

  /** Adds the network `address/prefix` (prefix in the address's own family's bits). */
  addSubnet(address: string, prefix: number, type: IpType): void {
    const words = toWords(address, type);
    if (words === undefined) throw new TypeError(`IpSet: ${address} is not an ${type} address`);
    const max = type === 'ipv4' ? 32 : 128;
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new RangeError(`IpSet: prefix ${prefix} is not 0-${max}`);
    this.#nets.push({ words, prefix: type === 'ipv4' ? prefix + 96 : prefix });
  }

  /** Adds one address. */
  addAddress(address: string, type: IpType): void {
    this.addSubnet(address, type === 'ipv4' ? 32 : 128, type);
  }

  /** Whether `address` (of `type`) is in one of the networks; false for text that is not an address of that type. */
  check(address: string, type: IpType): boolean {
    const words = toWords(address, type);
    if (words === undefined) return false;
    return this.#nets.some((n) => samePrefix(words, n.words, n.prefix));
  }
}

/** The 128-bit form of `address` as four big-endian words, IPv4 mapped. */
function toWords(address: string, type: IpType): Uint32Array | undefined {
  const bytes = type === 'ipv4' ? parseIpv4(address) : parseIpv6(address);
  if (bytes === undefined) return undefined;
  const full = new Uint8Array(16);
  if (bytes.length === 4) {
    full[10] = 0xff;
    full[11] = 0xff;
    full.set(bytes, 12);
  } else full.set(bytes);
  const view = new DataView(full.buffer);
  return Uint32Array.of(view.getUint32(0), view.getUint32(4), view.getUint32(8), view.getUint32(12));
}

function samePrefix(a: Uint32Array, b: Uint32Array, prefix: number): boolean {
  for (let i = 0; i < 4 && prefix > 0; i++, prefix -= 32) {
    const bits = Math.min(32, prefix);
    const mask = bits === 32 ? 0xffffffff : ~(0xffffffff >>> bits) >>> 0;
    if (((a[i] as number) & mask) >>> 0 !== ((b[i] as number) & mask) >>> 0) return false;
  }
  return true;
}
