/**
 * The socket model: one guest's network (policy, socket cap, DNS
 * interception, Unix path mapping, name lookups) over a `netdev` driver,
 * with no WASI in it. The WASI socket ABIs (`src/wasi/sockets/`) are
 * adapters over it; a TypeScript networking API can use it the same way.
 * Nothing here imports `src/wasi/` or `node:*`.
 */
export { GuestNetwork, DEFAULT_MAX_SOCKETS, type GuestNetworkOptions } from './guest-network.ts';
export { GuestSocket, type SocketGuard } from './guest-socket.ts';
export type { HostUnixPath, UnixPathMapper } from './host-unix-path.ts';
export type { Interceptor } from './interceptor.ts';
export { RecentPeers, DEFAULT_MAX_RECENT_PEERS, DEFAULT_RECENT_PEER_TTL_MS } from './recent-peers.ts';
export { SERVICE_PORTS, servicePort } from './services.ts';
