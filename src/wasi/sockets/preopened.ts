import { constants as osConstants } from 'node:os';
import { getSystemErrorMap } from 'node:util';
import { DialtoneError } from '../../errors.ts';
import { SysError } from '../../internal/errno.ts';
import { formatEndpoint, ipEndpoint, parseIpv4, parseIpv6, type Endpoint } from '../../netdev/endpoint.ts';
import { FdFlags } from '../constants.ts';
import type { WasiHost } from '../host.ts';
import { SocketDescriptor } from './socket-descriptor.ts';

/** "connection refused" for ECONNREFUSED: the system's own wording. */
function describeErrno(errno: string): string {
  const n = (osConstants.errno as Record<string, number | undefined>)[errno];
  return (n === undefined ? undefined : getSystemErrorMap().get(-n)?.[1]) ?? errno;
}

/** Parses `host:port`, `[v6]:port` or an absolute Unix path. */
export function parseSocketAddress(spec: string): Endpoint {
  if (spec.startsWith('/')) return { kind: 'unix', path: spec };
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(spec);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (m === null || host === undefined || port > 65535) {
    throw new DialtoneError('ERR_USAGE', `${spec}: expected HOST:PORT, [IPv6]:PORT or /unix/path`);
  }
  const address = host === '' || host === 'localhost' ? '127.0.0.1' : host;
  if (parseIpv4(address) === undefined && parseIpv6(address) === undefined) {
    throw new DialtoneError('ERR_USAGE', `${spec}: the host must be an IP address (or localhost)`);
  }
  return ipEndpoint(address, port);
}

/**
 * Creates the preopened sockets (`--listen`, `--dial`) and appends them to
 * the fd table after stdio and the preopened directories: stream sockets,
 * NONBLOCK, answering ENOTDIR to `fd_prestat_get`, as Go's
 * `net.FileListener` / `net.FileConn` expect. They bypass the policy: the
 * person who started the guest asked for them. A malformed address is
 * `ERR_USAGE`; one that cannot be listened on or connected to is
 * `ERR_PREOPEN_SOCKET` (not a usage error: the command line was right).
 */
export async function preopenSockets(host: WasiHost, listen: readonly string[], dial: readonly string[]): Promise<void> {
  const driver = host.network.driver;
  for (const spec of listen) {
    const ep = parseSocketAddress(spec);
    const s = driver.socket(ep.kind === 'unix' ? 'unix' : ep.family === 6 ? 'ipv6' : 'ipv4', 'stream');
    try {
      s.bind(ep);
      await s.listen(128);
    } catch (err) {
      s.close();
      // Node's message already names the errno ("listen EADDRINUSE: address already in use ...").
      throw new DialtoneError(
        'ERR_PREOPEN_SOCKET',
        `--listen ${spec}: ${err instanceof SysError ? err.message.replace(/^E[A-Z]+: /, '') : String(err)}`,
      );
    }
    host.fds.add(new SocketDescriptor(host.network.adopt(s), { preopened: true, fdflags: FdFlags.NONBLOCK }));
  }
  for (const spec of dial) {
    const ep = parseSocketAddress(spec);
    const s = driver.socket(ep.kind === 'unix' ? 'unix' : ep.family === 6 ? 'ipv6' : 'ipv4', 'stream');
    try {
      s.connect(ep);
    } catch (err) {
      if (!(err instanceof SysError && err.errno === 'EINPROGRESS')) throw err;
    }
    while (!s.poll('write').ready) await new Promise<void>((resolve) => s.onReady('write', resolve));
    const failed = s.takeError();
    if (failed !== undefined) {
      s.close();
      throw new DialtoneError('ERR_PREOPEN_SOCKET', `--dial ${formatEndpoint(ep)}: ${failed} (${describeErrno(failed)})`);
    }
    host.fds.add(new SocketDescriptor(host.network.adopt(s), { preopened: true, fdflags: FdFlags.NONBLOCK }));
  }
}
