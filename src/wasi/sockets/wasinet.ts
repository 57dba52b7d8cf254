import { EAGAIN, SysError, type Errno } from '../../internal/errno.ts';
import { formatEndpoint, parseIpv4, parseIpv6, type Endpoint } from '../../netdev/endpoint.ts';
import type { Received, SocketFamily } from '../../netdev/socket.ts';
import type { GuestNetwork } from '../../sockets/guest-network.ts';
import { hostFunction, valueFunction, type HostContext, type HostFunction } from '../host-function.ts';
import { MAX_HOST_NAME_BYTES, MAX_SERVICE_NAME_BYTES } from '../limits.ts';
import type { GuestMemory } from '../memory.ts';
import { settle } from '../preview1/fd.ts';
import { servicePort } from '../../sockets/services.ts';
import { connectWithin } from './connect-wait.ts';
import { SocketDescriptor, socketAt } from './socket-descriptor.ts';
import { SpinWait } from './spin-wait.ts';
import { WasinetFamily, decodeSockaddr, encodeSockaddr, hostFamily, iovecs16 } from './wasinet-address.ts';

// The `wasinet_v0` host module, as imported by github.com/egdaemon/wasinet
// (stdlib/wasip1syscall/wasinet.wasi.module.fn.go). Contract and the places
// where the guest differs from the library's own reference host:
// docs/abi/wasinet.md.

/** The import module name. */
export const WASINET = 'wasinet_v0';

/** wasinet socket types (Go wasip1's syscall.SOCK_*). */
const SockType = { STREAM: 1, DGRAM: 2 } as const;
/** Option names the guest sends (Linux numbers; the level varies and is ignored). */
const SO = { REUSEADDR: 2, ERROR: 4, BROADCAST: 6, RCVTIMEO: 20, SNDTIMEO: 21 } as const;
const ROFLAG_TRUNCATED = 1;
const IPV6_SIZE = 16;

const u32 = (v: number | bigint): number => (v as number) >>> 0;

/** Read and write deadlines set through SO_RCVTIMEO / SO_SNDTIMEO (performance.now() times). */
interface Deadlines {
  read?: number | undefined;
  write?: number | undefined;
}

