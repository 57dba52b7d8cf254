import { SysError, type Errno } from '../../internal/errno.ts';
import { formatEndpoint, ipEndpoint, parseIpv4, parseIpv6, type Endpoint } from '../../netdev/endpoint.ts';
import type { SocketOption } from '../../netdev/socket.ts';
import type { GuestNetwork } from '../../sockets/guest-network.ts';
import { RiFlags, RoFlags } from '../constants.ts';
import { wasiErrno } from '../errno.ts';
import { hostFunction, type HostContext, type HostFunction } from '../host-function.ts';
import { MAX_HOST_NAME_BYTES, MAX_SERVICE_NAME_BYTES } from '../limits.ts';
import type { GuestMemory } from '../memory.ts';
import { untilReady } from '../preview1/blocking.ts';
import { settle } from '../preview1/fd.ts';
import { servicePort } from '../../sockets/services.ts';
import { connectBlocking } from './connect-wait.ts';
import { SocketDescriptor, socketAt } from './socket-descriptor.ts';
import { WasmEdgeFamily, decodeAddress, encodeAddress } from './wasmedge-address.ts';

// The WasmEdge socket extensions to wasi_snapshot_preview1, as imported by
// github.com/stealthrocket/net (dispatchrun/net) and WasmEdge's Rust and C
// socket libraries. Contract: docs/abi/wasmedge-sockets.md; upstream:
// https://github.com/WasmEdge/WasmEdge/blob/master/docs/book/en/src/write_wasm/rust/networking.md

/** WasmEdge `sock_type`. */
const SockType = { ANY: 0, DGRAM: 1, STREAM: 2 } as const;
/** WasmEdge SOL_SOCKET option names. */
const SO = { REUSEADDR: 0, TYPE: 1, ERROR: 2, DONTROUTE: 3, BROADCAST: 4, SNDBUF: 5, RCVBUF: 6, KEEPALIVE: 7, ACCEPTCONN: 13 } as const;
const SOL_SOCKET = 0;
const IPPROTO_TCP = 6;
const TCP_NODELAY = [1, 15];
/** getaddrinfo: protocol numbers are WASI's own (IP 0, TCP 1, UDP 2). */
const Proto = { IP: 0, TCP: 1, UDP: 2 } as const;
const AI_PASSIVE = 1;
const AI_NUMERICHOST = 4;
const ADDRINFO_SIZE = 28;
const SOCKADDR_DATA_SIZE = 26;

const OPTION_NAMES: Readonly<Record<number, SocketOption>> = {
  [SO.REUSEADDR]: 'reuseaddr',
  [SO.BROADCAST]: 'broadcast',
  [SO.SNDBUF]: 'sndbuf',
  [SO.RCVBUF]: 'rcvbuf',
  [SO.KEEPALIVE]: 'keepalive',
};

const u32 = (v: number | bigint): number => (v as number) >>> 0;

/** `--trace` text for (fd, addr, port) calls. */
const describeAddress = (args: readonly (number | bigint)[], m: GuestMemory): string =>
  formatEndpoint(decodeAddress(m, u32(args[1] ?? 0), u32(args[2] ?? 0)));

/** Which WasmEdge socket ABI a module was built against. */
export type WasmEdgeVersion = 'v1' | 'v2';

/**
 * Picks V1 or V2 from the module's import signatures, as WasmEdge itself
 * does: V1's `sock_getlocaladdr` takes 4 parameters and its `sock_accept` 2.
 */
export function wasmEdgeVersion(signatures: ReadonlyMap<string, { params: number }> | undefined): WasmEdgeVersion {
  const p = (name: string): number | undefined => signatures?.get(`wasi_snapshot_preview1.${name}`)?.params;
  return p('sock_getlocaladdr') === 4 || p('sock_getpeeraddr') === 4 || p('sock_accept') === 2 || p('sock_recv_from') === 7 ? 'v1' : 'v2';
}

