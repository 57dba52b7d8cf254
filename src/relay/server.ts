/**
 * `dialtone relay`: a Wisp v1 + v2 server (protocol: ../../docs/browser.md,
 * https://github.com/MercuryWorkshop/wisp-protocol) that connects its
 * clients' TCP and UDP streams to destinations the rules allow, on one
 * port that can also serve a static directory.
 *
 * Safe by default: public destinations only, judged after resolution and
 * connected to exactly as judged (see {@link Destinations}); WebSocket
 * upgrades only from the relay's own origin or from clients without an
 * Origin; per-client bounds on open streams, buffered bytes and the rate of
 * new streams; one log line per refused stream.
 *
 * With `allowListen`, clients that list dialtone's listening extension
 * (docs/wisp-extensions.md) may also listen: the relay binds a port where
 * `allowListen` allows and hands each connection to the client as a new
 * stream; with the UDP listening extension too, it binds UDP ports and
 * carries each datagram with its peer's address. Without it neither
 * extension is offered.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import * as dgram from 'node:dgram';
import * as http from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { DialtoneError } from '../errors.ts';
import {
  CloseReason,
  ExtensionId,
  FIRST_RELAY_STREAM,
  MAX_PACKET_SIZE,
  StreamType,
  WispProtocolError,
  decodePacket,
  encodeClose,
  encodeContinue,
  encodeData,
  encodeInfo,
  encodeAccept,
  encodeDatagram,
  encodeListening,
  type WispExtension,
  type WispPacket,
} from '../wisp/packet.ts';
import type { IpEndpoint } from '../netdev/endpoint.ts';
import { Destinations, type RelayResolveFn } from './destinations.ts';
import { serveStatic } from './static.ts';

/** Default port of `dialtone relay` (on 127.0.0.1). */
export const DEFAULT_RELAY_PORT = 8717;
/** Packets a TCP stream may have in flight towards its destination (the credit CONTINUE grants). */
export const STREAM_BUFFER_PACKETS = 128;

/** Per-client bounds of a relay. */
export interface RelayLimits {
  /** Streams open at once per WebSocket (default 128). */
  readonly maxStreams?: number;
  /** Bytes a client may have queued towards its destinations, all streams together (default 16 MiB). */
  readonly maxBufferedBytes?: number;
  /** New streams per second per client, sustained (default 50). */
  readonly streamsPerSecond?: number;
  /** New streams in a burst (default 100). */
  readonly streamBurst?: number;
  /** How long a TCP connect may take (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Listeners open at once per WebSocket, with `allowListen` (default 8). Their connections count as streams. */
  readonly maxListeners?: number;
}

/** Options of {@link startRelay}. */
export interface RelayOptions {
  /** Listen address (default 127.0.0.1). */
  readonly host?: string;
  /** Listen port (default {@link DEFAULT_RELAY_PORT}; 0 = any). */
  readonly port?: number;
  /** `true`: every destination; a list: exactly these (the `--allow-net` syntax); default: public addresses only. */
  readonly allowNet?: true | readonly string[] | undefined;
  /** Destinations refused whatever `allowNet` says; also addresses to listen on, and peers reaching a listener. */
  readonly denyNet?: readonly string[] | undefined;
  /**
   * Where clients may listen (the `--allow-listen` syntax; `true`: anywhere).
   * Default: nowhere, and the listening extension is not offered.
   */
  readonly allowListen?: true | readonly string[] | undefined;
  /** Origins allowed besides the relay's own (`*` for any). */
  readonly origins?: readonly string[] | undefined;
  /** A secret clients must give as `?token=` in the URL or `Authorization: Bearer`. */
  readonly token?: string | undefined;
  /** Directory to serve over HTTP on the same port. */
  readonly staticDir?: string | undefined;
  readonly limits?: RelayLimits | undefined;
  /** Receives one line per refused stream, listen, inbound connection or upgrade (default: stderr). */
  readonly log?: ((line: string) => void) | undefined;
  /** Name resolution (default: the system resolver). */
  readonly resolve?: RelayResolveFn | undefined;
}

/** A running relay. */
export interface Relay {
  /** The address it listens on. */
  readonly address: AddressInfo;
  /** Its Wisp URL, `ws://HOST:PORT/`. */
  readonly url: string;
  /** Stops listening and closes every client. */
  close(): Promise<void>;
}

/**
 * Starts a relay; resolves once it listens. Throws `DialtoneError`
 * `ERR_USAGE` for a bad rule entry or static directory.
 */