/** The 15 `wasinet_v0` functions for one guest, over the same sockets as every other ABI. */
export function wasinet(ctx: HostContext, net: GuestNetwork): HostFunction[] {
  const m = (): GuestMemory => ctx.memory;
  const spin = new SpinWait();
  const deadlines = new WeakMap<SocketDescriptor, Deadlines>();
  const sock = (fd: number | bigint): SocketDescriptor => socketAt(ctx.fds, u32(fd));
  const socktypeOf = (d: SocketDescriptor): number => (d.socket.type === 'stream' ? SockType.STREAM : SockType.DGRAM);
  /** `--trace` text for the socket address at argument `i` (its length follows it). */
  const describeAt =
    (i: number) =>
    (args: readonly (number | bigint)[], mem: GuestMemory): string =>
      formatEndpoint(decodeSockaddr(mem, u32(args[i] ?? 0), u32(args[i + 1] ?? 0)));
  const describe = describeAt(1);

  return [
    valueFunction('sock_determine_host_af_family', 'af:u32', (af) => hostFamily(u32(af))),
    hostFunction('sock_open', 'af:u32 socktype:u32 proto:u32 fd_out:ptr', (af, type, _proto, out) => {
      m().check(u32(out), 4);
      const families: Record<number, SocketFamily> = {
        [WasinetFamily.INET]: 'ipv4',
        [WasinetFamily.INET6]: 'ipv6',
        [WasinetFamily.UNIX]: 'unix',
      };
      const family = families[u32(af)];
      if (family === undefined) throw new SysError('EAFNOSUPPORT', `address family ${u32(af)}`);
      const t = u32(type);
      if (t !== SockType.STREAM && t !== SockType.DGRAM) throw new SysError('EPROTOTYPE', `socket type ${t}`);
      m().setU32(u32(out), ctx.fds.adopt(new SocketDescriptor(net.open(family, t === SockType.STREAM ? 'stream' : 'dgram'))));
    }),
    hostFunction(
      'sock_bind',
      'fd:fd addr:ptr addr_len:u32',
      (fd, addr, len) => sock(fd).socket.bind(decodeSockaddr(m(), u32(addr), u32(len))),
      { suspending: true, describe },
    ),
    hostFunction(
      'sock_connect',
      'fd:fd addr:ptr addr_len:u32',
      (fd, addr, len) => {
        const d = sock(fd);
        return connectWithin(d, CONNECT_WAIT_MS, () => d.socket.connect(decodeSockaddr(m(), u32(addr), u32(len))));
      },
      { suspending: true, describe },
    ),
    hostFunction('sock_listen', 'fd:fd backlog:u32', (fd, backlog) => sock(fd).socket.listen(u32(backlog)), { suspending: true }),
    hostFunction(
      'sock_accept',
      'fd:fd nfd_out:ptr addr:ptr addr_len:u32',
      (fd, out, addr, len) => {
        const d = sock(fd);
        m().check(u32(out), 4);
        // A full fd table refuses before the connection leaves the queue
        // (and, as accept(2), whether or not one is waiting).
        ctx.fds.ensureRoom();
        return settle(
          spin.run(d, 'read', undefined, () => (ctx.fds.ensureRoom(), acceptLive(d))),
          (conn) => {
            const peer = safeRemote(conn);
            if (peer !== undefined && u32(addr) !== 0) encodeSockaddr(m(), u32(addr), u32(len), peer, socktypeOf(conn));
            m().setU32(u32(out), ctx.fds.adopt(conn));
          },
        );
      },
      { suspending: true },
    ),
    hostFunction('sock_getsockopt', 'fd:fd level:u32 name:u32 value:ptr value_len:u32', (fd, _level, name, value, len) => {
      const d = sock(fd);
      if (u32(len) < 4) throw new SysError('EINVAL', 'option buffer shorter than 4 bytes');
      m().check(u32(value), 4);
      switch (u32(name)) {
        case SO.ERROR: {
          // The guest ignores the value and ends its dial loop on the errno:
          // a failed connect is reported as this call's own error.
          const e = d.socket.takeError();
          if (e !== undefined) throw new SysError(e);
          return m().setU32(u32(value), 0);
        }
        case SO.REUSEADDR:
          return m().setU32(u32(value), d.socket.getOption('reuseaddr'));
        case SO.BROADCAST:
          return m().setU32(u32(value), d.socket.getOption('broadcast'));
        default:
          throw new SysError('ENOPROTOOPT', `socket option ${u32(name)}`);
      }
    }),
    hostFunction('sock_setsockopt', 'fd:fd level:u32 name:u32 value:ptr value_len:u32', (fd, _level, name, value, len) => {
      const d = sock(fd);
      switch (u32(name)) {
        case SO.REUSEADDR:
          return d.socket.setOption('reuseaddr', m().getU32(u32(value)));
        case SO.BROADCAST:
          return d.socket.setOption('broadcast', m().getU32(u32(value)));
        case SO.RCVTIMEO:
        case SO.SNDTIMEO: {
          if (u32(len) < 16) throw new SysError('EINVAL', 'timeval shorter than 16 bytes');
          const at = timeoutDeadline(m().getU64(u32(value)), m().getU64(u32(value) + 8));
          const dl = deadlines.get(d) ?? {};
          if (u32(name) === SO.RCVTIMEO) dl.read = at;
          else dl.write = at;
          deadlines.set(d, dl);
          return;
        }
        default:
          throw new SysError('ENOPROTOOPT', `socket option ${u32(name)}`);
      }
    }),
    hostFunction('sock_getlocaladdr', 'fd:fd addr:ptr addr_len:u32', (fd, addr, len) => {
      const d = sock(fd);
      encodeSockaddr(m(), u32(addr), u32(len), d.socket.localEndpoint(), socktypeOf(d));
    }),
    hostFunction('sock_getpeeraddr', 'fd:fd addr:ptr addr_len:u32', (fd, addr, len) => {
      const d = sock(fd);
      encodeSockaddr(m(), u32(addr), u32(len), d.socket.remoteEndpoint(), socktypeOf(d));
    }),
    hostFunction(
      'sock_recv_from',
      'fd:fd iovs:ptr iovs_len:u32 oob:ptr oob_len:u32 addr:ptr addr_len:u32 iflags:flags nread:ptr oflags:ptr',
      (fd, iovs, n, _oob, _oobLen, addr, addrLen, iflags, nread, oflags) => {
        const d = sock(fd);
        m().check(u32(nread), 4);
        m().check(u32(oflags), 4);
        const peek = (u32(iflags) & 1) !== 0;
        return settle(
          spin.run(d, 'read', deadlines.get(d)?.read, () => receive(d, iovecs16(m(), u32(iovs), u32(n)), peek)),
          (r) => {
            if (r.from !== undefined && u32(addr) !== 0 && u32(addrLen) >= 130)
              encodeSockaddr(m(), u32(addr), u32(addrLen), r.from, socktypeOf(d));
            m().setU32(u32(nread), r.n);
            m().setU32(u32(oflags), r.truncated ? ROFLAG_TRUNCATED : 0);
          },
        );
      },
      { suspending: true },
    ),
    hostFunction(
      'sock_send_to',
      'fd:fd iovs:ptr iovs_len:u32 oob:ptr oob_len:u32 addr:ptr addr_len:u32 flags:flags nwritten:ptr',
      (fd, iovs, n, _oob, _oobLen, addr, addrLen, _flags, out) => {
        const d = sock(fd);
        m().check(u32(out), 4);
        // The guest always passes an address, the peer's on connected
        // sockets: only an unconnected datagram socket uses it.
        const to = d.socket.type === 'dgram' && !connected(d) ? decodeSockaddr(m(), u32(addr), u32(addrLen)) : undefined;
        return settle(
          spin.run(d, 'write', deadlines.get(d)?.write, () => {
            const bufs = iovecs16(m(), u32(iovs), u32(n));
            // Write passes short counts to its caller: take streams whole.
            return to === undefined ? d.socket.send(bufs, undefined, true) : d.socket.send(bufs, to);
          }),
          (sent) => m().setU32(u32(out), sent),
        );
      },
      { suspending: true, describe: describeAt(5) },
    ),
    hostFunction('sock_shutdown', 'fd:fd how:flags', (fd, how) => {
      const d = sock(fd);
      const h = u32(how);
      if (h === 0 || h > 3) throw new SysError('EINVAL', `shutdown how=${h}`);
      if (h === 3) {
        // The guest's Close: tear the socket down now; fd_close may come much later (after GC).
        spin.forget(d);
        d.socket.closeConnection();
        return;
      }
      d.socket.shutdown((h & 1) !== 0, (h & 2) !== 0);
    }),
    hostFunction(
      'sock_getaddrip',
      'net:ptr net_len:u32 host:ptr host_len:u32 res:ptr res_max:u32 res_len:ptr',
      (netPtr, netLen, host, hostLen, res, max, out) => {
        const network = boundedString(m(), u32(netPtr), u32(netLen), MAX_SERVICE_NAME_BYTES);
        const name = boundedString(m(), u32(host), u32(hostLen), MAX_HOST_NAME_BYTES);
        m().check(u32(out), 4);
        const family = network === 'ip4' ? 4 : network === 'ip6' ? 6 : network === 'ip' ? undefined : null;
        if (family === null) throw new SysError('EINVAL', `network ${network}`);
        const literal = parseIpv4(name) !== undefined || parseIpv6(name) !== undefined;
        return settle(literal ? [name] : net.lookup(name, family), (addrs) => {
          const slots = Math.floor(u32(max) / IPV6_SIZE);
          const dst = m().bytes(u32(res), slots * IPV6_SIZE);
          let k = 0;
          for (const a of addrs) {
            if (k >= slots) break;
            const bytes = mapped(a);
            if (bytes === undefined) continue;
            dst.set(bytes, k * IPV6_SIZE);
            k++;
          }
          m().setU32(u32(out), k * IPV6_SIZE);
        });
      },
      { suspending: true },
    ),
    hostFunction('sock_getaddrport', 'net:ptr net_len:u32 service:ptr service_len:u32 port:ptr', (_net, _netLen, service, len, out) => {
      const name = boundedString(m(), u32(service), u32(len), MAX_SERVICE_NAME_BYTES);
      m().check(u32(out), 4);
      const port = servicePort(name);
      if (port === undefined) throw new SysError('EINVAL', `unknown service ${name}`);
      m().setU32(u32(out), port);
    }),
  ];
}

