/**
 * A WebSocket (the platform's global `WebSocket`: browsers, Node 24) as a
 * byte stream under a `Conn`: the `ws` and `wss` networks of dialtone/net.
 *
 * - Binary messages carry the bytes; a text message is read as its UTF-8
 *   bytes. Message boundaries are not kept (a `Conn` is a stream): each
 *   write sends its bytes as one binary message, split past
 *   {@link MAX_WS_MESSAGE}.
 * - Sending backpressure: writes wait while the WebSocket has
 *   {@link WS_SEND_HIGH_WATER} bytes or more buffered (`bufferedAmount`;
 *   the API has no drain event, so it is looked at again every few ms).
 * - Receiving cannot be paused through the WebSocket API: past
 *   {@link WS_RECEIVE_LIMIT} unread bytes the connection is closed (1009)
 *   and reads fail with ENOBUFS, rather than buffering without bound.
 * - A WebSocket cannot half-close: `closeWrite` is ENOTSUP. `close` sends a
 *   close frame (1000); a close from the peer with 1000 (or 1001, 1005) is
 *   the end of the stream, any other code or a failure ECONNRESET.
 * @module
 */
import { WebSocketDrain } from '../netdev/websocket-drain.ts';
import { EAGAIN, SysError, type Errno } from '../internal/errno.ts';
import type { PollKind, Readiness } from '../internal/readiness.ts';
import { ipEndpoint, type Endpoint } from '../netdev/endpoint.ts';
import type { NetSocket, Received, SocketOption } from '../netdev/socket.ts';
import { Waiters } from '../netdev/waiters.ts';

/** Bytes buffered by the WebSocket at or above which writes wait. */
export const WS_SEND_HIGH_WATER = 1024 * 1024;
/** The largest message one write sends; longer writes are split. */
export const MAX_WS_MESSAGE = 1024 * 1024;
/** Unread received bytes past which the connection is closed (1009) and reads fail with ENOBUFS. */
export const WS_RECEIVE_LIMIT = 16 * 1024 * 1024;
/** How long a closing WebSocket may take to send what it had buffered and finish the close handshake. */
const CLOSE_LINGER_MS = 2000;
/** Close codes that end the stream normally: normal closure, going away, no status. */
const NORMAL_CLOSE = new Set([1000, 1001, 1005]);

/** The driver-socket face of one open WebSocket (see the module comment). */
export class WebSocketSocket implements NetSocket {
  readonly family = 'ipv4';
  readonly type = 'stream';
  readonly #ws: WebSocket;
  readonly #remote: Endpoint;
  readonly #chunks: Uint8Array[] = [];
  #offset = 0;
  #queued = 0;
  /** The peer closed or the connection failed: errno, or undefined for a normal end. */
  #ended: { errno: Errno | undefined } | undefined;
  #readShut = false;
  #closed = false;
  readonly #waiters = new Waiters();
  readonly #drain: WebSocketDrain;
  readonly #gone: Promise<void>;