export async function startRelay(options: RelayOptions = {}): Promise<Relay> {
  const destinations = new Destinations({
    allowNet: options.allowNet,
    denyNet: options.denyNet,
    allowListen: options.allowListen,
    resolve: options.resolve,
  });
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let root: string | undefined;
  if (options.staticDir !== undefined) {
    try {
      root = realpathSync(options.staticDir);
      if (!statSync(root).isDirectory()) throw new Error('not a directory');
    } catch {
      throw new DialtoneError('ERR_USAGE', `--static ${options.staticDir}: no such directory`);
    }
  }
  const limits = {
    maxStreams: options.limits?.maxStreams ?? 128,
    maxBufferedBytes: options.limits?.maxBufferedBytes ?? 16 * 1024 * 1024,
    streamsPerSecond: options.limits?.streamsPerSecond ?? 50,
    streamBurst: options.limits?.streamBurst ?? 100,
    connectTimeoutMs: options.limits?.connectTimeoutMs ?? 10_000,
    maxListeners: options.limits?.maxListeners ?? 8,
  };
  const tokenDigest = options.token === undefined ? undefined : digest(options.token);
  const origins = new Set((options.origins ?? []).map((o) => o.replace(/\/+$/, '').toLowerCase()));

  const server = http.createServer((req, res) => {
    if (root !== undefined) {
      void serveStatic(root, req, res);
      return;
    }
    res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('this is a Wisp relay: connect with a WebSocket\n');
  });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_PACKET_SIZE,
    perMessageDeflate: false,
    // Echo one offered subprotocol (browsers fail the handshake otherwise); v2 is then offered.
    handleProtocols: (protocols) => (protocols.has('wisp-v2') ? 'wisp-v2' : (protocols.values().next().value ?? false)),
  });
  const sessions = new Set<Session>();
  /** The local ends (address and port) of the relay's own streams to itself (see {@link Destinations.allowSelf}). */
  const selfEnds = new Set<string>();
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = selfEnds.has(socketKey(req.socket.remoteAddress, req.socket.remotePort))
      ? { status: '403 Forbidden', why: 'a WebSocket through the relay to itself (nested sessions are refused)' }
      : checkUpgrade(req, origins, tokenDigest);
    if (refusal !== undefined) {
      log(`relay: refused WebSocket from ${req.socket.remoteAddress ?? '?'}: ${refusal.why}`);
      socket.end(`HTTP/1.1 ${refusal.status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const s = new Session(ws, `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`, destinations, limits, log, selfEnds);
      sessions.add(s);
      ws.on('close', () => sessions.delete(s));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new DialtoneError('ERR_RELAY', `relay cannot listen: ${err.message}`, { cause: err })));
    server.listen(options.port ?? DEFAULT_RELAY_PORT, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostText = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  if (root !== undefined) {
    // A page the relay serves may reach its own origin through it.
    const own = address.address === '0.0.0.0' ? ['127.0.0.1'] : address.address === '::' ? ['::1', '127.0.0.1'] : [address.address];
    for (const a of own) destinations.allowSelf(a, address.port);
  }
  return {
    address,
    url: `ws://${hostText}:${address.port}/`,
    close: async () => {
      for (const s of sessions) s.destroy();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * One end of a TCP connection as `address port` (an IPv4-mapped address as
 * IPv4): the relay's own outbound streams to itself, as its server sees
 * their remote end.
 */
function socketKey(address: string | undefined, port: number | undefined): string {
  const a = address ?? '?';
  return `${a.toLowerCase().startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a} ${port ?? -1}`;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/**
 * Whether an upgrade may proceed. Accepted: no Origin header (not a
 * browser); an Origin in the `--origin` list (or `*`); or the relay's own
 * origin, `http(s)://HOST` where HOST is the request's Host header and is an
 * IP literal or `localhost` — a name a rebinding attacker cannot point here.
 */
function checkUpgrade(
  req: http.IncomingMessage,
  origins: ReadonlySet<string>,
  token: Buffer | undefined,
): { status: string; why: string } | undefined {
  const origin = req.headers.origin;
  if (origin !== undefined && !origins.has('*') && !origins.has(origin.toLowerCase())) {
    const own = ownOrigins(req.headers.host);
    if (!own.includes(origin.toLowerCase()))
      return { status: '403 Forbidden', why: `origin ${JSON.stringify(origin)} is not allowed (see --origin)` };
  }
  if (token !== undefined) {
    const url = new URL(req.url ?? '/', 'http://relay');
    const auth = req.headers.authorization;
    const given = url.searchParams.get('token') ?? (auth?.startsWith('Bearer ') === true ? auth.slice(7) : undefined);
    if (given === undefined || !timingSafeEqual(digest(given), token)) return { status: '401 Unauthorized', why: 'missing or wrong token' };
  }
  return undefined;
}

function ownOrigins(host: string | undefined): string[] {
  if (host === undefined) return [];
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d+)?$/i.exec(host);
  if (m === null) return [];
  const name = (m[1] as string).toLowerCase();
  const bare = name.startsWith('[') ? name.slice(1, -1) : name;
  if (isIP(bare) === 0 && name !== 'localhost') return [];
  const h = host.toLowerCase();
  return [`http://${h}`, `https://${h}`];
}

type Limits = Required<RelayLimits>;

/** One relayed stream. */
interface Stream {
  readonly id: number;
  readonly kind: 'tcp' | 'udp';
  tcp?: net.Socket;
  udp?: dgram.Socket;
  /** DATA packets received and not yet written out (TCP). */
  inFlight: number;
  /** Packets of credit the client was last told it has (TCP). */
  credit: number;
  /** Data before the destination is connected. */
  pending: Buffer[];
  /** Bytes received for a TCP destination and not yet written out. */
  bytes: number;
  connected: boolean;
  closed: boolean;
}

/** A client's listener (listening extension): TCP (`server`) or UDP (`udp`). */
interface Listener {
  readonly id: number;
  server?: net.Server;
  udp?: dgram.Socket;
  /**
   * UDP: peers the client may send to without asking the rules again, by
   * `address port` as the client names them: those heard from (a reply, as a
   * stateful firewall lets through) and destinations already allowed, each
   * for {@link UDP_PEER_TTL_MS} after it was last heard from or allowed.
   * Bounded, least recently used first out.
   */
  readonly peers: Map<string, { address: string; port: number; until: number }>;
  /** UDP: bytes handed to the socket and not yet sent, plus datagrams waiting for a decision. */
  queued: number;
  /**
   * UDP: destinations being judged (at most {@link MAX_UDP_DECISIONS}), by
   * `address port` as the client names them, each with the datagrams
   * waiting for its decision: one decision (and one token) per destination.
   */
  readonly judging: Map<string, Buffer[]>;
  /** UDP: lines about dropped datagrams already logged, as `what: why` (bounded, so a flood logs a few lines). */
  readonly logged: Set<string>;
  /** LISTENING was sent. */
  listening: boolean;
  closed: boolean;
}

/** One WebSocket client. */
class Session {
  readonly #ws: WebSocket;
  readonly #peer: string;
  readonly #destinations: Destinations;
  readonly #limits: Limits;
  readonly #log: (line: string) => void;
  /** The local ends of this relay's streams to itself (see socketKey), shared by every session. */
  readonly #selfEnds: Set<string>;
  readonly #streams = new Map<number, Stream>();
  readonly #listeners = new Map<number, Listener>();
  /** The next id for a stream the relay opens (an accepted connection). */
  #nextRelayId = FIRST_RELAY_STREAM;
  #first = true;
  #confirm = false;
  /** The client listed the listening extension (and the relay offers it). */
  #listenExt = false;
  /** The client listed the UDP listening extension too. */
  #udpListenExt = false;
  #buffered = 0;
  #tokens: number;
  #lastRefill = Date.now();
  /** Bytes sent on the WebSocket and not yet flushed. */
  #outstanding = 0;
  #pausedForClient = false;

  constructor(ws: WebSocket, peer: string, destinations: Destinations, limits: Limits, log: (line: string) => void, selfEnds: Set<string>) {
    this.#selfEnds = selfEnds;
    this.#ws = ws;
    this.#peer = peer;
    this.#destinations = destinations;
    this.#limits = limits;
    this.#log = log;
    this.#tokens = limits.streamBurst;
    ws.binaryType = 'nodebuffer';
    if (ws.protocol !== '') {
      const extensions: WispExtension[] = [
        { id: ExtensionId.UDP, payload: new Uint8Array() },
        { id: ExtensionId.STREAM_CONFIRMATION, payload: new Uint8Array() },
      ];
      if (destinations.listens) {
        extensions.push({ id: ExtensionId.DIALTONE_LISTEN, payload: new Uint8Array() });
        extensions.push({ id: ExtensionId.DIALTONE_LISTEN_UDP, payload: new Uint8Array() });
      }
      this.#send(encodeInfo(2, 0, extensions));
    }
    this.#send(encodeContinue(0, STREAM_BUFFER_PACKETS));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return this.#fail('text message');
      let p: WispPacket;
      try {
        p = decodePacket(data);
      } catch (err) {
        if (err instanceof WispProtocolError) return this.#fail(err.message);
        throw err;
      }
      this.#onPacket(p);
    });
    ws.on('close', () => this.destroy());
    ws.on('error', () => this.destroy());
  }

  #fail(why: string): void {
    this.#log(`relay: closing client ${this.#peer}: protocol error: ${why}`);
    this.#ws.close(1002, 'wisp protocol error');
    this.destroy();
  }

  /** Closes every stream and listener, and the WebSocket. */
  destroy(): void {
    for (const l of this.#listeners.values()) this.#closeListener(l, undefined);
    for (const s of this.#streams.values()) this.#closeStream(s, undefined);
    if (this.#ws.readyState === this.#ws.OPEN) this.#ws.terminate();
  }

  #send(bytes: Uint8Array): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    this.#outstanding += bytes.length;
    this.#ws.send(bytes, { binary: true }, () => {
      this.#outstanding -= bytes.length;
      if (this.#pausedForClient && this.#outstanding < CLIENT_LOW_WATER) {
        this.#pausedForClient = false;
        for (const s of this.#streams.values()) s.tcp?.resume();
      }
    });
    if (!this.#pausedForClient && this.#outstanding > CLIENT_HIGH_WATER) {
      this.#pausedForClient = true;
      for (const s of this.#streams.values()) s.tcp?.pause();
    }
  }

  #onPacket(p: WispPacket): void {
    const first = this.#first;
    this.#first = false;
    if (p.type === 'info') {
      if (!first || this.#ws.protocol === '') return this.#fail('unexpected INFO');
      this.#confirm = p.extensions.some((e) => e.id === ExtensionId.STREAM_CONFIRMATION);
      this.#listenExt = this.#destinations.listens && p.extensions.some((e) => e.id === ExtensionId.DIALTONE_LISTEN);
      this.#udpListenExt = this.#listenExt && p.extensions.some((e) => e.id === ExtensionId.DIALTONE_LISTEN_UDP);
      return;
    }
    if (p.type === 'connect') {
      const id = p.stream;
      // A bug while judging or connecting must not end the relay (an unhandled rejection would).
      return void this.#open(id, p.streamType, p.host, p.port).catch((err: unknown) => {
        this.#log(`relay: closing stream ${id} from ${this.#peer}: internal error: ${err instanceof Error ? err.message : String(err)}`);
        const s = this.#streams.get(id);
        if (s !== undefined) this.#closeStream(s, CloseReason.NETWORK_ERROR);
      });
    }
    if (p.type === 'listen') return this.#listen(p.stream, p.streamType, p.host, p.port);
    if (p.type === 'datagram') {
      const l = this.#listeners.get(p.stream);
      // To a listener that is not (or no longer) a bound UDP one: dropped, as a late DATA is.
      if (l?.udp !== undefined && l.listening) this.#datagramOut(l, p.address, p.port, p.data);
      return;
    }
    if (p.type === 'close') {
      const l = this.#listeners.get(p.stream);
      if (l !== undefined) return this.#closeListener(l, undefined);
    }
    const s = this.#streams.get(p.stream);
    if (s === undefined) return; // a stream already closed: late packets are dropped
    if (p.type === 'close') return this.#endStream(s);
    if (p.type === 'data') return this.#data(s, Buffer.from(p.data));
    // CONTINUE from a client means nothing; LISTENING and ACCEPT from a client neither.
  }

  /** Whether `id` may name a new stream of the client's (else the session fails). */
  #newClientId(id: number, what: string): boolean {
    if (id === 0 || this.#streams.has(id) || this.#listeners.has(id)) {
      this.#fail(`${what} reuses stream id ${id}`);
      return false;
    }
    // With the listening extension, ids from FIRST_RELAY_STREAM up are the relay's.
    if (id >= FIRST_RELAY_STREAM && (this.#listenExt || what === 'LISTEN')) {
      this.#fail(`${what} uses stream id ${id}, in the relay's range`);
      return false;
    }
    return true;
  }

  /** Refills the new-stream rate bound; whether a token is left. */
  #hasToken(): boolean {
    const now = Date.now();
    this.#tokens = Math.min(this.#limits.streamBurst, this.#tokens + ((now - this.#lastRefill) / 1000) * this.#limits.streamsPerSecond);
    this.#lastRefill = now;
    return this.#tokens >= 1;
  }

  #refuseListen(id: number, reason: number, why: string, what: string): void {
    this.#log(`relay: refused listen ${id} from ${this.#peer} on ${what}: ${why}`);
    this.#send(encodeClose(id, reason));
  }

  /** LISTEN (listening extension): bind where the rules allow, answer LISTENING or CLOSE. */
  #listen(id: number, type: number, host: string, port: number): void {
    const shown = host.length > 80 ? `${host.slice(0, 80)}...` : host;
    const what =
      `${shown.includes(':') && !shown.startsWith('[') ? `[${shown}]` : shown}:${port} (${type === StreamType.TCP ? 'tcp' : type === StreamType.UDP ? 'udp' : `type ${type}`})`.replace(
        /[^\x20-\x7e]/g,
        '?',
      );
    if (!this.#newClientId(id, 'LISTEN')) return;
    if (!this.#destinations.listens) return this.#refuseListen(id, CloseReason.BLOCKED, 'listening is off (no --allow-listen)', what);
    if (!this.#listenExt) {
      return this.#refuseListen(
        id,
        CloseReason.INVALID_INFO,
        `the client did not list extension 0x${ExtensionId.DIALTONE_LISTEN.toString(16)}`,
        what,
      );
    }
    if (type === StreamType.UDP && !this.#udpListenExt) {
      return this.#refuseListen(
        id,
        CloseReason.INVALID_INFO,
        `the client did not list extension 0x${ExtensionId.DIALTONE_LISTEN_UDP.toString(16)}`,
        what,
      );
    }
    if (type !== StreamType.TCP && type !== StreamType.UDP) {
      return this.#refuseListen(id, CloseReason.INVALID_INFO, 'only TCP and UDP listeners are offered', what);
    }
    if (!this.#hasToken()) return this.#refuseListen(id, CloseReason.THROTTLED, 'too many new streams per second', what);
    if (this.#listeners.size >= this.#limits.maxListeners) {
      return this.#refuseListen(id, CloseReason.THROTTLED, `too many listeners (at most ${this.#limits.maxListeners})`, what);
    }
    this.#tokens -= 1;
    const d = this.#destinations.decideListen(host, port);
    if (!d.allowed)
      return this.#refuseListen(id, d.invalid === true ? CloseReason.ADDRESS_NOT_AVAILABLE : CloseReason.BLOCKED, d.reason, what);
    const l: Listener = { id, listening: false, closed: false, peers: new Map(), queued: 0, judging: new Map(), logged: new Set() };
    this.#listeners.set(id, l);
    if (type === StreamType.UDP) return this.#listenUdp(l, d.endpoint, what);
    const server = net.createServer({ noDelay: true }, (sock) => this.#inbound(l, sock));
    l.server = server;
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (l.closed || l.listening) return;
      this.#listeners.delete(id);
      l.closed = true;
      this.#refuseListen(id, listenCloseReasonFor(err.code), `cannot listen: ${err.code ?? err.message}`, what);
    });
    server.listen({ host: d.endpoint.address, port: d.endpoint.port, exclusive: true }, () => {
      if (l.closed) return void server.close();
      const bound = server.address() as AddressInfo;
      // A port of the system's choosing must be one the rules allow too.
      const again = this.#destinations.decideListen(bound.address, bound.port);
      if (!again.allowed) {
        this.#listeners.delete(id);
        l.closed = true;
        server.close();
        return this.#refuseListen(id, CloseReason.BLOCKED, again.reason, what);
      }
      l.listening = true;
      server.on('error', () => this.#closeListener(l, CloseReason.NETWORK_ERROR));
      this.#send(encodeListening(id, bound.port, bound.address));
    });
  }

  /** LISTEN for UDP: bind a datagram socket where the rules allowed, then relay datagrams both ways with their peers. */
  #listenUdp(l: Listener, at: IpEndpoint, what: string): void {
    const sock = dgram.createSocket(at.family === 6 ? 'udp6' : 'udp4');
    l.udp = sock;
    sock.once('error', (err: NodeJS.ErrnoException) => {
      if (l.closed || l.listening) return;
      this.#listeners.delete(l.id);
      l.closed = true;
      closeQuietly(sock);
      this.#refuseListen(l.id, listenCloseReasonFor(err.code), `cannot listen: ${err.code ?? err.message}`, what);
    });
    sock.on('message', (msg, rinfo) => this.#datagramIn(l, msg, rinfo.address, rinfo.port));
    sock.bind({ address: at.address, port: at.port, exclusive: true }, () => {
      if (l.closed) return closeQuietly(sock);
      const bound = sock.address();
      const again = this.#destinations.decideListen(bound.address, bound.port);
      if (!again.allowed) {
        this.#listeners.delete(l.id);
        l.closed = true;
        closeQuietly(sock);
        return this.#refuseListen(l.id, CloseReason.BLOCKED, again.reason, what);
      }
      l.listening = true;
      sock.on('error', () => this.#closeListener(l, CloseReason.NETWORK_ERROR));
      this.#send(encodeListening(l.id, bound.port, bound.address));
    });
  }

  /** A datagram to UDP listener `l`: to the client with its sender, unless `--deny-net` covers the sender or the client lags. */
  #datagramIn(l: Listener, msg: Buffer, address: string, port: number): void {
    if (!l.listening || l.closed) return;
    const peer = this.#destinations.acceptFrom(address, port);
    if (!peer.allowed) return this.#logOnce(l, `from ${address}:${port}`, peer.reason);
    remember(l.peers, `${address} ${port}`, { address, port, until: Date.now() + UDP_PEER_TTL_MS });
    // Datagrams may be dropped: never queue without bound for a slow client.
    if (this.#outstanding <= CLIENT_HIGH_WATER) this.#send(encodeDatagram(l.id, port, address, msg));
  }

  /**
   * A datagram from the client through UDP listener `l` to `host`:`port`:
   * sent at once to a peer heard from (or allowed) before; any other
   * destination is judged first, as a UDP CONNECT to it would be, and
   * takes a token of the new-stream rate as one would (else a listener
   * could spray datagrams at unlimited new destinations, or make the relay
   * resolve unlimited names). Datagrams to a destination being judged wait
   * for its one decision. Dropped (as UDP may drop), with a bounded number
   * of log lines: past the queue bound, while too many destinations are
   * being judged, past the rate, or when refused.
   */
  #datagramOut(l: Listener, host: string, port: number, data: Uint8Array): void {
    const to = `to ${host}:${port}`;
    if (data.length > MAX_UDP_PAYLOAD) return this.#logOnce(l, to, `a payload of over ${MAX_UDP_PAYLOAD} bytes`);
    if (l.queued + data.length > UDP_LISTENER_QUEUE_BYTES) {
      return this.#logOnce(l, to, `the listener's queue of ${UDP_LISTENER_QUEUE_BYTES} bytes is full`);
    }
    const key = `${host} ${port}`;
    const known = l.peers.get(key);
    const copy = Buffer.from(data);
    if (known !== undefined && known.until > Date.now()) return this.#udpListenerSend(l, known, copy);
    const waiting = l.judging.get(key);
    if (waiting !== undefined) {
      waiting.push(copy);
      l.queued += copy.length;
      return;
    }
    if (l.judging.size >= MAX_UDP_DECISIONS) {
      return this.#logOnce(l, to, `${MAX_UDP_DECISIONS} new destinations are being judged already`);
    }
    if (!this.#hasToken()) return this.#logOnce(l, to, 'too many new streams per second (a new destination counts as one)');
    this.#tokens -= 1;
    const queue = [copy];
    l.judging.set(key, queue);
    l.queued += copy.length;
    /** Ends the wait: the datagrams that waited for the decision (none if already taken). */
    const take = (): Buffer[] => {
      if (l.judging.get(key) !== queue) return [];
      l.judging.delete(key);
      for (const b of queue) l.queued -= b.length;
      return queue;
    };
    void this.#destinations
      .decide(host, port, 'udp')
      .then((d) => {
        const datagrams = take();
        if (l.closed) return;
        if (!d.allowed) return this.#logOnce(l, to, d.reason);
        const peer = { address: d.endpoint.address, port: d.endpoint.port, until: Date.now() + UDP_PEER_TTL_MS };
        remember(l.peers, key, peer);
        for (const b of datagrams) this.#udpListenerSend(l, peer, b);
      })
      .catch((err: unknown) => {
        // A bug while judging or sending must not end the relay (an unhandled rejection would).
        take();
        this.#logOnce(l, to, `internal error: ${err instanceof Error ? err.message : String(err)}`);
      });
  }

  #udpListenerSend(l: Listener, to: { address: string; port: number }, data: Buffer): void {
    const sock = l.udp;
    if (sock === undefined || l.closed) return;
    l.queued += data.length;
    try {
      // A send error (another family, an unreachable peer) is UDP's silent loss.
      sock.send(data, to.port, to.address, () => {
        l.queued -= data.length;
      });
    } catch {
      l.queued -= data.length;
    }
  }

  /** One log line per UDP peer or destination of a listener and reason it was dropped for (at most {@link MAX_UDP_LOGGED}). */
  #logOnce(l: Listener, what: string, why: string): void {
    const key = `${what}: ${why}`;
    if (l.logged.has(key) || l.logged.size >= MAX_UDP_LOGGED) return;
    l.logged.add(key);
    this.#log(`relay: dropped datagrams ${what} on UDP listener ${l.id} of ${this.#peer}: ${why}`.replace(/[^\x20-\x7e]/g, '?'));
  }

  /** A connection to listener `l`: a new stream of the relay's, announced by ACCEPT, then an ordinary TCP stream. */
  #inbound(l: Listener, sock: net.Socket): void {
    const address = sock.remoteAddress ?? '';
    const port = sock.remotePort ?? 0;
    const refuse = (why: string): void => {
      this.#log(`relay: refused connection from ${address}:${port} to listener ${l.id} of ${this.#peer}: ${why}`);
      sock.destroy();
    };
    if (l.closed || this.#ws.readyState !== this.#ws.OPEN) return void sock.destroy();
    const peer = this.#destinations.acceptFrom(address, port);
    if (!peer.allowed) return refuse(peer.reason);
    if (this.#streams.size >= this.#limits.maxStreams) return refuse(`too many open streams (at most ${this.#limits.maxStreams})`);
    let id = this.#nextRelayId;
    while (this.#streams.has(id)) id = id >= 0xffff_ffff ? FIRST_RELAY_STREAM : id + 1;
    this.#nextRelayId = id >= 0xffff_ffff ? FIRST_RELAY_STREAM : id + 1;
    const s: Stream = {
      id,
      kind: 'tcp',
      tcp: sock,
      inFlight: 0,
      credit: STREAM_BUFFER_PACKETS,
      pending: [],
      bytes: 0,
      connected: true,
      closed: false,
    };
    this.#streams.set(id, s);
    this.#send(encodeAccept(l.id, id, port, address));
    this.#send(encodeContinue(id, STREAM_BUFFER_PACKETS));
    sock.setNoDelay(true);
    this.#pipe(s, sock);
  }

  /** Ends listener `l`; `reason` undefined when the client closed it (no CLOSE is sent back). Its accepted streams live on. */
  #closeListener(l: Listener, reason: number | undefined): void {
    if (l.closed) return;
    l.closed = true;
    this.#listeners.delete(l.id);
    l.server?.close();
    if (l.udp !== undefined) closeAfterSends(l.udp);
    if (reason !== undefined) this.#send(encodeClose(l.id, reason));
  }

  #refuse(id: number, reason: number, why: string, what: string): void {
    this.#log(`relay: refused stream ${id} from ${this.#peer} to ${what}: ${why}`);
    this.#send(encodeClose(id, reason));
  }

  async #open(id: number, type: number, host: string, port: number): Promise<void> {
    const kind = type === StreamType.UDP ? 'udp' : type === StreamType.TCP ? 'tcp' : undefined;
    const what = `${host.length > 80 ? `${host.slice(0, 80)}...` : host}:${port} (${kind ?? `type ${type}`})`.replace(/[^\x20-\x7e]/g, '?');
    if (!this.#newClientId(id, 'CONNECT')) return;
    if (kind === undefined) return this.#refuse(id, CloseReason.INVALID_INFO, 'unknown stream type', what);
    if (!this.#hasToken()) return this.#refuse(id, CloseReason.THROTTLED, 'too many new streams per second', what);
    if (this.#streams.size >= this.#limits.maxStreams) {
      return this.#refuse(id, CloseReason.THROTTLED, `too many open streams (at most ${this.#limits.maxStreams})`, what);
    }
    this.#tokens -= 1;
    const s: Stream = { id, kind, inFlight: 0, credit: STREAM_BUFFER_PACKETS, pending: [], bytes: 0, connected: false, closed: false };
    this.#streams.set(id, s);
    const d = await this.#destinations.decide(host, port, kind);
    if (s.closed) return;
    if (!d.allowed) {
      this.#streams.delete(id);
      s.closed = true;
      this.#release(s);
      return this.#refuse(id, d.unresolved === true ? CloseReason.UNREACHABLE : CloseReason.BLOCKED, d.reason, what);
    }
    const ep = d.endpoint;
    if (kind === 'udp') {
      const sock = dgram.createSocket(ep.family === 6 ? 'udp6' : 'udp4');
      s.udp = sock;
      sock.on('error', () => this.#closeStream(s, CloseReason.NETWORK_ERROR));
      sock.on('message', (msg) => {
        // Datagrams may be dropped: never queue without bound for a slow client.
        if (this.#outstanding <= CLIENT_HIGH_WATER) this.#send(encodeData(id, msg));
      });
      sock.connect(ep.port, ep.address, () => {
        s.connected = true;
        if (this.#confirm) this.#send(encodeContinue(id, STREAM_BUFFER_PACKETS));
        for (const b of s.pending.splice(0)) this.#udpSend(s, b);
      });
      return;
    }
    const sock = net.connect({ host: ep.address, port: ep.port, family: ep.family, noDelay: true });
    s.tcp = sock;
    const timer = setTimeout(() => {
      if (!s.connected) this.#closeStream(s, CloseReason.CONNECT_TIMEOUT);
    }, this.#limits.connectTimeoutMs);
    sock.on('connect', () => {
      clearTimeout(timer);
      s.connected = true;
      if (d.self === true) {
        const local = socketKey(sock.localAddress, sock.localPort);
        this.#selfEnds.add(local);
        sock.once('close', () => this.#selfEnds.delete(local));
      }
      if (this.#confirm) this.#send(encodeContinue(id, STREAM_BUFFER_PACKETS - s.inFlight));
      for (const b of s.pending.splice(0)) this.#tcpWrite(s, b);
    });
    this.#pipe(s, sock, timer);
  }

  /** Relays what TCP socket `sock` of stream `s` receives, and ends the stream with it. */
  #pipe(s: Stream, sock: net.Socket, timer?: ReturnType<typeof setTimeout>): void {
    sock.on('data', (chunk: Buffer) => {
      for (let off = 0; off < chunk.length; off += MAX_DATA) this.#send(encodeData(s.id, chunk.subarray(off, off + MAX_DATA)));
    });
    if (this.#pausedForClient) sock.pause();
    sock.on('end', () => this.#closeStream(s, CloseReason.VOLUNTARY));
    sock.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      this.#closeStream(s, closeReasonFor(err.code));
    });
    sock.on('close', () => {
      clearTimeout(timer);
      this.#closeStream(s, CloseReason.NETWORK_ERROR);
    });
  }

  #data(s: Stream, b: Buffer): void {
    if (s.kind === 'udp') {
      if (!s.connected) {
        if (s.pending.length < STREAM_BUFFER_PACKETS) s.pending.push(b);
        return;
      }
      return this.#udpSend(s, b);
    }
    s.inFlight++;
    s.credit--;
    // Packets already on the way when a CONTINUE left are not the client's fault: twice the credit is the hard cap.
    if (s.inFlight > 2 * STREAM_BUFFER_PACKETS) {
      this.#log(`relay: closing stream ${s.id} from ${this.#peer}: it overran its credit of ${STREAM_BUFFER_PACKETS} packets`);
      return this.#closeStream(s, CloseReason.THROTTLED);
    }
    this.#buffered += b.length;
    s.bytes += b.length;
    if (this.#buffered > this.#limits.maxBufferedBytes) {
      this.#log(`relay: closing stream ${s.id} from ${this.#peer}: client has over ${this.#limits.maxBufferedBytes} bytes buffered`);
      return this.#closeStream(s, CloseReason.THROTTLED);
    }
    if (!s.connected) s.pending.push(b);
    else this.#tcpWrite(s, b);
  }

  #udpSend(s: Stream, b: Buffer): void {
    s.udp?.send(b, () => {});
  }

  #tcpWrite(s: Stream, b: Buffer): void {
    s.tcp?.write(b, () => {
      if (s.closed) return;
      this.#buffered -= b.length;
      s.bytes -= b.length;
      s.inFlight--;
      // Renew the credit once half of it is used and the queue has drained below half.
      if (s.credit <= STREAM_BUFFER_PACKETS / 2 && s.inFlight <= STREAM_BUFFER_PACKETS / 2) {
        s.credit = Math.max(1, STREAM_BUFFER_PACKETS - s.inFlight);
        this.#send(encodeContinue(s.id, s.credit));
      }
    });
  }

  /** Forgets what a closed stream had buffered. */
  #release(s: Stream): void {
    s.pending.length = 0;
    this.#buffered -= s.bytes;
    s.bytes = 0;
  }

  /** The client closed the stream: what it sent before is still delivered, then FIN. */
  #endStream(s: Stream): void {
    const sock = s.tcp;
    if (sock === undefined || !s.connected || s.bytes === 0) return this.#closeStream(s, undefined);
    s.closed = true;
    this.#streams.delete(s.id);
    this.#buffered -= s.bytes;
    s.bytes = 0;
    sock.removeAllListeners('data');
    sock.end();
    const timer = setTimeout(() => sock.destroy(), CLOSE_LINGER_MS);
    sock.once('close', () => clearTimeout(timer));
  }

  /** Ends a stream; `reason` undefined when the client closed it (no CLOSE is sent back). */
  #closeStream(s: Stream, reason: number | undefined): void {
    if (s.closed) return;
    s.closed = true;
    this.#streams.delete(s.id);
    this.#release(s);
    s.tcp?.destroy();
    if (s.udp !== undefined) closeAfterSends(s.udp);
    if (reason !== undefined) this.#send(encodeClose(s.id, reason));
  }
}