/**
 * How long a wasinet connect may hold the guest waiting for its outcome
 * before answering EINPROGRESS. The guest's EINPROGRESS path waits in
 * poll_oneoff, which Go's scheduler never reaches while another goroutine
 * spins on accept or read (Gosched keeps its run queue non-empty), so a
 * server and a client in one guest would starve. Finishing the connect here
 * avoids that path; loopback and LAN connects finish well within the bound.
 */
export const CONNECT_WAIT_MS = 250;

/** A name the guest passes (exact length, no NUL); EINVAL past `max` bytes, before decoding. */
function boundedString(m: GuestMemory, ptr: number, len: number, max: number): string {
  if (len > max) throw new SysError('EINVAL', `name of ${len} bytes (at most ${max})`);
  return m.string(ptr, len);
}

/** Most dead connections one sock_accept drops before answering EAGAIN (the backlog bounds the queue anyway). */
const MAX_DROPPED_PER_ACCEPT = 1024;

/**
 * The next queued connection that can still name its peer. The guest's
 * Accept asks for the peer address at once (InitConnection in
 * stdlib/wasip1net/fd.wasip1.go) and fails when it cannot have it, and
 * net/http's Serve stops serving on that error (it is not temporary).
 * A connection reset while it waited in the queue has lost its peer
 * address (Node forgets it once the socket is destroyed) and has nothing
 * left for the guest: it is dropped and the next one taken, as Go's own
 * accept loop silently skips a connection aborted before it was accepted
 * (ECONNABORTED). EAGAIN when none is left.
 */
