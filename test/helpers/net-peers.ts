// Peers for network driver tests: a TCP server and a UDP echo that a
// driver's sockets talk to. Real ones (node:net, node:dgram on 127.0.0.1)
// for drivers that reach this machine's network; ones made of sockets of
// a NetDriver (a MemoryNetwork) for drivers that do not.
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { SysError } from '../../src/internal/errno.ts';
import { ipEndpoint, type Endpoint } from '../../src/netdev/endpoint.ts';
import type { NetDriver, NetSocket } from '../../src/netdev/socket.ts';

/** One connection a peer server accepted: the parts of a `net.Socket` the tests use. */
export interface PeerConnection {
  write(data: string | Uint8Array): void;
  /** Sends `data` (if any), then ends the sending side (FIN) once everything is sent. */
  end(data?: string | Uint8Array): void;
  /** Stops reading (what arrives stays queued, filling the connection). */
  pause(): void;
  resume(): void;
  onData(fn: (chunk: Buffer) => void): void;
  onEnd(fn: () => void): void;
  /** The peer's end of stream has been read. */
  readonly ended: boolean;
  destroy(): void;
}

/** A listening peer. */
export interface PeerServer {
  /** Its port on 127.0.0.1. */
  port: number;
  /** Stops listening (accepted connections stay open); the port is free once this settles. */
  close(): Promise<void>;
}

/** Peers for one driver's tests. */
export interface Peers {
  /** A TCP server on 127.0.0.1, port 0, allowing half-open connections. */
  tcpServer(onConnection: (c: PeerConnection) => void): Promise<PeerServer>;
  /** A UDP socket on 127.0.0.1, port 0, answering each datagram with `echo: ` and the datagram. */
  udpEcho(): Promise<PeerServer>;
}

/** Peers on this machine's network: node:net and node:dgram. */
export const nodePeers: Peers = {
  async tcpServer(onConnection) {
    const server = net.createServer({ allowHalfOpen: true }, (s) => onConnection(nodeConnection(s)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as AddressInfo).port,
      // Closing the listening handle frees the port at once; the callback
      // would wait for every accepted connection to end.
      close: () =>
        new Promise<void>((resolve) => {
          server.close();
          setImmediate(resolve);
        }),
    };
  },
  async udpEcho() {
    const echo = dgram.createSocket('udp4');
    echo.on('message', (m, r) => echo.send(Buffer.concat([Buffer.from('echo: '), m]), r.port, r.address));
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
    return { port: echo.address().port, close: () => new Promise<void>((resolve) => echo.close(() => resolve())) };
  },
};

function nodeConnection(s: net.Socket): PeerConnection {
  return {
    write: (data) => void s.write(data),
    end: (data) => void (data === undefined ? s.end() : s.end(data)),
    pause: () => void s.pause(),
    resume: () => void s.resume(),
    onData: (fn) => void s.on('data', fn),
    onEnd: (fn) => void s.on('end', fn),
    get ended() {
      return s.readableEnded;
    },
    destroy: () => void s.destroy(),
  };
}

const isEagain = (err: unknown): boolean => err instanceof SysError && err.errno === 'EAGAIN';

/**
 * Peers made of sockets of `driver` itself (a second socket on the same
 * MemoryNetwork), driven by its readiness callbacks like any user would.
 */
export function driverPeers(driver: NetDriver): Peers {
  return {
    async tcpServer(onConnection) {
      const listener = driver.socket('ipv4', 'stream');
      await listener.bind(ipEndpoint('127.0.0.1', 0));
      await listener.listen(128);
      const acceptAll = (): void => {
        for (;;) {
          let conn: NetSocket;
          try {
            conn = listener.accept();
          } catch (err) {
            if (isEagain(err)) listener.onReady('read', acceptAll);
            return; // EAGAIN: wait; anything else (EBADF after close): stop
          }
          onConnection(new SocketPeer(conn));
        }
      };
      acceptAll();
      const { port } = listener.localEndpoint() as { port: number };
      return { port, close: async () => listener.close() };
    },
    async udpEcho() {
      const sock = driver.socket('ipv4', 'dgram');
      await sock.bind(ipEndpoint('127.0.0.1', 0));
      const buf = new Uint8Array(65536);
      const pump = (): void => {
        for (;;) {
          let from: Endpoint | undefined;
          let n: number;
          try {
            ({ n, from } = sock.recv([buf], false));
          } catch (err) {
            if (isEagain(err)) sock.onReady('read', pump);
            return;
          }
          if (from !== undefined) sock.send([Buffer.from('echo: '), buf.subarray(0, n)], from);
        }
      };
      pump();
      const { port } = sock.localEndpoint() as { port: number };
      return { port, close: async () => sock.close() };
    },
  };
}

/** A {@link PeerConnection} over a connected NetSocket, reading in flowing mode unless paused. */
class SocketPeer implements PeerConnection {
  readonly #sock: NetSocket;
  readonly #dataFns: ((chunk: Buffer) => void)[] = [];
  readonly #endFns: (() => void)[] = [];
  readonly #out: Uint8Array[] = [];
  #paused = false;
  #ended = false;
  #ending = false;
  #finSent = false;
  #readArmed = false;
  #writeArmed = false;

  constructor(sock: NetSocket) {
    this.#sock = sock;
    // Start reading once the accept handler has attached its listeners.
    queueMicrotask(() => this.#pump());
  }

  get ended(): boolean {
    return this.#ended;
  }

  onData(fn: (chunk: Buffer) => void): void {
    this.#dataFns.push(fn);
  }

  onEnd(fn: () => void): void {
    this.#endFns.push(fn);
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    queueMicrotask(() => this.#pump());
  }

  write(data: string | Uint8Array): void {
    this.#out.push(typeof data === 'string' ? Buffer.from(data) : Buffer.from(data));
    this.#flush();
  }

  end(data?: string | Uint8Array): void {
    if (data !== undefined) this.#out.push(Buffer.from(data));
    this.#ending = true;
    this.#flush();
  }

  destroy(): void {
    this.#sock.close();
  }

  #pump(): void {
    while (!this.#paused && !this.#ended) {
      const buf = Buffer.alloc(64 * 1024);
      let n: number;
      try {
        n = this.#sock.recv([buf], false).n;
      } catch (err) {
        if (isEagain(err)) {
          if (!this.#readArmed) {
            this.#readArmed = true;
            this.#sock.onReady('read', () => {
              this.#readArmed = false;
              this.#pump();
            });
          }
          return;
        }
        n = 0; // a reset or a closed socket: the stream is over
      }
      if (n === 0) {
        this.#ended = true;
        for (const fn of this.#endFns) fn();
        return;
      }
      for (const fn of this.#dataFns) fn(buf.subarray(0, n));
    }
  }

  #flush(): void {
    while (this.#out.length > 0) {
      const head = this.#out[0] as Uint8Array;
      let n: number;
      try {
        n = this.#sock.send([head]);
      } catch (err) {
        if (isEagain(err)) {
          if (!this.#writeArmed) {
            this.#writeArmed = true;
            this.#sock.onReady('write', () => {
              this.#writeArmed = false;
              this.#flush();
            });
          }
          return;
        }
        this.#out.length = 0; // the connection is gone: nothing more can be sent
        return;
      }
      if (n < head.length) this.#out[0] = head.subarray(n);
      else this.#out.shift();
    }
    if (this.#ending && !this.#finSent) {
      this.#finSent = true;
      try {
        this.#sock.shutdown(false, true);
      } catch {
        // already closed
      }
    }
  }
}