  /** Wraps an open WebSocket; `remote` is what `remoteEndpoint()` reports. */
  constructor(ws: WebSocket, remote: Endpoint) {
    this.#ws = ws;
    this.#remote = remote;
    this.#drain = new WebSocketDrain(() => ws, WS_SEND_HIGH_WATER);
    ws.binaryType = 'arraybuffer';
    this.#gone = new Promise((resolve) => ws.addEventListener('close', () => resolve(), { once: true }));
    ws.addEventListener('message', (e: MessageEvent) => this.#message(e.data));
    ws.addEventListener('close', (e: CloseEvent) => {
      this.#ended ??= { errno: NORMAL_CLOSE.has(e.code) ? undefined : 'ECONNRESET' };
      this.#drain.cancel();
      this.#waiters.wake('both');
    });
    ws.addEventListener('error', () => {
      this.#ended ??= { errno: 'ECONNRESET' };
      this.#waiters.wake('both');
    });
  }

  #message(data: unknown): void {
    if (this.#readShut || this.#closed || this.#ended !== undefined) return;
    const bytes =
      data instanceof ArrayBuffer ? new Uint8Array(data) : typeof data === 'string' ? new TextEncoder().encode(data) : undefined;
    if (bytes === undefined || bytes.length === 0) return;
    if (this.#queued + bytes.length > WS_RECEIVE_LIMIT) {
      this.#ended = { errno: 'ENOBUFS' };
      this.#ws.close(1009, 'reader too slow');
      this.#waiters.wake('both');
      return;
    }
    this.#chunks.push(bytes);
    this.#queued += bytes.length;
    this.#waiters.wake('read');
  }

  bind(): void {
    throw new SysError('ENOTSUP', 'a WebSocket cannot bind');
  }

  listen(): void {
    throw new SysError('ENOTSUP', 'a WebSocket cannot listen');
  }

  connect(): void {
    throw new SysError('EISCONN');
  }

  accept(): NetSocket {
    throw new SysError('EINVAL', 'not a listening socket');
  }

  recv(bufs: readonly Uint8Array[], peek: boolean): Received {
    if (this.#closed) throw new SysError('EBADF');
    if (this.#readShut) return { n: 0, truncated: false };
    if (this.#queued === 0) {
      if (this.#ended === undefined) throw EAGAIN;
      if (this.#ended.errno !== undefined) throw new SysError(this.#ended.errno);
      return { n: 0, truncated: false };
    }
    let n = 0;
    let chunk = 0;
    let offset = this.#offset;
    for (const buf of bufs) {
      let at = 0;
      while (at < buf.length && chunk < this.#chunks.length) {
        const c = this.#chunks[chunk]!;
        const take = Math.min(buf.length - at, c.length - offset);
        buf.set(c.subarray(offset, offset + take), at);
        at += take;
        offset += take;
        if (offset === c.length) {
          chunk++;
          offset = 0;
        }
      }
      n += at;
    }
    if (!peek) {
      this.#chunks.splice(0, chunk);
      this.#offset = offset;
      this.#queued -= n;
    }
    return { n, truncated: false };
  }

  send(bufs: readonly Uint8Array[]): number {
    if (this.#closed) throw new SysError('EBADF');
    if (this.#ended !== undefined || this.#ws.readyState !== WebSocket.OPEN) throw new SysError(this.#ended?.errno ?? 'EPIPE');
    if (!this.#hasRoom()) throw EAGAIN;
    const total = Math.min(
      MAX_WS_MESSAGE,
      bufs.reduce((n, b) => n + b.length, 0),
    );
    if (total === 0) return 0;
    const message = new Uint8Array(total);
    let at = 0;
    for (const b of bufs) {
      if (at === total) break;
      const take = Math.min(b.length, total - at);
      message.set(b.subarray(0, take), at);
      at += take;
    }
    this.#ws.send(message);
    return total;
  }

  /** Whether the WebSocket takes more now; when not, writers are woken once it has drained below the mark. */
  #hasRoom(): boolean {
    return this.#drain.hasRoom(() => this.#waiters.wake('write'));
  }

  shutdown(read: boolean, write: boolean): void {
    if (write) throw new SysError('ENOTSUP', 'a WebSocket cannot half-close: close() ends both directions');
    if (read) {
      this.#readShut = true;
      this.#chunks.length = 0;
      this.#queued = 0;
      this.#waiters.wake('read');
    }
  }

  takeError(): Errno | undefined {
    return undefined;
  }

  localEndpoint(): Endpoint {
    return ipEndpoint('0.0.0.0', 0);
  }

  remoteEndpoint(): Endpoint {
    return this.#remote;
  }

  setOption(): void {}

  getOption(name: SocketOption): number {
    return name === 'rcvbuf' ? WS_RECEIVE_LIMIT : name === 'sndbuf' ? WS_SEND_HIGH_WATER : 0;
  }

  poll(kind: PollKind): Readiness {
    const done = this.#closed || this.#ended !== undefined;
    if (kind === 'read') return { ready: this.#queued > 0 || done || this.#readShut, nbytes: this.#queued, hangup: done };
    const room = !done && this.#ws.readyState === WebSocket.OPEN && this.#hasRoom();
    return { ready: room || done, nbytes: room ? MAX_WS_MESSAGE : 0, hangup: done };
  }

  onReady(kind: PollKind, wake: () => void): () => void {
    return this.#waiters.add(kind, wake);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#chunks.length = 0;
    this.#queued = 0;
    if (this.#ws.readyState === WebSocket.OPEN || this.#ws.readyState === WebSocket.CONNECTING) this.#ws.close(1000);
    this.#waiters.wake('both');
  }

  async closed(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.#gone, new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_LINGER_MS)))]);
    clearTimeout(timer);
  }
}

/**
 * Starts a WebSocket to `url`; `opened` settles once it is open, or rejects
 * with ECONNREFUSED when it fails first: browsers and Node give no reason,
 * so ECONNREFUSED stands for every failed connect or handshake. Throws
 * SysError ENOTSUP where there is no global WebSocket, EINVAL for a URL it
 * refuses.
 */
export function openWebSocket(url: string): { ws: WebSocket; opened: Promise<void> } {
  if (typeof WebSocket !== 'function') throw new SysError('ENOTSUP', 'this platform has no global WebSocket');
  let ws: WebSocket;
  try {
    ws = new WebSocket(url);
  } catch (err) {
    throw new SysError('EINVAL', (err as Error).message);
  }
  ws.binaryType = 'arraybuffer';
  const opened = new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('close', () => reject(new SysError('ECONNREFUSED', 'the WebSocket handshake failed')), { once: true });
  });
  opened.catch(() => {}); // a dial that timed out no longer waits for it
  return { ws, opened };
}