function acceptLive(d: SocketDescriptor): SocketDescriptor {
  for (let i = 0; i < MAX_DROPPED_PER_ACCEPT; i++) {
    const conn = d.accept(0);
    if (safeRemote(conn) !== undefined) return conn;
    conn.close();
  }
  throw EAGAIN;
}

/**
 * Errnos with which a stream's recv reports that its connection died: a
 * reset, an abort, TCP giving up on an unreachable or silent peer.
 */
const CONNECTION_LOST: ReadonlySet<Errno> = new Set<Errno>([
  'ECONNRESET',
  'ECONNABORTED',
  'ENETRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
]);
const END_OF_STREAM: Received = { n: 0, truncated: false };

/**
 * A recv for the guest, whose stream Read (netFD.Read in
 * stdlib/wasip1net/fd.wasip1.go) returns a count of -1 with every error
 * but EAGAIN/EINTR. bufio.Reader panics on a negative count ("reader
 * returned negative count from Read"), which net/http's server recovers
 * from and logs per connection: every client that resets its connection
 * (wrk closing with a response unread, a browser tab closed) would crash
 * its handler goroutine. So a stream whose connection died reads as end
 * of stream (0 bytes, no error), which Read turns into (0, io.EOF). That is
 * what Linux answers from the next read after reporting the reset once;
 * bytes that arrived before the reset are still read first. Errors that
 * are not the connection's (EBADF, ENOTCONN) stay errors, and so does the
 * deadline's ETIMEDOUT, which SpinWait raises outside this call: Go needs
 * it as a timeout. Datagrams keep their errors: 0 bytes there is an empty
 * datagram, not an end.
 */
function receive(d: SocketDescriptor, bufs: Uint8Array[], peek: boolean): Received {
  try {
    return d.socket.recv(bufs, peek);
  } catch (err) {
    if (d.socket.type === 'stream' && err instanceof SysError && CONNECTION_LOST.has(err.errno)) return END_OF_STREAM;
    throw err;
  }
}

function connected(d: SocketDescriptor): boolean {
  return safeRemote(d) !== undefined;
}

function safeRemote(d: SocketDescriptor): Endpoint | undefined {
  try {
    return d.socket.remoteEndpoint();
  } catch {
    return undefined;
  }
}

/** An IP as 16 bytes, IPv4 mapped into IPv6 (::ffff:a.b.c.d), as the guest reads them. */
function mapped(address: string): Uint8Array | undefined {
  const v4 = parseIpv4(address);
  if (v4 === undefined) return parseIpv6(address);
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(v4, 12);
  return out;
}

/**
 * The deadline a wasinet timeval sets. The guest packs a duration as
 * {i64 seconds, i64 "usec"} where the second field actually carries
 * milliseconds; {0, 0} means no deadline (the guest sends the same for a
 * deadline of "now", which is indistinguishable), negative means passed.
 */
function timeoutDeadline(secRaw: bigint, msRaw: bigint): number | undefined {
  const sec = Number(BigInt.asIntN(64, secRaw));
  const ms = Number(BigInt.asIntN(64, msRaw));
  if (sec === 0 && ms === 0) return undefined;
  // The guest truncated the remaining time to whole milliseconds: one more
  // keeps the deadline from firing before the guest's own clock reaches it.
  return performance.now() + Math.max(0, sec * 1000 + ms + 1);
}
