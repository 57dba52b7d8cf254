// The Wisp codec: every packet type round-trips (dialtone's listening
// extension's LISTEN, LISTENING and ACCEPT included), the byte layout is the
// protocol's (little-endian, port included) and docs/wisp-extensions.md's,
// and the decoder refuses malformed input with WispProtocolError only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  CloseReason,
  ExtensionId,
  FIRST_RELAY_STREAM,
  MAX_HOSTNAME_LENGTH,
  MAX_PACKET_SIZE,
  WispProtocolError,
  closeReasonName,
  decodePacket,
  encodeClose,
  encodeConnect,
  encodeContinue,
  encodeData,
  encodeDatagram,
  encodeInfo,
  encodeAccept,
  encodeListen,
  encodeListening,
  type WispPacket,
} from '../../src/wisp/packet.ts';

test('CONNECT is type, LE stream id, stream type, LE port, then the host name', () => {
  assert.deepEqual([...encodeConnect(0x01020304, 1, 0x1f90, 'ab')], [0x01, 0x04, 0x03, 0x02, 0x01, 0x01, 0x90, 0x1f, 0x61, 0x62]);
  assert.deepEqual(decodePacket(encodeConnect(7, 2, 53, 'example.com')), {
    type: 'connect',
    stream: 7,
    streamType: 2,
    port: 53,
    host: 'example.com',
  });
});

test('CONTINUE, CLOSE, DATA and INFO decode to what was encoded', () => {
  assert.deepEqual(decodePacket(encodeContinue(0, 128)), { type: 'continue', stream: 0, remaining: 128 });
  assert.deepEqual([...encodeContinue(0, 128)], [3, 0, 0, 0, 0, 128, 0, 0, 0]);
  assert.deepEqual(decodePacket(encodeClose(3, 0x48)), { type: 'close', stream: 3, reason: 0x48 });
  const d = decodePacket(encodeData(9, new Uint8Array([1, 2, 3])));
  assert.equal(d.type, 'data');
  assert.deepEqual([...(d as Extract<WispPacket, { type: 'data' }>).data], [1, 2, 3]);
  const info = decodePacket(
    encodeInfo(2, 0, [
      { id: 1, payload: new Uint8Array() },
      { id: 4, payload: new TextEncoder().encode('hi') },
    ]),
  );
  assert.equal(info.type, 'info');
  const i = info as Extract<WispPacket, { type: 'info' }>;
  assert.equal(i.major, 2);
  assert.equal(i.minor, 0);
  assert.deepEqual(
    i.extensions.map((e) => [e.id, [...e.payload]]),
    [
      [1, []],
      [4, [104, 105]],
    ],
  );
});

test('the listening extension: id 0xDA, LISTEN laid out as CONNECT with type 0xD1, LISTENING 0xD2, ACCEPT 0xD3, reasons 0xD4 and 0xD5', () => {
  assert.equal(ExtensionId.DIALTONE_LISTEN, 0xda);
  assert.equal(FIRST_RELAY_STREAM, 0x80000000);
  assert.equal(CloseReason.ADDRESS_IN_USE, 0xd4);
  assert.equal(CloseReason.ADDRESS_NOT_AVAILABLE, 0xd5);
  assert.equal(closeReasonName(0xd4), 'address in use');
  // type, stream 3, TCP, port 8080 (0x1f90), "::1"
  assert.deepEqual([...encodeListen(3, 1, 0x1f90, '::1')], [0xd1, 3, 0, 0, 0, 0x01, 0x90, 0x1f, 0x3a, 0x3a, 0x31]);
  assert.deepEqual(decodePacket(encodeListen(3, 1, 0, '127.0.0.1')), {
    type: 'listen',
    stream: 3,
    streamType: 1,
    port: 0,
    host: '127.0.0.1',
  });
  // type, stream 3, port 40000 (0x9c40), "127.0.0.1"
  assert.deepEqual([...encodeListening(3, 40000, '127.0.0.1')], [0xd2, 3, 0, 0, 0, 0x40, 0x9c, ...Buffer.from('127.0.0.1')]);
  assert.deepEqual(decodePacket(encodeListening(3, 40000, '127.0.0.1')), {
    type: 'listening',
    stream: 3,
    port: 40000,
    address: '127.0.0.1',
  });
  // type, listener stream 3, new stream 0x80000001, peer port 51000 (0xc738), "127.0.0.1"
  assert.deepEqual(
    [...encodeAccept(3, 0x80000001, 51000, '127.0.0.1')],
    [0xd3, 3, 0, 0, 0, 0x01, 0, 0, 0x80, 0x38, 0xc7, ...Buffer.from('127.0.0.1')],
  );
  assert.deepEqual(decodePacket(encodeAccept(3, 0x80000001, 51000, '::ffff:127.0.0.1')), {
    type: 'accept',
    stream: 3,
    newStream: 0x80000001,
    port: 51000,
    address: '::ffff:127.0.0.1',
  });
});

