import type { Errno } from '../internal/errno.ts';
import type { PollKind, Readiness } from '../internal/readiness.ts';
import type { Endpoint } from './endpoint.ts';

/** Address family of a socket. */
export type SocketFamily = 'ipv4' | 'ipv6' | 'unix';
/** Stream (TCP, Unix stream) or datagram (UDP). */
export type SocketType = 'stream' | 'dgram';

/** One received chunk: bytes copied into the caller's buffers. */
export interface Received {
  /** Bytes copied; 0 with `eof` means the peer closed its side. */
  n: number;
  /** The datagram was longer than the buffers (the rest is dropped). */
  truncated: boolean;
  /** Sender of a datagram (UDP); undefined for streams. */
  from?: Endpoint | undefined;
}

/** Socket options dialtone understands, by name. */
export type SocketOption = 'reuseaddr' | 'broadcast' | 'keepalive' | 'nodelay' | 'rcvbuf' | 'sndbuf';

/**
 * A non-blocking, readiness-based socket: the driver interface of the
 * design's `netdev` layer, in the spirit of BSD sockets with O_NONBLOCK.
 *
 * Calls never wait: they answer at once or throw `SysError` (EAGAIN when
 * the operation would block, EINPROGRESS for a connect under way). The few
 * steps that need the event loop before they can answer at all — binding a
 * UDP port, starting a TCP listener, connecting UDP — return a Promise; the
 * ABI layer suspends the guest on it. Readiness is level-triggered and
 * observable through {@link NetSocket.poll} / {@link NetSocket.onReady}.
 * Drivers know nothing of WASI numbering.
 */
export interface NetSocket {
  readonly family: SocketFamily;
  readonly type: SocketType;
  /** Binds to a local endpoint (TCP: recorded, used at listen / connect). */
  bind(ep: Endpoint): void | Promise<void>;
  /** Starts listening; the bound port (0 = any) is known when this settles. */
  listen(backlog: number): void | Promise<void>;
  /** Connects: streams throw EINPROGRESS and finish in the background; datagram sockets settle when connected. */
  connect(ep: Endpoint): void | Promise<void>;
  /** The next pending connection, or EAGAIN. */
  accept(): NetSocket;
  /** Copies received bytes into `bufs` (EAGAIN when none; n = 0 at end of stream). */
  recv(bufs: readonly Uint8Array[], peek: boolean): Received;
  /**
   * Queues bytes to send (copied); `to` for unconnected datagram sockets.
   * EAGAIN when the send queue is full. A stream socket may accept only part
   * of `bufs`, unless `whole` is set: then it takes all of it whenever the
   * queue has room at all (for ABIs whose guests cannot handle short writes).
   */
  send(bufs: readonly Uint8Array[], to?: Endpoint, whole?: boolean): number;
  /** Shuts down reading and/or writing. */
  shutdown(read: boolean, write: boolean): void;
  /** The pending error of a finished connect (SO_ERROR), cleared by reading it. */
  takeError(): Errno | undefined;
  localEndpoint(): Endpoint;
  /** The peer; ENOTCONN when not connected. */
  remoteEndpoint(): Endpoint;
  setOption(name: SocketOption, value: number): void;
  getOption(name: SocketOption): number;
  /** Level-triggered readiness. */
  poll(kind: PollKind): Readiness;
  /** Calls `wake` once when `poll(kind)` may have changed; returns a cancel function. */
  onReady(kind: PollKind, wake: () => void): () => void;
  /**
   * Datagram sockets: from now on each arriving datagram is passed to
   * `accept` with its sender and dropped, before it is queued or counted
   * for readiness, unless that returns true. Streams do not have it.
   */
  setReceiveFilter?(accept: ((from: Endpoint) => boolean) | undefined): void;
  /** Releases the socket; further calls fail with EBADF. Bytes already accepted are still sent, as after close(2). */
  close(): void;
  /** Settles once a closed socket has sent what it had accepted (or given up). */
  closed(): Promise<void>;
}

/** Creates sockets and resolves names: one per platform (Node, browser relay, memory). */
export interface NetDriver {
  /** A new unconnected socket; ENOTSUP / EAFNOSUPPORT for what the platform cannot do. */
  socket(family: SocketFamily, type: SocketType): NetSocket;
  /** Resolves a host name to textual addresses of `family` (4, 6, or both when undefined). */
  lookup(hostname: string, family?: 4 | 6): Promise<string[]>;
}
