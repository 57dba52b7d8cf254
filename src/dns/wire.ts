/**
 * The DNS wire format (RFC 1035, EDNS0 from RFC 6891), reduced to what the
 * stub nameserver needs: read one query, write its response with A / AAAA
 * answers or an error code; and, for the DNS-over-HTTPS client of
 * dialtone/net, write a query and read the addresses of its response.
 *
 * Everything read from a message is bounds-checked; malformed input raises
 * {@link DnsFormatError} and nothing else.
 */
import { ipv6ToString, parseIpv4, parseIpv6 } from '../netdev/endpoint.ts';

/** Resource record types the stub names. */
export const DnsType = {
  A: 1,
  AAAA: 28,
  OPT: 41,
  IXFR: 251,
  AXFR: 252,
  MAILB: 253,
  MAILA: 254,
} as const;

/** The Internet class, the only one the stub serves. */
export const DNS_CLASS_IN = 1;

/** The QUERY opcode, the only one the stub serves. */
export const OPCODE_QUERY = 0;

/**
 * Response codes. `BADVERS` is an extended (12-bit) code: its upper 8 bits
 * travel in the OPT record, so it is only valid in a response that has one.
 */
export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  BADVERS: 16,
} as const;
/** A response code from {@link Rcode}. */
export type Rcode = (typeof Rcode)[keyof typeof Rcode];

/** Size of the fixed DNS header. */
export const HEADER_SIZE = 12;
/** The classic UDP message limit, for clients that do not send EDNS0. */
export const UDP_CLASSIC_SIZE = 512;
/**
 * The largest UDP response the stub sends, whatever the client advertises
 * (https://dnsflagday.net/2020/; also the size of Go's receive buffer).
 */
export const UDP_MAX_SIZE = 1232;
/** The largest DNS message: the TCP length prefix is 16 bits. */
export const TCP_MAX_SIZE = 65535;

/** A message that is not a well-formed DNS query. */
export class DnsFormatError extends Error {
  constructor(reason: string) {
    super(`malformed DNS message: ${reason}`);
    this.name = 'DnsFormatError';
  }
}

/** The fields of a query header that its response copies or depends on. */
export interface DnsHeader {
  readonly id: number;
  /** QR: set in responses. A "query" with QR set is not answered. */
  readonly response: boolean;
  readonly opcode: number;
  /** RD, copied into the response. */
  readonly recursionDesired: boolean;
  /** CD, copied into the response. */
  readonly checkingDisabled: boolean;
  readonly qdcount: number;
  readonly ancount: number;
  readonly nscount: number;
  readonly arcount: number;
}

