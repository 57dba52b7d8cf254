import { lookup } from 'node:dns/promises';
import { SysError, toSysError } from '../../internal/errno.ts';
import type { NetDriver, NetSocket, SocketFamily, SocketType } from '../socket.ts';
import { NodeDatagramSocket } from './datagram.ts';
import { NodeStreamSocket } from './stream.ts';

/**
 * The Node.js driver: real sockets through `node:net` (TCP, Unix streams)
 * and `node:dgram` (UDP), names through `node:dns` (the system resolver, so
 * the machine's hosts file applies). Node has no Unix datagram sockets:
 * those are ENOTSUP.
 */
export class NodeDriver implements NetDriver {
  socket(family: SocketFamily, type: SocketType): NetSocket {
    if (type === 'stream') return new NodeStreamSocket(family);
    if (family === 'unix') throw new SysError('ENOTSUP', 'Node.js has no Unix datagram sockets');
    return new NodeDatagramSocket(family);
  }

  async lookup(hostname: string, family?: 4 | 6): Promise<string[]> {
    try {
      // Always one AF_UNSPEC getaddrinfo, filtered here: asking for one
      // family makes glibc go to DNS for a name the hosts file has only in
      // the other family, while AF_UNSPEC stops at the hosts file.
      const all = await lookup(hostname, { all: true, family: 0, order: 'ipv4first' });
      return all.filter((a) => family === undefined || a.family === family).map((a) => a.address);
    } catch (err) {
      throw toSysError(err);
    }
  }
}
