// The Wisp codec: every packet type round-trips, the byte layout is the
// protocol's (little-endian, port included), and the decoder refuses
// malformed input with WispProtocolError only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  MAX_HOSTNAME_LENGTH,
  MAX_PACKET_SIZE,
  WispProtocolError,
  closeReasonName,
  decodePacket,
  encodeClose,
  encodeConnect,
  encodeContinue,
  encodeData,
  encodeInfo,
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
      if (p.type === 'connect') {
        assert.ok(p.port >= 0 && p.port <= 65535);
        assert.ok(p.host.length <= MAX_HOSTNAME_LENGTH);
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
      const again =
        p.type === 'connect'
          ? encodeConnect(p.stream, p.streamType, p.port, p.host)
          : p.type === 'data'
            ? encodeData(p.stream, p.data)
            : p.type === 'continue'
              ? encodeContinue(p.stream, p.remaining)
              : p.type === 'close'
                ? encodeClose(p.stream, p.reason)
                : encodeInfo(p.major, p.minor, p.extensions);
      assert.deepEqual([...again], [...bytes]);
    }),
    { numRuns: 1000 },
  );
});
