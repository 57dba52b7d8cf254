/**
 * The Wisp wire format: one packet per binary WebSocket message, a type
 * byte, a little-endian u32 stream id and a payload (protocol:
 * https://github.com/MercuryWorkshop/wisp-protocol/blob/main/protocol.md,
 * v2 drafts on its `v2` branch). Decoding never trusts its input: anything
 * malformed throws {@link WispProtocolError} and nothing else.
 *
 * Besides Wisp's own packets it knows those of dialtone's listening
 * extensions (LISTEN, LISTENING, ACCEPT, and DATAGRAM for UDP listeners:
 * docs/wisp-extensions.md), which peers send only once both listed
 * {@link ExtensionId.DIALTONE_LISTEN} (and, for UDP,
 * {@link ExtensionId.DIALTONE_LISTEN_UDP}).
 * @module
 */

/** Packet types. */
export const PacketType = {
  CONNECT: 0x01,
  DATA: 0x02,
  CONTINUE: 0x03,
  CLOSE: 0x04,
  INFO: 0x05,
  /** dialtone listening extension, client → relay: listen on a port (payload laid out as CONNECT's). */
  LISTEN: 0xd1,
  /** dialtone listening extension, relay → client: the listener is bound (u16 port, address). */
  LISTENING: 0xd2,
  /** dialtone listening extension, relay → client: a connection arrived (u32 new stream id, u16 peer port, peer address). */
  ACCEPT: 0xd3,
  /**
   * dialtone UDP listening extension, both ways on a UDP listener's stream: one
   * datagram and its peer (u16 port, u8 address length, address, payload).
   */
  DATAGRAM: 0xd6,
} as const;

/** Stream types of a CONNECT. */
export const StreamType = { TCP: 0x01, UDP: 0x02 } as const;

/** Close reasons (any other byte is accepted and passed on as is). */
export const CloseReason = {
  UNKNOWN: 0x01,
  VOLUNTARY: 0x02,
  NETWORK_ERROR: 0x03,
  INCOMPATIBLE_EXTENSIONS: 0x04,
  INVALID_INFO: 0x41,
  UNREACHABLE: 0x42,
  CONNECT_TIMEOUT: 0x43,
  REFUSED: 0x44,
  TRANSFER_TIMEOUT: 0x47,
  BLOCKED: 0x48,
  THROTTLED: 0x49,
  CLIENT_ERROR: 0x81,
  BAD_PASSWORD: 0xc0,
  BAD_SIGNATURE: 0xc1,
  CREDENTIALS_REQUIRED: 0xc2,
  /** dialtone listening extension: the address and port are already in use at the relay. */
  ADDRESS_IN_USE: 0xd4,
  /** dialtone listening extension: the relay has no such local address to listen on. */
  ADDRESS_NOT_AVAILABLE: 0xd5,
} as const;

/** Extension ids of a v2 INFO packet. */
export const ExtensionId = {
  UDP: 0x01,
  PASSWORD: 0x02,
  KEY: 0x03,
  MOTD: 0x04,
  STREAM_CONFIRMATION: 0x05,
  /** dialtone's listening extension (docs/wisp-extensions.md). */
  DIALTONE_LISTEN: 0xda,
  /** dialtone's UDP listening extension (docs/wisp-extensions.md); used with {@link DIALTONE_LISTEN}. */
  DIALTONE_LISTEN_UDP: 0xdb,
} as const;

/**
 * With the listening extension, stream ids from here up are the relay's
 * (streams it opens for accepted connections); a client's stay below.
 */
export const FIRST_RELAY_STREAM = 0x8000_0000;

/** The largest packet (WebSocket message) accepted by the decoder: a DATA payload up to 64 KiB plus slack. */
export const MAX_PACKET_SIZE = 1 << 20;
/** The longest host name a CONNECT may carry (a DNS name is at most 253 characters; IPv6 literals are shorter). */
export const MAX_HOSTNAME_LENGTH = 253;
/** Most extensions accepted in one INFO packet. */
export const MAX_EXTENSIONS = 32;

/** A v2 extension record: id and opaque payload. */
export interface WispExtension {
  readonly id: number;
  readonly payload: Uint8Array;
}

/** A decoded packet. */
export type WispPacket =
  | { readonly type: 'connect'; readonly stream: number; readonly streamType: number; readonly port: number; readonly host: string }
  | { readonly type: 'data'; readonly stream: number; readonly data: Uint8Array }
  | { readonly type: 'continue'; readonly stream: number; readonly remaining: number }
  | { readonly type: 'close'; readonly stream: number; readonly reason: number }
  | { readonly type: 'listen'; readonly stream: number; readonly streamType: number; readonly port: number; readonly host: string }
  | { readonly type: 'listening'; readonly stream: number; readonly port: number; readonly address: string }
  | {
      readonly type: 'accept';
      readonly stream: number;
      /** The relay's id for the accepted connection's stream. */
      readonly newStream: number;
      readonly port: number;
      readonly address: string;
    }
  | {
      readonly type: 'datagram';
      /** The UDP listener's stream. */
      readonly stream: number;
      /** The peer: the sender (relay → client) or the destination (client → relay). */
      readonly port: number;
      readonly address: string;
      readonly data: Uint8Array;
    }
  | {
      readonly type: 'info';
      readonly stream: number;
      readonly major: number;
      readonly minor: number;
      readonly extensions: readonly WispExtension[];
    };

