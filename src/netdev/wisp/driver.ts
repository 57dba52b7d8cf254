import { DialtoneError } from '../../errors.ts';
import { SysError } from '../../internal/errno.ts';
import { ipv4ToString, parseIpv4 } from '../endpoint.ts';
import type { NetDriver, NetSocket, SocketFamily, SocketType } from '../socket.ts';
import { WispConnection } from './connection.ts';
import { WispDatagramSocket } from './datagram.ts';
import { WispStreamSocket } from './stream.ts';

/**
 * The range stand-in addresses come from: 198.18.0.0/15, reserved for
 * benchmarking (RFC 2544) and never routed, so a stand-in cannot be
 * mistaken for a real destination.
 */
export const STAND_IN_NETWORK = '198.18.0.0/15';
const STAND_IN_BASE = (198 << 24) | (18 << 16);
const STAND_IN_COUNT = 1 << 17;

/**
 * A driver that sends every socket through a Wisp relay
 * (https://github.com/MercuryWorkshop/wisp-protocol) over one WebSocket.
 *
 * Names: the relay resolves them, not this machine. {@link lookup} answers
 * each name with a stand-in IPv4 address from {@link STAND_IN_NETWORK}
 * (no IPv6); a connect to a stand-in asks the relay for the name itself, so
 * the relay resolves it, judges the result and connects to what it judged.
 * The guest's policy sees the stand-in as the name's address, so rules
 * naming hosts apply as they do with the Node driver.
 *
 * Listening: TCP sockets listen at the relay when it offers dialtone's
 * listening extension (`dialtone relay --allow-listen`;
 * docs/wisp-extensions.md), and are ENOTSUP with any other relay.
 */
export class WispDriver implements NetDriver {
  readonly connection: WispConnection;
  readonly #names = new Map<string, string>();
  readonly #addresses = new Map<string, string>();
  #next = 1;

  /** `url` is the relay's endpoint, `ws://HOST:PORT/` (wss too); `version` 1 skips the v2 handshake. */
  constructor(url: string, options: { version?: 1 | 2 } = {}) {
    this.connection = new WispConnection(url, options.version);
  }

  socket(family: SocketFamily, type: SocketType): NetSocket {
    if (family === 'unix') throw new SysError('EAFNOSUPPORT', 'Unix sockets cannot go through a relay');
    const hostFor = (address: string): string => this.#names.get(address) ?? address;
    return type === 'stream'
      ? new WispStreamSocket(family, this.connection, hostFor)
      : new WispDatagramSocket(family, this.connection, hostFor);
  }

  async lookup(hostname: string, family?: 4 | 6): Promise<string[]> {
    if (parseIpv4(hostname) !== undefined) return family === 6 ? [] : [hostname];
    if (family === 6) return [];
    const name = hostname.toLowerCase().replace(/\.$/, '');
    let address = this.#addresses.get(name);
    if (address === undefined) {
      // Reuse the oldest stand-in once the range is used up.
      const n = STAND_IN_BASE + (this.#next++ % STAND_IN_COUNT);
      address = ipv4ToString(new Uint8Array([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]));
      const old = this.#names.get(address);
      if (old !== undefined) this.#addresses.delete(old);
      this.#names.set(address, name);
      this.#addresses.set(name, address);
    }
    return [address];
  }

  /** Opens the relay connection now: rejects with a clear message when the relay cannot be reached. */
  async check(): Promise<void> {
    await this.connection.ready();
  }

  /**
   * A driver whose relay connection is open: rejects with `DialtoneError`
   * ERR_RELAY, saying why, when the relay cannot be reached.
   */
  static async open(url: string, options: { version?: 1 | 2 } = {}): Promise<WispDriver> {
    const driver = new WispDriver(url, options);
    try {
      await driver.check();
    } catch (err) {
      driver.close();
      throw new DialtoneError('ERR_RELAY', (err as Error).message, { cause: err });
    }
    return driver;
  }

  /** Closes the relay connection. */
  close(): void {
    this.connection.shutdown();
  }
}
