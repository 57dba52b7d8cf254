/**
 * The ports of one protocol on a memory network: who is bound where, who
 * receives what is sent to an address and port, and the ephemeral ports.
 * @module
 */
import { SysError, type Errno } from '../../internal/errno.ts';
import { covers, overlaps } from './address.ts';

/** The first ephemeral port (Linux's `ip_local_port_range` is 32768-60999; this is IANA's 49152-65535). */
export const EPHEMERAL_FIRST = 49152;
/** The last ephemeral port. */
export const EPHEMERAL_LAST = 65535;

/** One socket's hold on an address (canonical) and port; given back with {@link PortTable.release}. */
export interface PortBinding<T> {
  readonly address: string;
  readonly port: number;
  readonly owner: T;
}

/**
 * The bindings of one protocol (TCP or UDP: they have separate port
 * spaces, as on Linux). Two bindings of one port conflict (EADDRINUSE)
 * when their addresses overlap: the same address, or a wildcard and an
 * address it covers — `0.0.0.0` covers every IPv4 address and `::` every
 * address (a dual-stack socket, as Linux binds `::` by default). This is
 * Linux without SO_REUSEADDR / SO_REUSEPORT sharing; those options are
 * remembered but grant nothing. So at most one binding receives for any
 * address and port.
 *
 * Port 0 picks the next free ephemeral port, in order from
 * {@link EPHEMERAL_FIRST} and wrapping after {@link EPHEMERAL_LAST}
 * (deterministic: a fresh network hands out 49152, 49153, ...).
 */
export class PortTable<T> {
  readonly #ports = new Map<number, PortBinding<T>[]>();
  #next = EPHEMERAL_FIRST;

  /**
   * Binds `owner` to a canonical `address` and `port` (0: an ephemeral
   * port). EADDRINUSE when taken; when every ephemeral port is taken,
   * `exhausted` (EADDRINUSE for bind, as Linux; EADDRNOTAVAIL for the
   * implicit bind of a connect or send).
   */
  bind(address: string, port: number, owner: T, exhausted: Errno = 'EADDRINUSE'): PortBinding<T> {
    if (port === 0) port = this.#ephemeral(address, exhausted);
    else if (this.#taken(address, port)) throw new SysError('EADDRINUSE', `port ${port} of ${address} is in use`);
    const b: PortBinding<T> = { address, port, owner };
    const list = this.#ports.get(port);
    if (list === undefined) this.#ports.set(port, [b]);
    else list.push(b);
    return b;
  }

  /** Gives a binding back (once; later calls do nothing). */
  release(b: PortBinding<T>): void {
    const list = this.#ports.get(b.port);
    if (list === undefined) return;
    const i = list.indexOf(b);
    if (i === -1) return;
    list.splice(i, 1);
    if (list.length === 0) this.#ports.delete(b.port);
  }

  /** Who receives what is sent to a canonical `address` and `port`, if anyone. */
  route(address: string, port: number): T | undefined {
    return this.#ports.get(port)?.find((b) => covers(b.address, address))?.owner;
  }

  /** Bindings held: for tests and diagnostics. */
  get size(): number {
    let n = 0;
    for (const list of this.#ports.values()) n += list.length;
    return n;
  }

  #taken(address: string, port: number): boolean {
    return this.#ports.get(port)?.some((b) => overlaps(b.address, address)) ?? false;
  }

  #ephemeral(address: string, exhausted: Errno): number {
    const count = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1;
    for (let i = 0; i < count; i++) {
      const port = this.#next;
      this.#next = port === EPHEMERAL_LAST ? EPHEMERAL_FIRST : port + 1;
      if (!this.#taken(address, port)) return port;
    }
    throw new SysError(exhausted, `no ephemeral port left for ${address}`);
  }
}