/** A malformed packet: the only error {@link decodePacket} throws. */
export class WispProtocolError extends Error {
  override readonly name = 'WispProtocolError';
}

const HEADER = 5;

function header(type: number, stream: number, payload: number): { buf: Uint8Array<ArrayBuffer>; view: DataView } {
  const buf = new Uint8Array(HEADER + payload);
  const view = new DataView(buf.buffer);
  view.setUint8(0, type);
  view.setUint32(1, stream >>> 0, true);
  return { buf, view };
}

/** CONNECT: open `stream` to `host`:`port` over TCP or UDP. */
export function encodeConnect(stream: number, streamType: number, port: number, host: string): Uint8Array<ArrayBuffer> {
  const name = new TextEncoder().encode(host);
  const { buf, view } = header(PacketType.CONNECT, stream, 3 + name.length);
  view.setUint8(5, streamType);
  view.setUint16(6, port, true);
  buf.set(name, 8);
  return buf;
}

/** LISTEN (listening extension): make `stream` a listener on `host` (an IP literal) and `port` (0 = any). */
export function encodeListen(stream: number, streamType: number, port: number, host: string): Uint8Array<ArrayBuffer> {
  const buf = encodeConnect(stream, streamType, port, host);
  buf[0] = PacketType.LISTEN;
  return buf;
}

/** LISTENING (listening extension): listener `stream` is bound to `address`:`port`. */
export function encodeListening(stream: number, port: number, address: string): Uint8Array<ArrayBuffer> {
  const name = new TextEncoder().encode(address);
  const { buf, view } = header(PacketType.LISTENING, stream, 2 + name.length);
  view.setUint16(5, port, true);
  buf.set(name, 7);
  return buf;
}

/** ACCEPT (listening extension): listener `stream` took a connection from `address`:`port`, now stream `newStream`. */
export function encodeAccept(stream: number, newStream: number, port: number, address: string): Uint8Array<ArrayBuffer> {
  const name = new TextEncoder().encode(address);
  const { buf, view } = header(PacketType.ACCEPT, stream, 6 + name.length);
  view.setUint32(5, newStream >>> 0, true);
  view.setUint16(9, port, true);
  buf.set(name, 11);
  return buf;
}

/**
 * DATAGRAM (UDP listening extension): on UDP listener `stream`, `data` from
 * (relay → client) or to (client → relay) `address`:`port`. `address` is 1 to
 * {@link MAX_HOSTNAME_LENGTH} bytes of UTF-8 (RangeError otherwise: a caller's bug).
 */
export function encodeDatagram(stream: number, port: number, address: string, data: Uint8Array): Uint8Array<ArrayBuffer> {
  const name = new TextEncoder().encode(address);
  if (name.length === 0 || name.length > MAX_HOSTNAME_LENGTH) throw new RangeError(`DATAGRAM address of ${name.length} bytes`);
  const { buf, view } = header(PacketType.DATAGRAM, stream, 3 + name.length + data.length);
  view.setUint16(5, port, true);
  view.setUint8(7, name.length);
  buf.set(name, 8);
  buf.set(data, 8 + name.length);
  return buf;
}

/** DATA: `data` for `stream` (copied). */
export function encodeData(stream: number, data: Uint8Array): Uint8Array<ArrayBuffer> {
  const { buf } = header(PacketType.DATA, stream, data.length);
  buf.set(data, HEADER);
  return buf;
}

/** CONTINUE: the receiver's buffer has room for `remaining` more packets. */
export function encodeContinue(stream: number, remaining: number): Uint8Array<ArrayBuffer> {
  const { buf, view } = header(PacketType.CONTINUE, stream, 4);
  view.setUint32(5, remaining >>> 0, true);
  return buf;
}

/** CLOSE: `stream` ends, for `reason`. */
export function encodeClose(stream: number, reason: number): Uint8Array<ArrayBuffer> {
  const { buf, view } = header(PacketType.CLOSE, stream, 1);
  view.setUint8(5, reason);
  return buf;
}