/** The question of a query. */
export interface DnsQuestion {
  /** The name's labels as sent (case preserved), without the root label. */
  readonly labels: readonly Uint8Array[];
  /**
   * The name in lower case, labels joined by `.`, no trailing dot (`""` for
   * the root). Bytes other than letters, digits, `-` and `_` appear as
   * `\DDD` (RFC 1035 §5.1 escapes, so a `.` inside a label is `\046`).
   */
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

/** What an EDNS0 OPT record in a query said. */
export interface DnsEdns {
  /** The requestor's UDP payload size (values below 512 mean 512). */
  readonly udpPayloadSize: number;
  readonly version: number;
  /** The DO bit. */
  readonly dnssecOk: boolean;
}

/** A parsed query: exactly one question, and the OPT record if any. */
export interface DnsQuery {
  readonly header: DnsHeader;
  readonly question: DnsQuestion;
  readonly edns: DnsEdns | undefined;
}

const POINTER_MASK = 0xc0;
/** A name is at most 255 octets on the wire (RFC 1035 §3.1). */
const MAX_NAME_WIRE = 255;
/** Compression pointers followed per name before giving up on a loop. */
const MAX_POINTERS = 32;

/**
 * Reads the header, or `undefined` when the message is shorter than one.
 * Used to answer FORMERR to a query whose body is malformed.
 */
export function readHeader(msg: Uint8Array): DnsHeader | undefined {
  if (msg.length < HEADER_SIZE) return undefined;
  const b2 = msg[2]!;
  const b3 = msg[3]!;
  return {
    id: u16(msg, 0),
    response: (b2 & 0x80) !== 0,
    opcode: (b2 >> 3) & 0x0f,
    recursionDesired: (b2 & 0x01) !== 0,
    checkingDisabled: (b3 & 0x10) !== 0,
    qdcount: u16(msg, 4),
    ancount: u16(msg, 6),
    nscount: u16(msg, 8),
    arcount: u16(msg, 10),
  };
}

/**
 * Parses a query: the header, exactly one question, and the records after it
 * (skipped, except an OPT record in the additional section, which is read).
 * Trailing bytes after the last record are rejected.
 *
 * @throws {DnsFormatError} on anything malformed; never anything else.
 */
export function parseQuery(msg: Uint8Array): DnsQuery {
  const header = readHeader(msg);
  if (header === undefined) throw new DnsFormatError(`${msg.length} bytes is shorter than a header`);
  if (header.qdcount !== 1) throw new DnsFormatError(`${header.qdcount} questions (expected 1)`);
  let off = HEADER_SIZE;
  const name = readName(msg, off);
  off = name.end;
  need(msg, off, 4, 'question');
  const question: DnsQuestion = { labels: name.labels, name: presentName(name.labels), type: u16(msg, off), class: u16(msg, off + 2) };
  off += 4;

  let edns: DnsEdns | undefined;
  const records = header.ancount + header.nscount + header.arcount;
  for (let i = 0; i < records; i++) {
    const owner = readName(msg, off);
    off = owner.end;
    need(msg, off, 10, 'record header');
    const type = u16(msg, off);
    const rdlength = u16(msg, off + 8);
    need(msg, off + 10, rdlength, 'record data');
    if (type === DnsType.OPT) {
      if (i < header.ancount + header.nscount) throw new DnsFormatError('OPT record outside the additional section');
      if (edns !== undefined) throw new DnsFormatError('more than one OPT record');
      if (owner.labels.length !== 0) throw new DnsFormatError('OPT record not owned by the root');
      edns = { udpPayloadSize: u16(msg, off + 2), version: msg[off + 5]!, dnssecOk: (msg[off + 6]! & 0x80) !== 0 };
    }
    off += 10 + rdlength;
  }
  if (off !== msg.length) throw new DnsFormatError(`${msg.length - off} bytes after the last record`);
  return { header, question, edns };
}

/** One answer record; its owner is the question's name. */
export interface DnsAnswer {
  /** `A` (4) or `AAAA` (28); must agree with the address family. */
  readonly type: typeof DnsType.A | typeof DnsType.AAAA;
  /** Textual IPv4 address for `A`, IPv6 (zone ignored) for `AAAA`. */
  readonly address: string;
}

/** What {@link buildResponse} writes. */
export interface DnsResponseSpec {
  /** The query's header: its ID, opcode, RD and CD are copied. */
  readonly header: DnsHeader;
  /** Echoed in the question section; omitted (QDCOUNT 0) when undefined. */
  readonly question?: DnsQuestion | undefined;
  readonly rcode: Rcode;
  readonly answers?: readonly DnsAnswer[] | undefined;
  /** TTL of the answers, in seconds. */
  readonly ttl?: number | undefined;
  /**
   * Whether to add an OPT record (RFC 6891 §6.1.1: when the query had one).
   * Required when `rcode` is `BADVERS`.
   */
  readonly edns?: boolean | undefined;
  /**
   * Largest message to produce. Answers that do not fit are left out and TC
   * is set, telling the client to ask again over TCP. At least 512.
   */
  readonly maxSize: number;
}

/** Answer TTL used unless told otherwise, in seconds. */
export const DEFAULT_TTL = 30;

const OPT_RECORD_SIZE = 11;
/** Owner (pointer) + type, class, TTL, rdlength. */
const ANSWER_FIXED_SIZE = 12;

/**
 * Builds a response: QR=1, RA=1, the query's ID / opcode / RD / CD, the
 * question echoed, answers owned by a compression pointer to the question
 * name, and an OPT record when asked for.
 *
 * @throws {RangeError} for arguments no query could lead to (an answer with
 * no question, an address of the wrong family, `maxSize` below 512); these
 * are host bugs.
 */
export function buildResponse(spec: DnsResponseSpec): Uint8Array {
  const answers = spec.answers ?? [];
  const ttl = spec.ttl ?? DEFAULT_TTL;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 0x7fffffff) throw new RangeError(`bad TTL ${ttl}`);
  if (spec.maxSize < UDP_CLASSIC_SIZE) throw new RangeError(`maxSize ${spec.maxSize} is below ${UDP_CLASSIC_SIZE}`);
  if (spec.rcode === Rcode.BADVERS && spec.edns !== true) throw new RangeError('BADVERS needs an OPT record');
  if (answers.length > 0 && spec.question === undefined) throw new RangeError('answers without a question');
  const rdata = answers.map((a) => addressBytes(a));

