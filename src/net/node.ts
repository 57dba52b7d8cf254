/**
 * `dialtone/net` on Node.js: Go's `net` functions over this machine's
 * sockets (the Node driver). They allow everything, as the host's own code
 * may; make a {@link Network} with a policy to restrict them, or over
 * another driver (a relay, an in-memory network).
 * @module
 */
import { NodeDriver } from '../netdev/node/driver.ts';
import type { PacketNetwork, StreamNetwork, WebSocketNetwork } from './addr.ts';
import type { Conn } from './conn.ts';
import type { Listener } from './listener.ts';
import { Network, type DialOptions } from './network.ts';
import type { PacketConn } from './packet-conn.ts';

export * from './index.ts';

/** The network the functions below use: Node's sockets, everything allowed. */
export const defaultNetwork: Network = new Network({ driver: new NodeDriver() });

/** Go's `net.Dial` on {@link defaultNetwork}: see {@link Network.dial}. */
export function dial(network: StreamNetwork | PacketNetwork | WebSocketNetwork, address: string, options?: DialOptions): Promise<Conn> {
  return defaultNetwork.dial(network, address, options);
}

/** Go's `net.Listen` on {@link defaultNetwork}: see {@link Network.listen}. */
export function listen(network: StreamNetwork, address: string): Promise<Listener> {
  return defaultNetwork.listen(network, address);
}

/** Go's `net.ListenPacket` on {@link defaultNetwork}: see {@link Network.listenPacket}. */
export function listenPacket(network: PacketNetwork, address: string): Promise<PacketConn> {
  return defaultNetwork.listenPacket(network, address);
}

/** Go's `net.LookupHost` through the system resolver: see {@link Network.lookupHost}. */
export function lookupHost(host: string): Promise<string[]> {
  return defaultNetwork.lookupHost(host);
}

/** Go's `Resolver.LookupIP` through the system resolver: see {@link Network.lookupIP}. */
export function lookupIP(network: 'ip' | 'ip4' | 'ip6', host: string): Promise<string[]> {
  return defaultNetwork.lookupIP(network, host);
}

/** Go's `net.LookupPort`: see {@link Network.lookupPort}. */
export function lookupPort(network: Parameters<Network['lookupPort']>[0], service: string): number {
  return defaultNetwork.lookupPort(network, service);
}
