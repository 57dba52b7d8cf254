import { SysError } from '../../internal/errno.ts';
import { ipFamily } from '../endpoint.ts';

/** Host names and their addresses: `{ 'api.test': ['10.0.0.2', 'fd00::2'] }`. */
export type Hosts = Readonly<Record<string, readonly string[]>>;

const LOCALHOST: readonly string[] = ['127.0.0.1', '::1'];

/**
 * The names a memory network resolves, as a hosts file would: exactly
 * the names given (case-insensitive, a trailing dot ignored), plus
 * `localhost` and names under `.localhost` (RFC 6761), which answer
 * 127.0.0.1 and ::1 unless the table lists them itself. Nothing is asked
 * of any other resolver.
 */
export class HostsTable {
  readonly #names = new Map<string, readonly string[]>();

  /** @throws {TypeError} for an empty name or an address that is not an IP literal. */
  constructor(hosts: Hosts = {}) {
    for (const [name, addresses] of Object.entries(hosts)) {
      const key = normalize(name);
      if (key === '') throw new TypeError('memory network hosts: empty host name');
      const bad = addresses.find((a) => ipFamily(a) === 0);
      if (bad !== undefined) throw new TypeError(`memory network hosts: ${name}: ${bad} is not an IP address`);
      // IPv4 first, as the Node driver orders a lookup's answers.
      this.#names.set(key, [...addresses.filter((a) => ipFamily(a) === 4), ...addresses.filter((a) => ipFamily(a) === 6)]);
    }
  }

  /**
   * The addresses of `hostname` of `family` (both when undefined); `[]`
   * when it has none of that family. An IP literal answers itself. A name
   * not in the table rejects with a SysError ENOENT whose `code` is
   * ENOTFOUND (what `isNameNotFound` in dns/resolver.ts reads), as a
   * failed Node lookup does.
   */
  lookup(hostname: string, family?: 4 | 6): string[] {
    const literal = ipFamily(hostname);
    if (literal !== 0) return family === undefined || family === literal ? [hostname] : [];
    const key = normalize(hostname);
    const found = this.#names.get(key) ?? (key === 'localhost' || key.endsWith('.localhost') ? LOCALHOST : undefined);
    if (found === undefined) throw new SysError('ENOENT', `${hostname} is not a host on this memory network`, 'ENOTFOUND');
    return found.filter((a) => family === undefined || ipFamily(a) === family);
  }
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