  const questionSize = spec.question === undefined ? 0 : nameWireSize(spec.question.labels) + 4;
  const fixed = HEADER_SIZE + questionSize + (spec.edns === true ? OPT_RECORD_SIZE : 0);
  let size = fixed;
  let fitting = 0;
  for (const r of rdata) {
    const next = size + ANSWER_FIXED_SIZE + r.length;
    if (next > spec.maxSize) break;
    size = next;
    fitting++;
  }
  const truncated = fitting < rdata.length;

  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint16(0, spec.header.id);
  // QR | opcode | TC | RD, then RA | CD | low 4 bits of the rcode.
  out[2] = 0x80 | ((spec.header.opcode & 0x0f) << 3) | (truncated ? 0x02 : 0) | (spec.header.recursionDesired ? 0x01 : 0);
  out[3] = 0x80 | (spec.header.checkingDisabled ? 0x10 : 0) | (spec.rcode & 0x0f);
  view.setUint16(4, spec.question === undefined ? 0 : 1);
  view.setUint16(6, fitting);
  view.setUint16(8, 0);
  view.setUint16(10, spec.edns === true ? 1 : 0);
  let off = HEADER_SIZE;
  if (spec.question !== undefined) {
    for (const label of spec.question.labels) {
      out[off++] = label.length;
      out.set(label, off);
      off += label.length;
    }
    out[off++] = 0;
    view.setUint16(off, spec.question.type);
    view.setUint16(off + 2, spec.question.class);
    off += 4;
  }
  for (let i = 0; i < fitting; i++) {
    const r = rdata[i]!;
    view.setUint16(off, 0xc000 | HEADER_SIZE); // the question name
    view.setUint16(off + 2, answers[i]!.type);
    view.setUint16(off + 4, DNS_CLASS_IN);
    view.setUint32(off + 6, ttl);
    view.setUint16(off + 10, r.length);
    out.set(r, off + 12);
    off += ANSWER_FIXED_SIZE + r.length;
  }
  if (spec.edns === true) {
    // Root owner, TYPE=OPT, CLASS=our payload size, TTL=ext-rcode|version|flags, RDLEN=0.
    out[off] = 0;
    view.setUint16(off + 1, DnsType.OPT);
    view.setUint16(off + 3, UDP_MAX_SIZE);
    out[off + 5] = spec.rcode >> 4;
  }
  return out;
}

/** The wire size of a name made of `labels`, including the root label. */
function nameWireSize(labels: readonly Uint8Array[]): number {
  let n = 1;
  for (const l of labels) n += 1 + l.length;
  return n;
}