/** INFO (v2): version and extensions, on stream 0. */
export function encodeInfo(major: number, minor: number, extensions: readonly WispExtension[]): Uint8Array<ArrayBuffer> {
  const size = 2 + extensions.reduce((n, e) => n + 5 + e.payload.length, 0);
  const { buf, view } = header(PacketType.INFO, 0, size);
  view.setUint8(5, major);
  view.setUint8(6, minor);
  let off = 7;
  for (const e of extensions) {
    view.setUint8(off, e.id);
    view.setUint32(off + 1, e.payload.length, true);
    buf.set(e.payload, off + 5);
    off += 5 + e.payload.length;
  }
  return buf;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A host name or address at the end of a packet: UTF-8, at most {@link MAX_HOSTNAME_LENGTH} bytes. */
function hostText(bytes: Uint8Array, what: string): string {
  if (bytes.length > MAX_HOSTNAME_LENGTH) throw new WispProtocolError(`${what} of ${bytes.length} bytes is too long`);
  try {
    return utf8.decode(bytes);
  } catch {
    throw new WispProtocolError(`${what} is not UTF-8`);
  }
}

/**
 * Decodes one packet. DATA payloads are views into `bytes` (copy them to
 * keep them). Throws {@link WispProtocolError} for a packet that is too
 * short, too long, of an unknown type, or whose host name or address (CONNECT,
 * LISTEN, LISTENING, ACCEPT, DATAGRAM) is not UTF-8 or longer than
 * {@link MAX_HOSTNAME_LENGTH}; never anything else.
 */
export function decodePacket(bytes: Uint8Array): WispPacket {
  if (bytes.length < HEADER) throw new WispProtocolError(`packet of ${bytes.length} bytes is shorter than the 5-byte header`);
  if (bytes.length > MAX_PACKET_SIZE) throw new WispProtocolError(`packet of ${bytes.length} bytes is over ${MAX_PACKET_SIZE}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint8(0);
  const stream = view.getUint32(1, true);
  const size = bytes.length - HEADER;
  const need = (n: number, what: string): void => {
    if (size < n) throw new WispProtocolError(`${what} payload of ${size} bytes is shorter than ${n}`);
  };
  switch (type) {
    case PacketType.CONNECT:
    case PacketType.LISTEN: {
      const name = type === PacketType.CONNECT ? 'CONNECT' : 'LISTEN';
      need(3, name);
      const host = hostText(bytes.subarray(8), `${name} host name`);
      return {
        type: type === PacketType.CONNECT ? 'connect' : 'listen',
        stream,
        streamType: view.getUint8(5),
        port: view.getUint16(6, true),
        host,
      };
    }
    case PacketType.LISTENING:
      need(2, 'LISTENING');
      return { type: 'listening', stream, port: view.getUint16(5, true), address: hostText(bytes.subarray(7), 'LISTENING address') };
    case PacketType.ACCEPT:
      need(6, 'ACCEPT');
      return {
        type: 'accept',
        stream,
        newStream: view.getUint32(5, true),
        port: view.getUint16(9, true),
        address: hostText(bytes.subarray(11), 'ACCEPT address'),
      };
    case PacketType.DATAGRAM: {
      need(3, 'DATAGRAM');
      const len = view.getUint8(7);
      if (len === 0) throw new WispProtocolError('DATAGRAM address is empty');
      need(3 + len, 'DATAGRAM');
      return {
        type: 'datagram',
        stream,
        port: view.getUint16(5, true),
        address: hostText(bytes.subarray(8, 8 + len), 'DATAGRAM address'),
        data: bytes.subarray(8 + len),
      };
    }
    case PacketType.DATA:
      return { type: 'data', stream, data: bytes.subarray(HEADER) };
    case PacketType.CONTINUE:
      need(4, 'CONTINUE');
      return { type: 'continue', stream, remaining: view.getUint32(5, true) };
    case PacketType.CLOSE:
      need(1, 'CLOSE');
      return { type: 'close', stream, reason: view.getUint8(5) };
    case PacketType.INFO: {
      need(2, 'INFO');
      const extensions: WispExtension[] = [];
      let off = 7;
      while (off < bytes.length) {
        if (bytes.length - off < 5) throw new WispProtocolError('INFO extension header is truncated');
        if (extensions.length >= MAX_EXTENSIONS) throw new WispProtocolError(`INFO has more than ${MAX_EXTENSIONS} extensions`);
        const id = view.getUint8(off);
        const len = view.getUint32(off + 1, true);
        if (len > bytes.length - off - 5) throw new WispProtocolError(`INFO extension 0x${id.toString(16)} overruns the packet`);
        extensions.push({ id, payload: bytes.subarray(off + 5, off + 5 + len) });
        off += 5 + len;
      }
      return { type: 'info', stream, major: view.getUint8(5), minor: view.getUint8(6), extensions };
    }
    default:
      throw new WispProtocolError(`unknown packet type 0x${type.toString(16)}`);
  }
}

/** A close reason's name, for logs and messages. */
export function closeReasonName(reason: number): string {
  for (const [name, value] of Object.entries(CloseReason)) if (value === reason) return name.toLowerCase().replaceAll('_', ' ');
  return `0x${reason.toString(16).padStart(2, '0')}`;
}
