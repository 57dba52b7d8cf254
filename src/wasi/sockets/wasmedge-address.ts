import { SysError } from '../../internal/errno.ts';
import { guestIpEndpoint, ipv4ToString, ipv6ToString, parseIpv4, parseIpv6, type Endpoint } from '../../netdev/endpoint.ts';
import type { GuestMemory } from '../memory.ts';

/** WasmEdge address families (`address_family`). */
export const WasmEdgeFamily = { UNSPEC: 0, INET4: 1, INET6: 2, UNIX: 3 } as const;

/** Size of the address storage the guest passes for results (family u16 + 126 bytes). */
export const STORAGE_SIZE = 128;
const UNIX_PATH_MAX = STORAGE_SIZE - 2;

/**
 * Decodes a WasmEdge V2 address descriptor `{u32 buf, u32 buf_len}` plus the
 * separate port into an endpoint:
 * - buf_len 4: IPv4 bytes; buf_len 16: IPv6 bytes;
 * - otherwise storage: u16 family at 0, then the address (4 or 16 bytes)
 *   or a NUL-terminated Unix path.
 * See docs/abi/wasmedge-sockets.md ("Addresses").
 */
export function decodeAddress(m: GuestMemory, descPtr: number, port: number): Endpoint {
  const buf = m.getU32(descPtr);
  const len = m.getU32(descPtr + 4);
  if (len === 4) return guestIpEndpoint(ipv4ToString(m.bytes(buf, 4)), port);
  if (len === 16) return guestIpEndpoint(ipv6ToString(m.bytes(buf, 16)), port);
  if (len < 2) throw new SysError('EINVAL', `address buffer of ${len} bytes`);
  const family = m.getU16(buf);
  const body = m.bytes(buf + 2, Math.min(len, STORAGE_SIZE) - 2);
  switch (family) {
    case WasmEdgeFamily.INET4:
      if (body.length < 4) throw new SysError('EINVAL', 'short IPv4 address');
      return guestIpEndpoint(ipv4ToString(body), port);
    case WasmEdgeFamily.INET6:
      if (body.length < 16) throw new SysError('EINVAL', 'short IPv6 address');
      return guestIpEndpoint(ipv6ToString(body), port);
    case WasmEdgeFamily.UNIX: {
      const nul = body.indexOf(0);
      // A path running past the storage would be cut short: refuse it.
      if (nul === -1 && len > STORAGE_SIZE) throw new SysError('ENAMETOOLONG', 'Unix path longer than the address storage');
      return { kind: 'unix', path: new TextDecoder().decode(nul === -1 ? body : body.subarray(0, nul)) };
    }
    default:
      throw new SysError('EAFNOSUPPORT', `address family ${family}`);
  }
}

/**
 * Writes an endpoint into the guest's address storage (through its
 * descriptor) and the port to `portPtr`. EINVAL when the buffer is too small.
 */
export function encodeAddress(m: GuestMemory, descPtr: number, portPtr: number, ep: Endpoint): void {
  const buf = m.getU32(descPtr);
  const len = m.getU32(descPtr + 4);
  m.check(portPtr, 4);
  const out = m.bytes(buf, len);
  if (ep.kind === 'unix') {
    const path = new TextEncoder().encode(ep.path);
    if (path.length > UNIX_PATH_MAX || 2 + path.length + 1 > len)
      throw new SysError('EINVAL', 'address buffer too small for the Unix path');
    out.fill(0);
    m.setU16(buf, WasmEdgeFamily.UNIX);
    out.set(path, 2);
    m.setU32(portPtr, 0);
    return;
  }
  const bytes = ep.family === 4 ? parseIpv4(ep.address) : parseIpv6(ep.address);
  if (bytes === undefined) throw new SysError('EINVAL', `unparsable address ${ep.address}`);
  if (len < 2 + bytes.length) throw new SysError('EINVAL', 'address buffer too small');
  out.fill(0);
  m.setU16(buf, ep.family === 4 ? WasmEdgeFamily.INET4 : WasmEdgeFamily.INET6);
  out.set(bytes, 2);
  m.setU32(portPtr, ep.port);
}