test('malformed packets are WispProtocolErrors: short header, short payloads, unknown type, overrunning extension, long or bad host', () => {
  const bad = [
    new Uint8Array([2, 0, 0]),
    new Uint8Array([3, 0, 0, 0, 0, 1]),
    new Uint8Array([4, 0, 0, 0, 0]),
    new Uint8Array([1, 0, 0, 0, 0, 1, 80]),
    new Uint8Array([9, 0, 0, 0, 0]),
    new Uint8Array([5, 0, 0, 0, 0, 2, 0, 1, 100, 0, 0, 0]),
    new Uint8Array([5, 0, 0, 0, 0, 2, 0, 1, 0]),
    encodeConnect(1, 1, 80, 'a'.repeat(MAX_HOSTNAME_LENGTH + 1)),
    new Uint8Array([1, 1, 0, 0, 0, 1, 80, 0, 0xff, 0xfe]),
    new Uint8Array(MAX_PACKET_SIZE + 1).fill(2),
    new Uint8Array([0xd1, 1, 0, 0, 0, 1, 80]),
    encodeListen(1, 1, 80, 'a'.repeat(MAX_HOSTNAME_LENGTH + 1)),
    new Uint8Array([0xd2, 1, 0, 0, 0, 80]),
    new Uint8Array([0xd2, 1, 0, 0, 0, 80, 0, 0xc3]),
    new Uint8Array([0xd3, 1, 0, 0, 0, 2, 0, 0, 0x80, 80]),
    encodeAccept(1, 0x80000000, 80, 'b'.repeat(MAX_HOSTNAME_LENGTH + 1)),
    new Uint8Array([0xd0, 1, 0, 0, 0]),
    new Uint8Array([0xd4, 1, 0, 0, 0]),
  ];
  for (const b of bad) assert.throws(() => decodePacket(b), WispProtocolError, `bytes ${[...b.subarray(0, 12)]}`);
});

test('close reasons have names; unknown bytes print as hex', () => {
  assert.equal(closeReasonName(0x48), 'blocked');
  assert.equal(closeReasonName(0x44), 'refused');
  assert.equal(closeReasonName(0x00), '0x00');
});

