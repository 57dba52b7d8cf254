// Test-side DNS messages, written independently of src/dns/wire.ts: a query
// builder shaped like Go's (dnsclient_unix.go newRequest) and a response reader
// that follows compression pointers the way any client would.
import assert from 'node:assert/strict';

/** What {@link makeQuery} writes. */
export interface QuerySpec {
  id?: number;
  /** Presentation name; a trailing dot is ignored. */
  name: string;
  type?: number;
  qclass?: number;
  opcode?: number;
  rd?: boolean;
  /** Add an EDNS0 OPT record advertising this UDP size (Go: 1232). */
  ednsSize?: number;
  ednsVersion?: number;
}

/** A DNS query as Go's resolver builds one. */
export function makeQuery(spec: QuerySpec): Uint8Array {
  const bytes: number[] = [];
  const u16 = (n: number): void => {
    bytes.push((n >> 8) & 0xff, n & 0xff);
  };
  u16(spec.id ?? 0x1234);
  bytes.push(((spec.opcode ?? 0) << 3) | ((spec.rd ?? true) ? 1 : 0), 0);
  u16(1);
  u16(0);
  u16(0);
  u16(spec.ednsSize === undefined ? 0 : 1);
  for (const label of spec.name.replace(/\.$/, '').split('.')) {
    if (label === '') continue;
    bytes.push(label.length, ...Buffer.from(label, 'latin1'));
  }
  bytes.push(0);
  u16(spec.type ?? 1);
  u16(spec.qclass ?? 1);
  if (spec.ednsSize !== undefined) {
    bytes.push(0); // root owner
    u16(41);
    u16(spec.ednsSize);
    bytes.push(0, spec.ednsVersion ?? 0, 0, 0); // ext rcode, version, flags
    u16(0);
  }
  return Uint8Array.from(bytes);
}

/** One decoded resource record. */
export interface Rr {
  name: string;
  type: number;
  class: number;
  ttl: number;
  data: Uint8Array;
}

/** A decoded response. */
export interface Decoded {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  rcode: number;
  questions: { name: string; type: number; class: number }[];
  answers: Rr[];
  authorities: Rr[];
  additionals: Rr[];
}

/** Decodes a whole response, asserting it is well formed and has no trailing bytes. */
export function decode(msg: Uint8Array): Decoded {
  const dv = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  assert.ok(msg.length >= 12, 'response shorter than a header');
  let off = 12;
  const name = (): string => {
    const labels: string[] = [];
    let p = off;
    let jumped = false;
    for (let hops = 0; ; hops++) {
      assert.ok(hops < 100, 'pointer loop');
      const len = dv.getUint8(p);
      if ((len & 0xc0) === 0xc0) {
        if (!jumped) off = p + 2;
        jumped = true;
        p = dv.getUint16(p) & 0x3fff;
        continue;
      }
      assert.equal(len & 0xc0, 0, 'bad label type');
      if (len === 0) {
        if (!jumped) off = p + 1;
        return labels.join('.');
      }
      labels.push(Buffer.from(msg.subarray(p + 1, p + 1 + len)).toString('latin1'));
      p += 1 + len;
    }
  };
  const rr = (): Rr => {
    const n = name();
    const r = { name: n, type: dv.getUint16(off), class: dv.getUint16(off + 2), ttl: dv.getUint32(off + 4), data: new Uint8Array(0) };
    const len = dv.getUint16(off + 8);
    assert.ok(off + 10 + len <= msg.length, 'record data past the end');
    r.data = msg.slice(off + 10, off + 10 + len);
    off += 10 + len;
    return r;
  };
  const b2 = dv.getUint8(2);
  const b3 = dv.getUint8(3);
  const out: Decoded = {
    id: dv.getUint16(0),
    qr: (b2 & 0x80) !== 0,
    opcode: (b2 >> 3) & 0xf,
    aa: (b2 & 0x04) !== 0,
    tc: (b2 & 0x02) !== 0,
    rd: (b2 & 0x01) !== 0,
    ra: (b3 & 0x80) !== 0,
    rcode: b3 & 0xf,
    questions: [],
    answers: [],
    authorities: [],
    additionals: [],
  };
  const [qd, an, ns, ar] = [dv.getUint16(4), dv.getUint16(6), dv.getUint16(8), dv.getUint16(10)];
  for (let i = 0; i < qd; i++) {
    const n = name();
    out.questions.push({ name: n, type: dv.getUint16(off), class: dv.getUint16(off + 2) });
    off += 4;
  }
  for (let i = 0; i < an; i++) out.answers.push(rr());
  for (let i = 0; i < ns; i++) out.authorities.push(rr());
  for (let i = 0; i < ar; i++) out.additionals.push(rr());
  assert.equal(off, msg.length, 'bytes after the last record');
  return out;
}

/** Textual form of A / AAAA record data. */
export function addressOf(rr: Rr): string {
  if (rr.type === 1) return Array.from(rr.data).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((rr.data[i]! << 8) | rr.data[i + 1]!).toString(16));
  return groups.join(':');
}