/**
 * The WasmEdge socket functions for one guest. With `v1`, the four
 * functions whose V1 signatures differ replace their V2 forms (and
 * `sock_accept` replaces the preview 1 one).
 */
export function wasmEdgeSockets(ctx: HostContext, net: GuestNetwork, version: WasmEdgeVersion = 'v2'): HostFunction[] {
  const m = (): GuestMemory => ctx.memory;
  const sock = (fd: number | bigint): SocketDescriptor => socketAt(ctx.fds, u32(fd));

  const common: HostFunction[] = [
    hostFunction('sock_open', 'af:u32 socktype:u32 fd_out:ptr', (af, type, out) => {
      m().check(u32(out), 4);
      const family =
        af === WasmEdgeFamily.INET4 ? 'ipv4' : af === WasmEdgeFamily.INET6 ? 'ipv6' : af === WasmEdgeFamily.UNIX ? 'unix' : undefined;
      if (family === undefined) throw new SysError('EAFNOSUPPORT', `address family ${u32(af)}`);
      const t = u32(type);
      if (t !== SockType.ANY && t !== SockType.DGRAM && t !== SockType.STREAM) throw new SysError('EPROTOTYPE', `socket type ${t}`);
      m().setU32(u32(out), ctx.fds.adopt(new SocketDescriptor(net.open(family, t === SockType.DGRAM ? 'dgram' : 'stream'))));
    }),
    hostFunction(
      'sock_bind',
      'fd:fd addr:ptr port:u32',
      (fd, addr, port) => sock(fd).socket.bind(decodeAddress(m(), u32(addr), u32(port))),
      { suspending: true, describe: describeAddress },
    ),
    hostFunction('sock_listen', 'fd:fd backlog:u32', (fd, backlog) => sock(fd).socket.listen(u32(backlog)), { suspending: true }),
    // Blocking unless the guest set NONBLOCK: Go does (0 or EINPROGRESS, then
    // SO_ERROR); C and Rust guests do not, and expect 0 or the real errno.
    hostFunction(
      'sock_connect',
      'fd:fd addr:ptr port:u32',
      (fd, addr, port) => {
        const d = sock(fd);
        return connectBlocking(d, () => d.socket.connect(decodeAddress(m(), u32(addr), u32(port))));
      },
      { suspending: true, describe: describeAddress },
    ),
    // value_len is passed by value (the Go guest and wasi-go agree; WasmEdge reads a pointer).
    hostFunction('sock_getsockopt', 'fd:fd level:u32 name:u32 value:ptr value_len:u32', (fd, level, name, value, len) => {
      const d = sock(fd);
      if (u32(len) < 4) throw new SysError('EINVAL', 'option buffer shorter than 4 bytes');
      m().check(u32(value), 4);
      m().setU32(u32(value), getOption(d, u32(level), u32(name)));
    }),
    hostFunction('sock_setsockopt', 'fd:fd level:u32 name:u32 value:ptr value_len:u32', (fd, level, name, value, len) => {
      const d = sock(fd);
      if (u32(len) < 4) throw new SysError('EINVAL', 'option value shorter than 4 bytes');
      setOption(d, u32(level), u32(name), m().getU32(u32(value)));
    }),
    hostFunction(
      'sock_send_to',
      'fd:fd iovs:ptr iovs_len:u32 addr:ptr port:u32 siflags:flags nwritten:ptr',
      (fd, iovs, n, addr, port, _flags, out) => {
        const d = sock(fd);
        m().check(u32(out), 4);
        const to = d.socket.type === 'dgram' ? optionalAddress(m(), u32(addr), u32(port)) : undefined;
        return settle(
          untilReady(d, 'write', () => d.socket.send(m().iovecs(u32(iovs), u32(n)), to)),
          (sent) => m().setU32(u32(out), sent),
        );
      },
      { suspending: true },
    ),
    hostFunction(
      'sock_getaddrinfo',
      'node:ptr node_len:u32 service:ptr service_len:u32 hints:ptr res:ptr max_res_len:u32 res_len:ptr',
      (node, nodeLen, service, serviceLen, hints, res, max, resLen) =>
        getaddrinfo(ctx, net, {
          node: cString(m(), u32(node), u32(nodeLen), MAX_HOST_NAME_BYTES),
          service: cString(m(), u32(service), u32(serviceLen), MAX_SERVICE_NAME_BYTES),
          hints: u32(hints),
          res: u32(res),
          max: u32(max),
          resLen: u32(resLen),
        }),
      { suspending: true },
    ),
  ];

  const recvFrom = (
    fd: number | bigint,
    iovs: number | bigint,
    n: number | bigint,
    riflags: number | bigint,
    done: (from: Endpoint | undefined, got: number, truncated: boolean) => void,
  ) => {
    const d = sock(fd);
    return settle(
      untilReady(d, 'read', () => d.socket.recv(m().iovecs(u32(iovs), u32(n)), (u32(riflags) & RiFlags.RECV_PEEK) !== 0)),
      // Streams have no sender per read: report the peer, as recvfrom(2) does.
      (r) => done(r.from ?? (d.socket.type === 'stream' ? safePeer(d) : undefined), r.n, r.truncated),
    );
  };

  if (version === 'v2') {
    return [
      ...common,
      hostFunction('sock_getlocaladdr', 'fd:fd addr:ptr port:ptr', (fd, addr, port) =>
        encodeAddress(m(), u32(addr), u32(port), sock(fd).socket.localEndpoint()),
      ),
      hostFunction('sock_getpeeraddr', 'fd:fd addr:ptr port:ptr', (fd, addr, port) =>
        encodeAddress(m(), u32(addr), u32(port), sock(fd).socket.remoteEndpoint()),
      ),
      hostFunction(
        'sock_recv_from',
        'fd:fd iovs:ptr iovs_len:u32 addr:ptr riflags:flags port:ptr nread:ptr roflags:ptr',
        (fd, iovs, n, addr, riflags, port, nread, roflags) => {
          m().check(u32(nread), 4);
          m().check(u32(roflags), 2);
          return recvFrom(fd, iovs, n, riflags, (from, got, truncated) => {
            if (from !== undefined) encodeAddress(m(), u32(addr), u32(port), from);
            m().setU32(u32(nread), got);
            m().setU16(u32(roflags), truncated ? RoFlags.RECV_DATA_TRUNCATED : 0);
          });
        },
        { suspending: true },
      ),
    ];
  }
  return [
    ...common,
    hostFunction(
      'sock_accept',
      'fd:fd fd_out:ptr',
      (fd, out) => {
        const d = sock(fd);
        m().check(u32(out), 4);
        return settle(
          // A full fd table refuses before the connection leaves the queue.
          untilReady(d, 'read', () => (ctx.fds.ensureRoom(), d.accept(0))),
          (conn) => m().setU32(u32(out), ctx.fds.adopt(conn)),
        );
      },
      { suspending: true },
    ),
    hostFunction('sock_getlocaladdr', 'fd:fd addr:ptr addr_type:ptr port:ptr', (fd, addr, type, port) =>
      encodeV1Address(m(), u32(addr), u32(type), u32(port), sock(fd).socket.localEndpoint()),
    ),
    hostFunction('sock_getpeeraddr', 'fd:fd addr:ptr addr_type:ptr port:ptr', (fd, addr, type, port) =>
      encodeV1Address(m(), u32(addr), u32(type), u32(port), sock(fd).socket.remoteEndpoint()),
    ),
    hostFunction(
      'sock_recv_from',
      'fd:fd iovs:ptr iovs_len:u32 addr:ptr riflags:flags nread:ptr roflags:ptr',
      (fd, iovs, n, addr, riflags, nread, roflags) => {
        m().check(u32(nread), 4);
        m().check(u32(roflags), 2);
        return recvFrom(fd, iovs, n, riflags, (from, got, truncated) => {
          if (from !== undefined) encodeV1Address(m(), u32(addr), undefined, undefined, from);
          m().setU32(u32(nread), got);
          m().setU16(u32(roflags), truncated ? RoFlags.RECV_DATA_TRUNCATED : 0);
        });
      },
      { suspending: true },
    ),
  ];
}