// Untrusted input: a relay or client decodes whatever a peer sends.
const valid = fc.oneof(
  fc
    .tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 65535 }), fc.string({ maxLength: 80 }))
    .map(([s, t, p, h]) => encodeConnect(s, t, p, h)),
  fc.tuple(fc.nat(), fc.uint8Array({ maxLength: 300 })).map(([s, d]) => encodeData(s, d)),
  fc.tuple(fc.nat(), fc.nat()).map(([s, n]) => encodeContinue(s, n)),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([s, r]) => encodeClose(s, r)),
  fc
    .array(fc.record({ id: fc.integer({ min: 0, max: 255 }), payload: fc.uint8Array({ maxLength: 20 }) }), { maxLength: 6 })
    .map((ex) => encodeInfo(2, 0, ex)),
  fc
    .tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 65535 }), fc.string({ maxLength: 80 }))
    .map(([s, t, p, h]) => encodeListen(s, t, p, h)),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 65535 }), fc.string({ maxLength: 80 })).map(([s, p, a]) => encodeListening(s, p, a)),
  fc
    .tuple(fc.nat(), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 65535 }), fc.string({ maxLength: 80 }))
    .map(([s, n, p, a]) => encodeAccept(s, n, p, a)),
  fc
    .tuple(fc.nat(), fc.integer({ min: 0, max: 65535 }), fc.string({ minLength: 1, maxLength: 60 }), fc.uint8Array({ maxLength: 300 }))
    .map(([s, p, a, d]) => encodeDatagram(s, p, a, d)),
);
const mutated = fc
  .tuple(valid, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.option(fc.nat(), { nil: undefined }))
  .map(([p, edits, cut]) => {
    const m = p.slice();
    for (const [i, v] of edits) m[i % m.length] = v;
    return cut === undefined ? m : m.subarray(0, cut % (m.length + 1));
  });

test('the decoder never throws anything but WispProtocolError, and what it returns is bounded by its input', () => {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 400 }), valid, mutated), (bytes) => {
      let p: WispPacket;
      try {
        p = decodePacket(bytes);
      } catch (err) {
        assert.ok(err instanceof WispProtocolError, `threw ${String(err)}`);
        return;
      }
      assert.ok(p.stream >= 0 && p.stream <= 0xffffffff);
      if (p.type === 'data') assert.equal(p.data.length, bytes.length - 5);
      if (p.type === 'connect' || p.type === 'listen') {
        assert.ok(p.port >= 0 && p.port <= 65535);
        assert.ok(p.host.length <= MAX_HOSTNAME_LENGTH);
      }
      if (p.type === 'listening' || p.type === 'accept') {
        assert.ok(p.port >= 0 && p.port <= 65535);
        assert.ok(p.address.length <= MAX_HOSTNAME_LENGTH);
      }
      if (p.type === 'accept') assert.ok(p.newStream >= 0 && p.newStream <= 0xffffffff);
      if (p.type === 'datagram') {
        assert.ok(p.port >= 0 && p.port <= 65535);
        assert.ok(p.address.length >= 1 && p.address.length <= MAX_HOSTNAME_LENGTH);
        assert.ok(p.data.length <= bytes.length - 8 - p.address.length);
      }
      if (p.type === 'info') assert.ok(p.extensions.reduce((n, e) => n + 5 + e.payload.length, 2) === bytes.length - 5);
    }),
    { numRuns: 3000 },
  );
});

test('every valid packet decodes and re-encodes to the same bytes', () => {
  fc.assert(
    fc.property(valid, (bytes) => {
      const p = decodePacket(bytes);
      const again = reencode(p);
      assert.deepEqual([...again], [...bytes]);
    }),
    { numRuns: 2000 },
  );
});

function reencode(p: WispPacket): Uint8Array {
  switch (p.type) {
    case 'connect':
      return encodeConnect(p.stream, p.streamType, p.port, p.host);
    case 'data':
      return encodeData(p.stream, p.data);
    case 'continue':
      return encodeContinue(p.stream, p.remaining);
    case 'close':
      return encodeClose(p.stream, p.reason);
    case 'info':
      return encodeInfo(p.major, p.minor, p.extensions);
    case 'listen':
      return encodeListen(p.stream, p.streamType, p.port, p.host);
    case 'listening':
      return encodeListening(p.stream, p.port, p.address);
    case 'accept':
      return encodeAccept(p.stream, p.newStream, p.port, p.address);
    case 'datagram':
      return encodeDatagram(p.stream, p.port, p.address, p.data);
  }
}
