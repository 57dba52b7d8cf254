import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import type { TlsConnect } from './client.ts';
import { ConnStream } from './conn-stream.ts';
import type { ByteStream } from './message-reader.ts';

/** Bytes a {@link DuplexByteStream} holds before it pauses its socket. */
const HIGH_WATER = 256 * 1024;

/**
 * A Node `Duplex` (a TLS socket) read and written like a dialtone `Conn`:
 * `read(buf)` gives what has arrived (at most `buf.length`; `null` at the
 * end), `write(buf)` resolves when the socket took it. What arrives waits
 * in a queue of at most {@link HIGH_WATER} bytes; past that the socket is
 * paused until reads drain it.
 */
export class DuplexByteStream implements ByteStream {
  readonly #socket: Duplex;
  readonly #queue: Uint8Array[] = [];
  #queued = 0;
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  /** Reads and writes `socket`. */
  constructor(socket: Duplex) {
    this.#socket = socket;
    const wake = (): void => {
      const w = this.#wake;
      this.#wake = undefined;
      w?.();
    };
    socket.on('data', (c: Buffer) => {
      this.#queue.push(c);
      this.#queued += c.length;
      if (this.#queued > HIGH_WATER) socket.pause();
      wake();
    });
    socket.on('end', () => {
      this.#ended = true;
      wake();
    });
    socket.on('error', (err: Error) => {
      this.#error ??= err;
      wake();
    });
    socket.on('close', () => {
      this.#ended = true;
      wake();
    });
  }

  async read(buf: Uint8Array): Promise<number | null> {
    while (this.#queue.length === 0 && !this.#ended && this.#error === undefined) {
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    const head = this.#queue[0];
    if (head === undefined) {
      if (this.#error !== undefined) throw this.#error;
      return null;
    }
    const n = Math.min(head.length, buf.length);
    buf.set(head.subarray(0, n));
    if (n === head.length) this.#queue.shift();
    else this.#queue[0] = head.subarray(n);
    this.#queued -= n;
    if (this.#queued <= HIGH_WATER / 2 && this.#socket.isPaused()) this.#socket.resume();
    return n;
  }

  write(buf: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#error !== undefined) return reject(this.#error);
      this.#socket.write(buf, (err) => (err ? reject(err) : resolve()));
    });
  }

  close(): Promise<void> {
    this.#socket.destroy();
    return Promise.resolve();
  }
}

/**
 * https for dialtone/http's Client on Node: `node:tls` over the dialled
 * connection (as a {@link ConnStream}), verifying the server's certificate
 * for its name (plus `options`, e.g. `ca` for a private CA), HTTP/1.1 by
 * ALPN. When `signal` aborts (the client's timeout) before the handshake
 * is done, the TLS socket is destroyed (closing the connection) and the
 * promise rejects with the signal's reason.
 */
export function nodeTlsConnect(options: tls.ConnectionOptions = {}): TlsConnect {
  // tls.connect verifies against `host` when there is no servername.
  return (conn, { servername, signal }) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(signal.reason as Error);
        return;
      }
      // SNI names hosts, not addresses (an address is still verified against the certificate).
      const sni = isIP(servername) === 0 ? { servername } : {};
      const socket = tls.connect({ ...options, ...sni, host: servername, socket: new ConnStream(conn), ALPNProtocols: ['http/1.1'] });
      const fail = (err: Error): void => {
        signal?.removeEventListener('abort', onAbort);
        socket.destroy();
        reject(err);
      };
      const onAbort = (): void => {
        socket.off('error', fail);
        socket.on('error', () => {}); // what the destroyed socket still reports has nowhere to go
        fail(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('error', fail);
      socket.once('secureConnect', () => {
        signal?.removeEventListener('abort', onAbort);
        socket.off('error', fail);
        resolve(new DuplexByteStream(socket));
      });
    });
}
