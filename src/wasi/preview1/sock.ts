import { SysError } from '../../internal/errno.ts';
import { Filetype, Rights, RoFlags, SdFlags } from '../constants.ts';
import type { Descriptor } from '../descriptor.ts';
import { hostFunction, type HostContext, type HostFunction } from '../host-function.ts';
import type { GuestMemory } from '../memory.ts';
import { untilReady } from './blocking.ts';
import { settle } from './fd.ts';
import { checkRights } from '../rights.ts';

const u32 = (v: number | bigint): number => (v as number) >>> 0;

/** The socket calls that preview 1 itself defines (accept, recv, send, shutdown). */
export function sock(ctx: HostContext): HostFunction[] {
  const { fds } = ctx;
  const m = (): GuestMemory => ctx.memory;
  /** A socket holding `needed`: ENOTSOCK for anything else first, as recv(2) and send(2) answer. */
  const socket = (fd: number | bigint, needed: bigint): Descriptor => {
    const d = fds.get(u32(fd));
    if (d.filetype !== Filetype.SOCKET_STREAM && d.filetype !== Filetype.SOCKET_DGRAM) throw new SysError('ENOTSOCK');
    checkRights(d, needed);
    return d;
  };
  return [
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#sock_accept
    hostFunction(
      'sock_accept',
      'fd:fd flags:flags fd_out:ptr',
      (fd, flags, out) => {
        const d = fds.get(u32(fd), Rights.SOCK_ACCEPT);
        m().check(u32(out), 4);
        return settle(
          // A full fd table refuses before the connection leaves the queue, as accept(2) does.
          untilReady(d, 'read', () => (fds.ensureRoom(), d.accept(u32(flags)))),
          (conn) => m().setU32(u32(out), fds.adopt(conn)),
        );
      },
      { suspending: true },
    ),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#sock_recv
    hostFunction(
      'sock_recv',
      'fd:fd ri_data:ptr ri_data_len:u32 ri_flags:flags ro_datalen:ptr ro_flags:ptr',
      (fd, iovs, n, riflags, lenOut, flagsOut) => {
        const d = socket(fd, Rights.FD_READ);
        m().check(u32(lenOut), 4);
        m().check(u32(flagsOut), 2);
        return settle(
          untilReady(d, 'read', () => d.recv(m().iovecs(u32(iovs), u32(n)), u32(riflags))),
          (r) => {
            m().setU32(u32(lenOut), r.n);
            m().setU16(u32(flagsOut), r.truncated ? RoFlags.RECV_DATA_TRUNCATED : 0);
          },
        );
      },
      { suspending: true },
    ),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#sock_send
    hostFunction(
      'sock_send',
      'fd:fd si_data:ptr si_data_len:u32 si_flags:flags so_datalen:ptr',
      (fd, iovs, n, siflags, out) => {
        const d = socket(fd, Rights.FD_WRITE);
        m().check(u32(out), 4);
        return settle(
          untilReady(d, 'write', () => d.send(m().iovecs(u32(iovs), u32(n)), u32(siflags))),
          (sent) => m().setU32(u32(out), sent),
        );
      },
      { suspending: true },
    ),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#sock_shutdown
    hostFunction('sock_shutdown', 'fd:fd how:flags', (fd, how) => {
      const h = u32(how);
      if (h === 0 || (h & ~(SdFlags.RD | SdFlags.WR)) !== 0) throw new SysError('EINVAL', `shutdown how=${h}`);
      fds.get(u32(fd), Rights.SOCK_SHUTDOWN).shutdown(h);
    }),
  ];
}
