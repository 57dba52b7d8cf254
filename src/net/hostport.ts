// `host:port` text as Go's `net` package splits and joins it, with Go's error
// texts. Neither function resolves or validates the host or the port: they
// only place the brackets and the last colon.
import { AddrError } from './addr-errors.ts';

const MISSING_PORT = 'missing port in address';
const TOO_MANY_COLONS = 'too many colons in address';

/**
 * Splits `host:port`, `host%zone:port`, `[host]:port` or
 * `[host%zone]:port` into host (brackets removed) and port, as Go's
 * `net.SplitHostPort`. The port is everything after the last colon (it may be
 * empty or a service name); the host may be empty (`:80`). A literal IPv6
 * host must be in brackets. Throws an {@link AddrError} with Go's text,
 * `address ${hostport}: ${why}`, where `why` is one of `missing port in
 * address`, `too many colons in address`, `missing ']' in address`,
 * `unexpected '[' in address` and `unexpected ']' in address`.
 *
 * @see https://pkg.go.dev/net#SplitHostPort
 */
export function splitHostPort(hostport: string): [host: string, port: string] {
  const fail = (why: string): AddrError => new AddrError(why, hostport);
  const colon = hostport.lastIndexOf(':');
  if (colon < 0) throw fail(MISSING_PORT);

  let host: string;
  let noOpenFrom = 0; // no '[' may appear from here on
  let noCloseFrom = 0; // no ']' may appear from here on
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0) throw fail("missing ']' in address");
    // The ']' must be followed by the last colon, and nothing else.
    if (close + 1 === hostport.length) throw fail(MISSING_PORT);
    if (close + 1 !== colon) throw fail(hostport[close + 1] === ':' ? TOO_MANY_COLONS : MISSING_PORT);
    host = hostport.slice(1, close);
    noOpenFrom = 1;
    noCloseFrom = close + 1;
  } else {
    host = hostport.slice(0, colon);
    if (host.includes(':')) throw fail(TOO_MANY_COLONS);
  }
  if (hostport.includes('[', noOpenFrom)) throw fail("unexpected '[' in address");
  if (hostport.includes(']', noCloseFrom)) throw fail("unexpected ']' in address");
  return [host, hostport.slice(colon + 1)];
}

/**
 * Joins host and port into `host:port`, as Go's `net.JoinHostPort`; a host
 * with a colon (a literal IPv6 address) goes in brackets: `[::1]:80`.
 * Neither part is checked.
 *
 * @see https://pkg.go.dev/net#JoinHostPort
 */
export function joinHostPort(host: string, port: string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