/** Reads a (possibly compressed) name starting at `start`. */
function readName(msg: Uint8Array, start: number): { labels: Uint8Array[]; end: number } {
  const labels: Uint8Array[] = [];
  let off = start;
  let end = -1; // where the name ends in the message, once a pointer is followed
  let segment = start; // where the labels being read began
  let wire = 1;
  let pointers = 0;
  for (;;) {
    need(msg, off, 1, 'name');
    const len = msg[off]!;
    if ((len & POINTER_MASK) === POINTER_MASK) {
      need(msg, off, 2, 'name pointer');
      const target = u16(msg, off) & 0x3fff;
      // A pointer refers to a name written earlier, after the header. Each
      // jump must land before the labels that led to it, so jumps strictly
      // decrease and cannot loop.
      if (target < HEADER_SIZE || target >= segment) throw new DnsFormatError('name pointer does not point back to an earlier name');
      if (++pointers > MAX_POINTERS) throw new DnsFormatError('too many name pointers');
      if (end < 0) end = off + 2;
      off = target;
      segment = target;
      continue;
    }
    // 0x40 and 0x80 are the obsolete extended label types; so a label cannot exceed 63 bytes.
    if ((len & POINTER_MASK) !== 0) throw new DnsFormatError(`unsupported label type 0x${len.toString(16)}`);
    if (len === 0) return { labels, end: end < 0 ? off + 1 : end };
    need(msg, off + 1, len, 'label');
    wire += 1 + len;
    if (wire > MAX_NAME_WIRE) throw new DnsFormatError('name longer than 255 bytes');
    labels.push(msg.slice(off + 1, off + 1 + len));
    off += 1 + len;
  }
}

/** Lower-case presentation form; see {@link DnsQuestion.name}. */
function presentName(labels: readonly Uint8Array[]): string {
  const parts: string[] = [];
  for (const label of labels) {
    let s = '';
    for (const c of label) {
      if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f) s += String.fromCharCode(c);
      else if (c >= 0x41 && c <= 0x5a) s += String.fromCharCode(c + 0x20);
      else s += `\\${c.toString().padStart(3, '0')}`;
    }
    parts.push(s);
  }
  return parts.join('.');
}

function u16(msg: Uint8Array, off: number): number {
  return (msg[off]! << 8) | msg[off + 1]!;
}

function need(msg: Uint8Array, off: number, n: number, what: string): void {
  if (off + n > msg.length) throw new DnsFormatError(`${what} runs past the end of the message`);
}

/** The 4 or 16 bytes of an answer's address. */
function addressBytes(a: DnsAnswer): Uint8Array {
  const bytes = a.type === DnsType.A ? parseIpv4(a.address) : a.type === DnsType.AAAA ? parseIpv6(a.address) : undefined;
  if (bytes === undefined) throw new RangeError(`${a.address} is not an address for record type ${String(a.type)}`);
  return bytes;
}

/** CNAME, which a resolver's answer may lead through before its addresses. */
const TYPE_CNAME = 5;

/**
 * A query for `name` (presentation form, a trailing dot allowed) and `type`,
 * recursion desired, with ID `id` (0 for DNS over HTTPS, RFC 8484 §4.1).
 *
 * @throws {DnsFormatError} for a name that cannot be sent: an empty label,
 * a label over 63 bytes, a name over 255 bytes.
 */
