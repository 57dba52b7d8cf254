import { WebSocketDrain } from '../websocket-drain.ts';
import { SysError, type Errno } from '../../internal/errno.ts';
import {
  CloseReason,
  ExtensionId,
  FIRST_RELAY_STREAM,
  StreamType,
  WispProtocolError,
  closeReasonName,
  decodePacket,
  encodeClose,
  encodeConnect,
  encodeInfo,
  encodeListen,
  type WispPacket,
} from '../../wisp/packet.ts';

/** What a stream hears from its connection. */
export interface StreamHandler {
  data(bytes: Uint8Array): void;
  /** CONTINUE: the relay has room for `remaining` more packets (TCP). */
  credit(remaining: number): void;
  /** CLOSE from the relay, or the connection ended (`reason` 0x03). */
  closed(reason: number): void;
  /** LISTENING, on a listener stream: the relay bound it to `address`:`port`. */
  listening?(port: number, address: string): void;
  /**
   * ACCEPT, on a listener stream: a connection from `address`:`port` is now
   * the relay's stream `id`. Returns the new stream's handler, or undefined
   * to refuse it (the connection then closes it).
   */
  accepted?(id: number, port: number, address: string): StreamHandler | undefined;
  /** DATAGRAM, on a UDP listener stream: `data` (a view: copy it to keep it) from `address`:`port`. */
  datagram?(port: number, address: string, data: Uint8Array): void;
}

/** How long a closing socket waits for the WebSocket to send what it had queued. */
export const FLUSH_LIMIT_MS = 2000;
/** Bytes queued on the WebSocket above which streams stop accepting sends. */
export const WS_HIGH_WATER = 1024 * 1024;

/**
 * One WebSocket to a Wisp relay, shared by every stream of a driver. It
 * opens on first use: Wisp v2 (offering the `wisp-v2` subprotocol,
 * answering the relay's INFO with ours), falling back to v1 when the relay
 * refuses the subprotocol or never sends INFO.
 */
export class WispConnection {
  readonly url: string;
  #ws: WebSocket | undefined;
  #ready: Promise<void> | undefined;
  #failure: string | undefined;
  #nextId = 1;
  readonly #streams = new Map<number, StreamHandler>();
  /** The relay's initial per-stream credit (CONTINUE on stream 0). */
  initialCredit = 0;
  /** The relay speaks v2. */
  v2 = false;
  /** The relay confirms each stream's connect with a CONTINUE (v2 stream-open confirmation, extension 0x05). */
  confirms = false;
  /** The relay allows UDP streams (always in v1; in v2 when it lists extension 0x01). */
  udp = true;
  /** The relay lets clients listen (v2, when it lists dialtone's extension 0xDA: docs/wisp-extensions.md). */
  listens = false;
  /** The relay lets clients listen on UDP too (when it also lists dialtone's extension 0xDB). */
  listensUdp = false;
  /** Called once each when the WebSocket may take more (its buffer drained). */
  readonly #drain = new WebSocketDrain(() => this.#ws, WS_HIGH_WATER);

  readonly #version: 1 | 2;

  /** `version` 1 skips the v2 handshake (default 2, falling back to 1). */
  constructor(url: string, version: 1 | 2 = 2) {
    this.url = url;
    this.#version = version;
  }

