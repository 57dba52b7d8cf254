/**
 * `dialtone/net`: Go's `net` package for TypeScript, over dialtone's
 * drivers and policy. Calls that wait return promises; errors are
 * {@link OpError}s with Go's messages and stable codes; the address helpers
 * behave as Go's do, checked against Go's own test tables.
 *
 * This entry (the `browser` condition) has no default network: make a
 * {@link Network} over a driver (`WispDriver` for a relay). On Node,
 * `dialtone/net` also exports `dial`, `listen`, ... over this machine's
 * sockets.
 * @module
 */
export { Network, type DialOptions, type NetworkOptions } from './network.ts';
export { Conn } from './conn.ts';
export { Listener } from './listener.ts';
export { PacketConn } from './packet-conn.ts';
export { Resolver, type ResolverOptions } from './resolver.ts';
export { OpError } from './errors.ts';
export type { Addr, NetworkName, PacketNetwork, StreamNetwork, WebSocketNetwork } from './addr.ts';
export type { Deadline } from './deadlines.ts';
export { IP, IPMask, IPNet, IPv4len, IPv6len, cidrMask, ipv4, ipv4Mask, parseCIDR, parseIP } from './ip.ts';
export { joinHostPort, splitHostPort } from './hostport.ts';
export { AddrError, ParseError } from './addr-errors.ts';
