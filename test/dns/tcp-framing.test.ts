import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DnsTcpDecoder, encodeTcpFrame } from '../../src/dns/tcp-framing.ts';
import { DnsFormatError } from '../../src/dns/wire.ts';

/** Splits `bytes` at the given cut points (any order, duplicates allowed). */
function chop(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}

test('messages come out whole and in order however the stream is chunked', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 40 }), (messages, cuts) => {
      const stream = Buffer.concat(messages.map(encodeTcpFrame));
      const d = new DnsTcpDecoder();
      const got: Uint8Array[] = [];
      for (const chunk of chop(stream, cuts)) got.push(...d.push(chunk));
      assert.deepEqual(
        got.map((m) => Buffer.from(m)),
        messages.map((m) => Buffer.from(m)),
      );
      assert.equal(d.buffered, 0);
    }),
    { numRuns: 2000 },
  );
});

test('one byte at a time, including the length prefix split in two', () => {
  const msg = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
  const stream = encodeTcpFrame(msg);
  const d = new DnsTcpDecoder();
  const got: Uint8Array[] = [];
  for (const b of stream) got.push(...d.push(Uint8Array.of(b)));
  assert.equal(got.length, 1);
  assert.deepEqual(got[0], msg);
});

test('returned messages are copies: the caller may reuse its chunk buffer', () => {
  const chunk = encodeTcpFrame(Uint8Array.of(1, 2, 3));
  const [m] = new DnsTcpDecoder().push(chunk);
  chunk.fill(0);
  assert.deepEqual(m, Uint8Array.of(1, 2, 3));
});

test('a frame announcing more than the limit fails the stream; nothing more is accepted', () => {
  const d = new DnsTcpDecoder(512);
  assert.equal(d.push(encodeTcpFrame(new Uint8Array(512))).length, 1, 'exactly the limit is fine');
  assert.deepEqual(d.push(Uint8Array.of(0x02)), [], 'half a prefix waits for the rest');
  assert.throws(() => d.push(Uint8Array.of(0x01)), DnsFormatError); // 0x0201 = 513 > 512
  assert.throws(() => d.push(encodeTcpFrame(Uint8Array.of(1))), DnsFormatError);
});

test('the decoder holds only the partial frame, counted by buffered', () => {
  const d = new DnsTcpDecoder();
  assert.equal(d.push(Uint8Array.of(0, 100, 1, 2, 3)).length, 0);
  assert.equal(d.buffered, 5);
  assert.equal(d.push(new Uint8Array(97)).length, 1);
  assert.equal(d.buffered, 0);
  assert.throws(() => new DnsTcpDecoder(65536), RangeError);
});

test('encodeTcpFrame refuses messages over 65535 bytes', () => {
  assert.throws(() => encodeTcpFrame(new Uint8Array(65536)), RangeError);
  assert.deepEqual(encodeTcpFrame(new Uint8Array(65535)).subarray(0, 2), Uint8Array.of(0xff, 0xff));
});
