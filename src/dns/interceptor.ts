import type { Endpoint } from '../netdev/endpoint.ts';
import type { NetSocket, SocketType } from '../netdev/socket.ts';
import type { Interceptor } from '../sockets/interceptor.ts';
import { DnsStubSocket } from './stub-socket.ts';
import type { DnsStub } from './stub.ts';

/**
 * The address of the guests' nameserver: the virtual /etc/resolv.conf names
 * it, and connects to it (UDP or TCP, port 53) are answered by the host's
 * {@link DnsStub} instead of a real server. A loopback address, so that
 * nothing addressed to it could leave the machine even if it escaped.
 */
export const STUB_NAMESERVER = '127.0.0.53';

/** Routes connects to {@link STUB_NAMESERVER}:53 to an in-host DNS stub socket. */
export class DnsInterceptor implements Interceptor {
  readonly #stub: DnsStub;
  constructor(stub: DnsStub) {
    this.#stub = stub;
  }
  intercept(type: SocketType, ep: Endpoint): NetSocket | undefined {
    if (ep.kind !== 'ip' || ep.port !== 53 || ep.address !== STUB_NAMESERVER) return undefined;
    return new DnsStubSocket(type, 'ipv4', this.#stub);
  }
}