  /** Opens the connection once; rejects with a message naming the relay when it cannot be reached. */
  ready(): Promise<void> {
    this.#ready ??= this.#open(this.#version === 2).catch(async (err: unknown) => {
      if (err instanceof RetryV1) return this.#open(false);
      throw err;
    });
    return this.#ready;
  }

  /** Why the connection failed or ended, if it did. */
  get failure(): string | undefined {
    return this.#failure;
  }

  #open(v2: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let ws: WebSocket;
      try {
        ws = v2 ? new WebSocket(this.url, ['wisp-v2']) : new WebSocket(this.url);
      } catch (err) {
        reject(new Error(`relay ${this.url}: ${(err as Error).message}`));
        return;
      }
      ws.binaryType = 'arraybuffer';
      this.#ws = ws;
      let opened = false;
      let settled = false;
      const fail = (why: string): void => {
        this.#failure = why;
        if (!settled) {
          settled = true;
          reject(v2 && !opened ? new RetryV1() : new Error(`cannot reach relay ${this.url}: ${why}`));
        }
        for (const h of [...this.#streams.values()]) h.closed(CloseReason.NETWORK_ERROR);
        this.#streams.clear();
      };
      ws.onopen = () => {
        opened = true;
      };
      ws.onerror = () => fail(opened ? 'the WebSocket failed' : 'the WebSocket handshake failed');
      ws.onclose = (e) => fail(`the relay closed the connection (${e.code}${e.reason === '' ? '' : ` ${e.reason}`})`);
      ws.onmessage = (e: MessageEvent) => {
        if (!(e.data instanceof ArrayBuffer)) return;
        let p: WispPacket;
        try {
          p = decodePacket(new Uint8Array(e.data));
        } catch (err) {
          if (!(err instanceof WispProtocolError)) throw err;
          ws.close(1002);
          fail(`protocol error: ${err.message}`);
          return;
        }
        if (p.stream === 0) {
          if (p.type === 'info' && !settled) {
            this.v2 = true;
            this.udp = p.extensions.some((x) => x.id === ExtensionId.UDP);
            this.confirms = p.extensions.some((x) => x.id === ExtensionId.STREAM_CONFIRMATION);
            this.listens = p.extensions.some((x) => x.id === ExtensionId.DIALTONE_LISTEN);
            this.listensUdp = this.listens && p.extensions.some((x) => x.id === ExtensionId.DIALTONE_LISTEN_UDP);
            ws.send(
              encodeInfo(2, 0, [
                { id: ExtensionId.UDP, payload: new Uint8Array() },
                { id: ExtensionId.STREAM_CONFIRMATION, payload: new Uint8Array() },
                { id: ExtensionId.DIALTONE_LISTEN, payload: new Uint8Array() },
                { id: ExtensionId.DIALTONE_LISTEN_UDP, payload: new Uint8Array() },
              ]),
            );
          } else if (p.type === 'continue' && !settled) {
            this.initialCredit = p.remaining;
            settled = true;
            resolve();
          } else if (p.type === 'close') {
            ws.close();
            fail(`the relay refused the session (${closeReasonName(p.reason)})`);
          }
          return;
        }
        const h = this.#streams.get(p.stream);
        if (p.type === 'accept') return this.#accept(h, p.newStream, p.port, p.address);
        if (h === undefined) return;
        if (p.type === 'data') h.data(p.data);
        else if (p.type === 'datagram') h.datagram?.(p.port, p.address, p.data);
        else if (p.type === 'continue') h.credit(p.remaining);
        else if (p.type === 'close') {
          this.#streams.delete(p.stream);
          h.closed(p.reason);
        } else if (p.type === 'listening') h.listening?.(p.port, p.address);
      };
    });
  }

  /** Opens a stream (after {@link ready}); returns its id. */
  open(type: number, host: string, port: number, handler: StreamHandler): number {
    const ws = this.#ws;
    if (ws === undefined || ws.readyState !== WebSocket.OPEN) throw new SysError('ENETUNREACH', `relay ${this.url} is not connected`);
    const id = this.#newId();
    this.#streams.set(id, handler);
    ws.send(encodeConnect(id, type, port, host));
    return id;
  }

  /**
   * Opens a listener stream (after {@link ready}, when {@link listens}):
   * LISTEN on `host` (an IP literal) and `port`; returns its id. The relay
   * answers LISTENING or CLOSE, then ACCEPT per connection.
   */
  listen(type: number, host: string, port: number, handler: StreamHandler): number {
    const ws = this.#ws;
    if (ws === undefined || ws.readyState !== WebSocket.OPEN) throw new SysError('ENETUNREACH', `relay ${this.url} is not connected`);
    if (!this.listens) throw new SysError('ENOTSUP', `relay ${this.url} does not offer listening`);
    if (type === StreamType.UDP && !this.listensUdp) throw new SysError('ENOTSUP', `relay ${this.url} does not offer UDP listening`);
    const id = this.#newId();
    this.#streams.set(id, handler);
    ws.send(encodeListen(id, type, port, host));
    return id;
  }

  /** The next client stream id: they stay below the relay's range. */
  #newId(): number {
    if (this.#nextId >= FIRST_RELAY_STREAM) throw new SysError('ENOBUFS', 'no stream ids left on this relay connection');
    return this.#nextId++;
  }

  /**
   * ACCEPT: a listener's new connection, refused (CLOSE) when the listener
   * is gone or will not take it. An id that is not the relay's to give is
   * ignored: closing it could end one of ours.
   */
  #accept(listener: StreamHandler | undefined, id: number, port: number, address: string): void {
    if (id < FIRST_RELAY_STREAM || this.#streams.has(id)) return;
    const h = listener?.accepted?.(id, port, address);
    if (h === undefined) this.send(encodeClose(id, CloseReason.VOLUNTARY));
    else this.#streams.set(id, h);
  }

  /** Sends a packet on the WebSocket. */
  send(packet: Uint8Array<ArrayBuffer>): void {
    const ws = this.#ws;
    if (ws !== undefined && ws.readyState === WebSocket.OPEN) ws.send(packet);
  }

  /** Closes stream `id` (nothing answers a CLOSE). */
  close(id: number): void {
    if (this.#streams.delete(id)) this.send(encodeClose(id, CloseReason.VOLUNTARY));
  }

  /** Whether the WebSocket buffer has room; when not, `wake` is called once it has. */
  hasRoom(wake: () => void): boolean {
    return this.#drain.hasRoom(wake);
  }

  /** Settles once the WebSocket has handed everything queued to the OS (or after {@link FLUSH_LIMIT_MS}). */
  async flushed(): Promise<void> {
    const deadline = Date.now() + FLUSH_LIMIT_MS;
    while (this.#ws !== undefined && this.#ws.readyState === WebSocket.OPEN && this.#ws.bufferedAmount > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Closes the WebSocket. */
  shutdown(): void {
    this.#drain.cancel();
    this.#ws?.close();
  }
}

class RetryV1 extends Error {}

/** The errno a native program would see for a Wisp close reason (undefined: a normal end of stream). */
export function errnoForClose(reason: number, connecting: boolean): Errno | undefined {
  switch (reason) {
    case CloseReason.VOLUNTARY:
      return connecting ? 'ECONNREFUSED' : undefined;
    case CloseReason.REFUSED:
      return 'ECONNREFUSED';
    case CloseReason.UNREACHABLE:
      return 'EHOSTUNREACH';
    case CloseReason.CONNECT_TIMEOUT:
    case CloseReason.TRANSFER_TIMEOUT:
      return 'ETIMEDOUT';
    case CloseReason.BLOCKED:
    case CloseReason.BAD_PASSWORD:
    case CloseReason.BAD_SIGNATURE:
    case CloseReason.CREDENTIALS_REQUIRED:
      return 'EACCES';
    case CloseReason.THROTTLED:
      return 'ENOBUFS';
    case CloseReason.NETWORK_ERROR:
      return connecting ? 'ENETUNREACH' : 'ECONNRESET';
    default:
      return connecting ? 'ECONNREFUSED' : 'ECONNRESET';
  }
}

/**
 * The errno a native listen(2) would give for the CLOSE that refused a
 * LISTEN (docs/wisp-extensions.md, "Errors"), or that ended a listener.
 */
export function errnoForListenClose(reason: number): Errno {
  switch (reason) {
    case CloseReason.BLOCKED:
      return 'EACCES';
    case CloseReason.ADDRESS_IN_USE:
      return 'EADDRINUSE';
    case CloseReason.ADDRESS_NOT_AVAILABLE:
      return 'EADDRNOTAVAIL';
    case CloseReason.THROTTLED:
      return 'ENOBUFS';
    case CloseReason.INVALID_INFO:
      return 'EINVAL';
    case CloseReason.NETWORK_ERROR:
      return 'ENETDOWN';
    default:
      return 'EADDRNOTAVAIL';
  }
}
