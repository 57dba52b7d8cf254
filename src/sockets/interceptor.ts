import type { Endpoint } from '../netdev/endpoint.ts';
import type { NetSocket, SocketType } from '../netdev/socket.ts';

/**
 * In-host services that answer some endpoints without a real socket (the
 * DNS stub): `intercept` returns a replacement socket for a connect to
 * `ep`, or undefined to let the driver handle it.
 */
export interface Interceptor {
  intercept(type: SocketType, ep: Endpoint): NetSocket | undefined;
}
