import { SysError } from '../../internal/errno.ts';
import type { NetDriver, NetSocket, SocketFamily, SocketType } from '../socket.ts';
import { MemoryDatagramSocket } from './datagram.ts';
import { HostsTable, type Hosts } from './hosts.ts';
import { PortTable } from './ports.ts';
import { MemoryStreamSocket } from './stream.ts';

/** Options for a {@link MemoryNetwork}. */
export interface MemoryNetworkOptions {
  /**
   * The names {@link MemoryNetwork.lookup} answers, name → addresses
   * (`{ 'api.test': ['10.0.0.2'] }`); `localhost` answers 127.0.0.1 and
   * ::1 unless listed. Other names are not found (ENOTFOUND).
   * @throws {TypeError} from the constructor for an address that is not an IP literal.
   */
  hosts?: Hosts;
}

/**
 * A virtual network inside one process or page: a {@link NetDriver} whose
 * sockets reach each other without the operating system — a Go HTTP
 * server guest and a Go HTTP client guest given the same instance talk to
 * each other, and so can TypeScript code holding its sockets. Nothing
 * here imports from Node; it runs in browsers as it does in Node.
 *
 * One instance is one flat network: every IP address is this host, so a
 * socket may bind any unicast address (10.0.0.2 as well as 127.0.0.1) and
 * a connect or send to an address reaches whoever is bound there (or to a
 * wildcard covering it). Hand the same instance to several guests to put
 * them on one network; separate instances never meet.
 *
 * - TCP-like streams ({@link MemoryStreamSocket}) and UDP-like datagrams
 *   ({@link MemoryDatagramSocket}), IPv4 and IPv6 (an IPv6 socket is
 *   dual-stack: it reaches and is reached by IPv4 addresses, seen as
 *   `::ffff:a.b.c.d`). Unix sockets are EAFNOSUPPORT: guest Unix paths
 *   reach a driver as host paths through the guest's preopened
 *   directories, which a network inside the process does not share.
 * - Ports: TCP and UDP have separate port spaces; binds conflict
 *   (EADDRINUSE) per {@link PortTable} — the same address, or a wildcard
 *   and an address it covers (`0.0.0.0`: IPv4; `::`: all) — with no
 *   SO_REUSEADDR sharing. Port 0 picks an ephemeral port from 49152-65535,
 *   in order. EADDRNOTAVAIL: binding a multicast or broadcast address, or
 *   no ephemeral port left for the implicit bind of a connect or send.
 * - Names: from the hosts table given to the constructor only.
 * - Wake-ups (onReady) are never called inside the call that caused them:
 *   they run in a later microtask; connects complete in a later microtask.
 * - Options (`setOption`) are remembered and read back; none changes
 *   behaviour.
 */
export class MemoryNetwork implements NetDriver {
  readonly #tcp = new PortTable<MemoryStreamSocket>();
  readonly #udp = new PortTable<MemoryDatagramSocket>();
  readonly #hosts: HostsTable;

  constructor(options: MemoryNetworkOptions = {}) {
    this.#hosts = new HostsTable(options.hosts);
  }

  /** A new socket on this network; EAFNOSUPPORT for Unix sockets. */
  socket(family: SocketFamily, type: SocketType): NetSocket {
    if (family === 'unix') throw new SysError('EAFNOSUPPORT', 'a memory network has no Unix sockets');
    return type === 'stream' ? new MemoryStreamSocket(family, this.#tcp) : new MemoryDatagramSocket(family, this.#udp);
  }

  /**
   * The addresses of `hostname` from the hosts table, IPv4 first, of
   * `family` (both when undefined; `[]` when none of it). An unknown name
   * rejects with SysError ENOENT, code ENOTFOUND.
   */
  async lookup(hostname: string, family?: 4 | 6): Promise<string[]> {
    return this.#hosts.lookup(hostname, family);
  }

  /** How many ports are bound (TCP and UDP): sockets not yet closed hold theirs. */
  get boundPorts(): { tcp: number; udp: number } {
    return { tcp: this.#tcp.size, udp: this.#udp.size };
  }
}