function safePeer(d: SocketDescriptor): Endpoint | undefined {
  try {
    return d.socket.remoteEndpoint();
  } catch {
    return undefined;
  }
}

/** A send-to address; an all-zero (UNSPEC) storage means "the connected peer". */
function optionalAddress(m: GuestMemory, desc: number, port: number): Endpoint | undefined {
  if (desc === 0) return undefined;
  const buf = m.getU32(desc);
  const len = m.getU32(desc + 4);
  if (len >= 2 && len !== 4 && len !== 16 && m.getU16(buf) === WasmEdgeFamily.UNSPEC) return undefined;
  return decodeAddress(m, desc, port);
}

/** V1 results: raw address bytes in a 16-byte buffer, the type (4 or 6) and port apart. */
function encodeV1Address(m: GuestMemory, desc: number, typePtr: number | undefined, portPtr: number | undefined, ep: Endpoint): void {
  if (ep.kind !== 'ip') throw new SysError('EAFNOSUPPORT', 'WasmEdge V1 has no Unix addresses');
  const buf = m.getU32(desc);
  const len = m.getU32(desc + 4);
  const bytes = ep.family === 4 ? parseIpv4(ep.address) : parseIpv6(ep.address);
  if (bytes === undefined || len < bytes.length) throw new SysError('EINVAL', 'address buffer too small');
  const out = m.bytes(buf, len);
  out.fill(0);
  out.set(bytes);
  if (typePtr !== undefined) m.setU32(typePtr, ep.family);
  if (portPtr !== undefined) m.setU32(portPtr, ep.port);
}

