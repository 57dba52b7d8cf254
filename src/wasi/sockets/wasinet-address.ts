import { SysError } from '../../internal/errno.ts';
import { guestIpEndpoint, ipv4ToString, ipv6ToString, parseIpv4, parseIpv6, type Endpoint } from '../../netdev/endpoint.ts';
import { checkIovecCount, type GuestMemory } from '../memory.ts';

/**
 * Address families as wasinet negotiates them: the guest asks
 * `sock_determine_host_af_family` once per Go wasip1 family and then uses
 * the host's answers everywhere. dialtone answers Linux's numbers.
 */
export const WasinetFamily = { UNSPEC: 0, UNIX: 1, INET: 2, INET6: 10 } as const;

/** Go wasip1's own `syscall.AF_*` values, which the guest sends to be translated. */
const GO_FAMILY_TO_HOST: Readonly<Record<number, number>> = { 0: 0, 1: WasinetFamily.UNIX, 2: WasinetFamily.INET, 3: WasinetFamily.INET6 };

/** `sock_determine_host_af_family`: -1 for a family the guest should not use. */
export function hostFamily(goFamily: number): number {
  return GO_FAMILY_TO_HOST[goFamily] ?? -1;
}

/** Size of a wasinet socket address. */
export const SOCKADDR_SIZE = 130;
const UNIX_PATH_MAX = SOCKADDR_SIZE - 8;

/**
 * Decodes a 130-byte wasinet socket address (see docs/abi/wasinet.md):
 * u16 family at 0 (the negotiated host number; socktype and copies at 2..8
 * are ignored), then for INET u32 LE port at 8 and 4 address bytes at 12,
 * for INET6 the port at 8 and 16 bytes at 12, for UNIX a NUL-padded path at 8.
 */
export function decodeSockaddr(m: GuestMemory, ptr: number, len: number): Endpoint {
  if (len < 8) throw new SysError('EINVAL', `socket address of ${len} bytes`);
  const family = m.getU16(ptr);
  switch (family) {
    case WasinetFamily.INET:
      return guestIpEndpoint(ipv4ToString(m.bytes(ptr + 12, 4)), m.getU32(ptr + 8));
    case WasinetFamily.INET6:
      return guestIpEndpoint(ipv6ToString(m.bytes(ptr + 12, 16)), m.getU32(ptr + 8));
    case WasinetFamily.UNIX: {
      const raw = m.bytes(ptr + 8, Math.min(len, SOCKADDR_SIZE) - 8);
      const nul = raw.indexOf(0);
      // A path running past the address would be cut short: refuse it.
      if (nul === -1 && len > SOCKADDR_SIZE) throw new SysError('ENAMETOOLONG', 'Unix path longer than a wasinet address');
      return { kind: 'unix', path: new TextDecoder().decode(nul === -1 ? raw : raw.subarray(0, nul)) };
    }
    default:
      throw new SysError('EAFNOSUPPORT', `address family ${family}`);
  }
}

/** Writes an endpoint as a 130-byte wasinet socket address; an unnamed Unix peer reads "@". */
export function encodeSockaddr(m: GuestMemory, ptr: number, len: number, ep: Endpoint, socktype: number): void {
  if (len < SOCKADDR_SIZE) throw new SysError('EINVAL', `socket address buffer of ${len} bytes`);
  const out = m.bytes(ptr, SOCKADDR_SIZE);
  out.fill(0);
  let family: number;
  if (ep.kind === 'unix') {
    family = WasinetFamily.UNIX;
    const path = new TextEncoder().encode(ep.path === '' ? '@' : ep.path);
    if (path.length > UNIX_PATH_MAX) throw new SysError('ENAMETOOLONG', 'Unix path longer than a wasinet address holds');
    out.set(path, 8);
  } else {
    const bytes = ep.family === 4 ? parseIpv4(ep.address) : parseIpv6(ep.address);
    if (bytes === undefined) throw new SysError('EINVAL', `unparsable address ${ep.address}`);
    family = ep.family === 4 ? WasinetFamily.INET : WasinetFamily.INET6;
    m.setU32(ptr + 8, ep.port);
    out.set(bytes, 12);
  }
  m.setU16(ptr, family);
  m.setU16(ptr + 2, socktype);
  m.setU16(ptr + 4, family);
  m.setU16(ptr + 6, socktype);
}

/**
 * Reads wasinet's 16-byte iovecs (`{u64 ptr, u32 len, u32 pad}`: Go's wasm
 * `uintptr` is 8 bytes) as views of guest memory; EFAULT for a bad one.
 * Bounded as {@link GuestMemory.iovecs} is: EINVAL past MAX_IOVECS, and the
 * views stop at the memory's transfer limit.
 */
export function iovecs16(m: GuestMemory, ptr: number, count: number): Uint8Array[] {
  const n = checkIovecCount(count);
  m.check(ptr, n * 16);
  const out: Uint8Array[] = [];
  let room = m.transferLimit();
  for (let i = 0; i < n; i++) {
    const base = ptr + i * 16;
    const hi = m.getU32(base + 4);
    if (hi !== 0) throw new SysError('EFAULT', 'iovec pointer above 4 GiB');
    const len = m.getU32(base + 8);
    const view = m.bytes(m.getU32(base), len);
    if (room > 0 && len > 0) out.push(len <= room ? view : view.subarray(0, room));
    room -= Math.min(room, len);
  }
  return out;
}