/** How long a closed UDP stream or listener may take to send the datagrams already handed to it. */
const UDP_CLOSE_LINGER_MS = 1000;
/** How long a stream the client closed may take to deliver what it had sent. */
const CLOSE_LINGER_MS = 5000;
/** Largest DATA payload the relay sends. */
const MAX_DATA = 64 * 1024;
/** Bytes queued on a client's WebSocket above which its TCP destinations are paused. */
const CLIENT_HIGH_WATER = 4 * 1024 * 1024;
const CLIENT_LOW_WATER = 1024 * 1024;

/** The largest UDP payload (IPv4). */
const MAX_UDP_PAYLOAD = 65507;
/** Bytes a UDP listener may have queued towards its peers; past it datagrams are dropped. */
const UDP_LISTENER_QUEUE_BYTES = 1024 * 1024;
/** Destinations of one UDP listener being judged at once; past it datagrams to new destinations are dropped. */
const MAX_UDP_DECISIONS = 16;
/** Peers one UDP listener remembers as answerable without asking the rules. */
const MAX_UDP_PEERS = 1024;
/** How long a UDP listener's peer stays answerable after it was last heard from (as the guest's own recent peers: 120 s, conntrack's UDP default). */
const UDP_PEER_TTL_MS = 120_000;
/** Lines about dropped datagrams logged per UDP listener. */
const MAX_UDP_LOGGED = 16;