function getOption(d: SocketDescriptor, level: number, name: number): number {
  if (level === IPPROTO_TCP && TCP_NODELAY.includes(name)) return d.socket.getOption('nodelay');
  if (level !== SOL_SOCKET) throw new SysError('ENOPROTOOPT', `level ${level}`);
  switch (name) {
    case SO.ERROR: {
      // The value is a WASI errno: the guest compares it with EINPROGRESS, EISCONN, ...
      const e: Errno | undefined = d.socket.takeError();
      return e === undefined ? 0 : wasiErrno(e);
    }
    case SO.TYPE:
      return d.socket.type === 'dgram' ? SockType.DGRAM : SockType.STREAM;
    case SO.ACCEPTCONN:
      return d.poll('read').ready && d.socket.type === 'stream' ? 1 : 0;
    default: {
      const opt = OPTION_NAMES[name];
      if (opt === undefined) throw new SysError('ENOPROTOOPT', `socket option ${name}`);
      return d.socket.getOption(opt);
    }
  }
}

function setOption(d: SocketDescriptor, level: number, name: number, value: number): void {
  if (level === IPPROTO_TCP && TCP_NODELAY.includes(name)) return d.socket.setOption('nodelay', value);
  if (level !== SOL_SOCKET) throw new SysError('ENOPROTOOPT', `level ${level}`);
  const opt = OPTION_NAMES[name];
  if (opt === undefined) throw new SysError('ENOPROTOOPT', `socket option ${name}`);
  d.socket.setOption(opt, value);
}

/**
 * A NUL-terminated string whose length includes the NUL ("" is "\0", length
 * 1); EINVAL when its text is longer than `max` bytes (only `max + 1` bytes
 * are looked at).
 */
function cString(m: GuestMemory, ptr: number, len: number, max: number): string {
  const bytes = m.bytes(ptr, len).subarray(0, max + 1);
  const nul = bytes.indexOf(0);
  if (nul === -1 && bytes.length > max) throw new SysError('EINVAL', `name longer than ${max} bytes`);
  return new TextDecoder().decode(nul === -1 ? bytes : bytes.subarray(0, nul));
}

