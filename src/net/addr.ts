import { formatEndpoint, type Endpoint } from '../netdev/endpoint.ts';

/** Networks `dial`, `listen` and `listenPacket` take, as Go names them. */
export type StreamNetwork = 'tcp' | 'tcp4' | 'tcp6' | 'unix';
/** Datagram networks. */
export type PacketNetwork = 'udp' | 'udp4' | 'udp6';
/** WebSocket networks (`dial` only): a WebSocket used as a `Conn`. */
export type WebSocketNetwork = 'ws' | 'wss';
/** Every network name. */
export type NetworkName = StreamNetwork | PacketNetwork | WebSocketNetwork;

/**
 * A network endpoint, as Go's `net.Addr`: the network's name and the
 * address as text (`127.0.0.1:80`, `[::1]:53`, `/run/app.sock`; for `ws`
 * and `wss`, the URL).
 *
 * @see https://pkg.go.dev/net#Addr
 */
export interface Addr {
  readonly network: NetworkName;
  /** The IP address (`127.0.0.1`, `::1`), or undefined for Unix addresses. */
  readonly ip: string | undefined;
  /** The port, or 0 for Unix addresses. */
  readonly port: number;
  /** `host:port` with IPv6 in brackets, or the Unix path. */
  toString(): string;
}

/** An {@link Addr} for endpoint `ep` on `network`. */
export function addrOf(network: NetworkName, ep: Endpoint): Addr {
  const text = formatEndpoint(ep);
  return Object.freeze({
    network,
    ip: ep.kind === 'ip' ? ep.address : undefined,
    port: ep.kind === 'ip' ? ep.port : 0,
    toString: () => text,
  });
}