export function buildQuery(name: string, type: number, id = 0): Uint8Array<ArrayBuffer> {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  const labels = trimmed === '' ? [] : trimmed.split('.').map((l) => new TextEncoder().encode(l));
  for (const l of labels)
    if (l.length === 0 || l.length > 63) throw new DnsFormatError(`label of ${l.length} bytes in ${JSON.stringify(name)}`);
  const size = nameWireSize(labels);
  if (size > MAX_NAME_WIRE) throw new DnsFormatError(`name ${JSON.stringify(name)} is longer than 255 bytes`);
  const out = new Uint8Array(HEADER_SIZE + size + 4);
  const view = new DataView(out.buffer);
  view.setUint16(0, id);
  out[2] = 0x01; // RD
  view.setUint16(4, 1);
  let off = HEADER_SIZE;
  for (const l of labels) {
    out[off++] = l.length;
    out.set(l, off);
    off += l.length;
  }
  out[off++] = 0;
  view.setUint16(off, type);
  view.setUint16(off + 2, DNS_CLASS_IN);
  return out;
}

/** What {@link parseResponse} read: the addresses the answer gives the question's name. */
export interface DnsResponse {
  readonly header: DnsHeader;
  /** The low 4 bits of the response code (NOERROR, NXDOMAIN, SERVFAIL, ...). */
  readonly rcode: number;
  /** TC: the answer was cut short. */
  readonly truncated: boolean;
  readonly question: DnsQuestion | undefined;
  /**
   * Addresses of the question's type owned by its name, or by a name a
   * CNAME chain from it leads to, in answer order, each with its TTL.
   */
  readonly addresses: readonly { readonly address: string; readonly ttl: number }[];
}

/**
 * Parses a response (to a query of {@link buildQuery}): its header, code,
 * question and the A / AAAA addresses its answer section gives the
 * question's name, following CNAMEs. Other records are skipped.
 *
 * @throws {DnsFormatError} on anything malformed (and for a message that is not a response); never anything else.
 */
export function parseResponse(msg: Uint8Array): DnsResponse {
  const header = readHeader(msg);
  if (header === undefined) throw new DnsFormatError(`${msg.length} bytes is shorter than a header`);
  if (!header.response) throw new DnsFormatError('not a response (QR is 0)');
  if (header.qdcount > 1) throw new DnsFormatError(`${header.qdcount} questions`);
  let off = HEADER_SIZE;
  let question: DnsQuestion | undefined;
  if (header.qdcount === 1) {
    const name = readName(msg, off);
    off = name.end;
    need(msg, off, 4, 'question');
    question = { labels: name.labels, name: presentName(name.labels), type: u16(msg, off), class: u16(msg, off + 2) };
    off += 4;
  }
  const owners = new Set(question === undefined ? [] : [question.name]);
  const addresses: { address: string; ttl: number }[] = [];
  for (let i = 0; i < header.ancount; i++) {
    const owner = readName(msg, off);
    off = owner.end;
    need(msg, off, 10, 'record header');
    const type = u16(msg, off);
    const cls = u16(msg, off + 2);
    const ttl = ((msg[off + 4]! << 24) >>> 0) + (msg[off + 5]! << 16) + (msg[off + 6]! << 8) + msg[off + 7]!;
    const rdlength = u16(msg, off + 8);
    const rdata = off + 10;
    need(msg, rdata, rdlength, 'record data');
    const ownerName = presentName(owner.labels);
    if (cls === DNS_CLASS_IN && owners.has(ownerName)) {
      if (type === TYPE_CNAME) {
        const target = readName(msg, rdata);
        if (target.end > rdata + rdlength) throw new DnsFormatError('CNAME runs past its record');
        owners.add(presentName(target.labels));
      } else if (type === question?.type && type === DnsType.A && rdlength === 4) {
        addresses.push({ address: Array.from(msg.subarray(rdata, rdata + 4)).join('.'), ttl: Math.min(ttl, 0x7fffffff) });
      } else if (type === question?.type && type === DnsType.AAAA && rdlength === 16) {
        addresses.push({ address: ipv6ToString(msg.subarray(rdata, rdata + 16)), ttl: Math.min(ttl, 0x7fffffff) });
      }
    }
    off = rdata + rdlength;
  }
  return { header, rcode: msg[3]! & 0x0f, truncated: (msg[2]! & 0x02) !== 0, question, addresses };
}