interface AddrInfoCall {
  node: string;
  service: string;
  hints: number;
  res: number;
  max: number;
  resLen: number;
}

/**
 * `sock_getaddrinfo`: resolves through the host (and the policy), then fills
 * the guest-built chain of addrinfo records, IPv4 results first.
 */
async function getaddrinfo(ctx: HostContext, net: GuestNetwork, call: AddrInfoCall): Promise<void> {
  const m = ctx.memory;
  m.check(call.hints, ADDRINFO_SIZE);
  m.check(call.resLen, 4);
  const flags = m.getU16(call.hints);
  const family = m.getU8(call.hints + 2);
  const socktype = m.getU8(call.hints + 3) || SockType.STREAM;
  const protocol = m.getU32(call.hints + 4) || (socktype === SockType.DGRAM ? Proto.UDP : Proto.TCP);
  let port = 0;
  if (call.service !== '') {
    port = servicePort(call.service) ?? -1;
    if (port < 0) throw new SysError('EINVAL', `unknown service ${call.service}`);
  }
  if (family !== WasmEdgeFamily.UNSPEC && family !== WasmEdgeFamily.INET4 && family !== WasmEdgeFamily.INET6) {
    throw new SysError('ENOTSUP', `family ${family}`);
  }
  const want = family === WasmEdgeFamily.INET4 ? 4 : family === WasmEdgeFamily.INET6 ? 6 : undefined;
  let addrs: string[];
  if (parseIpv4(call.node) !== undefined || parseIpv6(call.node) !== undefined) addrs = [call.node];
  // No node (POSIX getaddrinfo): the wildcard address with AI_PASSIVE, for
  // bind, else loopback; one address, IPv6 only when asked for. No lookup:
  // the policy judges the bind or connect that follows.
  else if (call.node === '') {
    const v6 = family === WasmEdgeFamily.INET6;
    addrs = [flags & AI_PASSIVE ? (v6 ? '::' : '0.0.0.0') : v6 ? '::1' : '127.0.0.1'];
  } else if (flags & AI_NUMERICHOST) throw new SysError('EINVAL', `${call.node} is not a numeric address`);
  // A missing name fills no record (the guest library then reports the
  // host as not found); a refusal or a failing resolver is its errno.
  else addrs = await net.lookup(call.node, want);
  const eps = addrs
    .map((a) => ipEndpoint(a, port))
    .filter((e) => want === undefined || e.family === want)
    .sort((a, b) => a.family - b.family);
  let rec = m.getU32(call.res);
  let filled = 0;
  for (const ep of eps) {
    if (filled >= call.max || rec === 0) break;
    m.check(rec, ADDRINFO_SIZE);
    m.setU8(rec + 2, ep.family === 4 ? WasmEdgeFamily.INET4 : WasmEdgeFamily.INET6);
    m.setU8(rec + 3, socktype);
    m.setU32(rec + 4, protocol);
    // As WasmEdge's host: the native ai_addrlen (sizeof sockaddr_in / _in6)
    // and no canonical name. WasmEdge's Rust crate skips records whose
    // ai_addrlen is 0; Go's library pre-fills its records and ignores both.
    m.setU32(rec + 8, ep.family === 4 ? 16 : 28);
    m.setU32(rec + 20, 0);
    const sa = m.getU32(rec + 12);
    m.setU8(sa, ep.family === 4 ? WasmEdgeFamily.INET4 : WasmEdgeFamily.INET6);
    const dataPtr = m.getU32(sa + 8);
    const data = m.bytes(dataPtr, SOCKADDR_DATA_SIZE);
    data.fill(0);
    data[0] = ep.port >> 8;
    data[1] = ep.port & 0xff;
    data.set((ep.family === 4 ? parseIpv4(ep.address) : parseIpv6(ep.address)) ?? [], 2);
    filled++;
    rec = m.getU32(rec + 24);
  }
  m.setU32(call.resLen, filled);
}