/** Records `key` as the most recently used entry of a bounded map. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_UDP_PEERS) map.delete(map.keys().next().value as string);
}

/** Closes a datagram socket that may already be closed. */
function closeQuietly(sock: dgram.Socket): void {
  try {
    sock.close();
  } catch {
    // ERR_SOCKET_DGRAM_NOT_RUNNING: already closed.
  }
}

/**
 * Closes a datagram socket once the sends already handed to it have left
 * (at most {@link UDP_CLOSE_LINGER_MS} later). A client that sends a
 * datagram and closes the stream or the WebSocket at once (a guest that
 * answers and exits) would otherwise lose it: a send waits a turn of the
 * event loop before reaching the socket, and closing drops it.
 */
function closeAfterSends(sock: dgram.Socket): void {
  sock.removeAllListeners('message');
  const deadline = Date.now() + UDP_CLOSE_LINGER_MS;
  const attempt = (): void => {
    let queued = 0;
    try {
      queued = sock.getSendQueueCount();
    } catch {
      // not running: nothing to wait for
    }
    if (queued > 0 && Date.now() < deadline) return void setTimeout(attempt, 10);
    closeQuietly(sock);
  };
  setImmediate(attempt);
}

/** The CLOSE reason answering a LISTEN the system would not bind (docs/wisp-extensions.md). */
function listenCloseReasonFor(code: string | undefined): number {
  switch (code) {
    case 'EADDRINUSE':
      return CloseReason.ADDRESS_IN_USE;
    case 'EACCES':
    case 'EPERM':
      return CloseReason.BLOCKED;
    case 'EADDRNOTAVAIL':
    case 'EAFNOSUPPORT':
    case 'EINVAL':
      return CloseReason.ADDRESS_NOT_AVAILABLE;
    default:
      return CloseReason.NETWORK_ERROR;
  }
}

function closeReasonFor(code: string | undefined): number {
  switch (code) {
    case 'ECONNREFUSED':
      return CloseReason.REFUSED;
    case 'ETIMEDOUT':
      return CloseReason.CONNECT_TIMEOUT;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return CloseReason.UNREACHABLE;
    default:
      return CloseReason.NETWORK_ERROR;
  }
}
