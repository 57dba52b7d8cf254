/**
 * Contents of the virtual /etc/resolv.conf and /etc/hosts shown to guests.
 * Go's pure-Go resolver (the only one a wasip1 guest has) reads both.
 */
import { ipFamily } from '../netdev/endpoint.ts';

/** Options of {@link resolvConf}; the defaults suit the stub. */
export interface ResolvConfOptions {
  /**
   * Seconds a guest waits for one answer before trying again (default 10;
   * Go's own default is 5). Longer than the stub's lookup deadline, so a
   * slow host lookup reaches the guest as SERVFAIL, not a timeout.
   */
  readonly timeoutSeconds?: number | undefined;
  /** Tries per name (default 2, Go's default); a retry covers a dropped datagram. */
  readonly attempts?: number | undefined;
  /**
   * Search domains (default none). Without any, every name is sent once as
   * given, and the host's resolver applies the host's own search list.
   */
  readonly search?: readonly string[] | undefined;
}

/** Default for {@link ResolvConfOptions.timeoutSeconds}. */
export const RESOLV_CONF_TIMEOUT_SECONDS = 10;
/** Default for {@link ResolvConfOptions.attempts}. */
export const RESOLV_CONF_ATTEMPTS = 2;

const DOMAIN = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?$/;

/**
 * A resolv.conf naming `nameserver` (an IPv4 or IPv6 literal; guests always
 * use port 53) and nothing else, e.g.
 *
 * ```
 * nameserver 10.0.0.53
 * options ndots:1 timeout:10 attempts:2
 * ```
 *
 * `ndots:1` (the default, stated for clarity) sends a dotted name as is
 * first. No `search` line by default: with none, Go would derive one from
 * the guest's host name, which has no domain, so a name is sent once.
 *
 * @throws {TypeError} if `nameserver` is not an IP literal, a search domain
 * is not a domain name, or a number is out of range.
 */
export function resolvConf(nameserver: string, options: ResolvConfOptions = {}): string {
  if (ipFamily(nameserver) === 0 || nameserver.includes('%'))
    throw new TypeError(`resolvConf: nameserver must be an IP address, got ${nameserver}`);
  const timeout = options.timeoutSeconds ?? RESOLV_CONF_TIMEOUT_SECONDS;
  const attempts = options.attempts ?? RESOLV_CONF_ATTEMPTS;
  // Go clamps timeout to >= 1 and attempts to >= 1; glibc caps them at 30 and 5.
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 30)
    throw new TypeError(`resolvConf: timeoutSeconds must be 1-30, got ${timeout}`);
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 5) throw new TypeError(`resolvConf: attempts must be 1-5, got ${attempts}`);
  const lines = [`nameserver ${nameserver}`];
  const search = options.search ?? [];
  if (search.length > 0) {
    for (const d of search)
      if (!DOMAIN.test(d) || d.length > 253) throw new TypeError(`resolvConf: bad search domain ${JSON.stringify(d)}`);
    lines.push(`search ${search.join(' ')}`);
  }
  lines.push(`options ndots:1 timeout:${timeout} attempts:${attempts}`);
  return `${lines.join('\n')}\n`;
}

/** One line of a hosts file. */
export interface HostsEntry {
  /** An IPv4 or IPv6 literal. */
  readonly address: string;
  /** Host names for `address`, the canonical one first. */
  readonly names: readonly string[];
}

/** The entries every guest's /etc/hosts has. */
export const LOCALHOST_ENTRIES: readonly HostsEntry[] = [
  { address: '127.0.0.1', names: ['localhost'] },
  { address: '::1', names: ['localhost', 'ip6-localhost', 'ip6-loopback'] },
];

/**
 * A hosts file: the localhost entries, then `extra`. Go consults it before
 * DNS (with no /etc/nsswitch.conf its order is "files, dns"), so `localhost`
 * never reaches the stub.
 *
 * @throws {TypeError} if an address is not an IP literal or a name is not a
 * host name (which also keeps newlines and `#` out of the file).
 */
export function hostsFile(extra: readonly HostsEntry[] = []): string {
  const lines = ['# dialtone: the guest view of /etc/hosts'];
  for (const e of [...LOCALHOST_ENTRIES, ...extra]) {
    if (ipFamily(e.address) === 0) throw new TypeError(`hostsFile: ${JSON.stringify(e.address)} is not an IP address`);
    if (e.names.length === 0) throw new TypeError(`hostsFile: no names for ${e.address}`);
    for (const n of e.names) if (!DOMAIN.test(n) || n.length > 253) throw new TypeError(`hostsFile: bad host name ${JSON.stringify(n)}`);
    lines.push(`${e.address}\t${e.names.join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}
