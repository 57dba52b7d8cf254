// Round trips through the Go-shaped address helpers, for arbitrary input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { joinHostPort, splitHostPort } from '../../src/net/hostport.ts';
import { IP, parseIP } from '../../src/net/ip.ts';

// Any 4- or 16-byte array, with IPv4-mapped and zero-heavy 16-byte arrays
// (the cases with special printing: dotted IPv4, `::` runs) drawn often.
const addressBytes = fc.oneof(
  fc.uint8Array({ minLength: 4, maxLength: 4 }),
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
  fc.uint8Array({ minLength: 4, maxLength: 4 }).map((v4) => Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4])),
  fc.array(fc.constantFrom(0, 0, 0, 1, 0xff), { minLength: 16, maxLength: 16 }).map((b) => Uint8Array.from(b)),
);

test('parseIP(new IP(bytes).toString()) is an equal IP, in 16-byte form', () => {
  fc.assert(
    fc.property(addressBytes, (bytes) => {
      const ip = new IP(bytes);
      const text = ip.toString();
      const back = parseIP(text);
      assert.ok(back !== null, `${text} (from ${bytes.join(',')}) does not parse`);
      assert.ok(back.equal(ip), `${text} parses to ${back.toString()}`);
      assert.equal(back.length, 16);
      assert.equal(back.toString(), text);
    }),
    { numRuns: 2000 },
  );
});

// Hosts without brackets (JoinHostPort adds them only around a host with a
// colon); ports without ':', '[' or ']', which SplitHostPort would take for
// part of the host's syntax.
const hostText = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef:.%-_ lo'.split('')), maxLength: 40 }),
  fc.string({ maxLength: 20 }),
  fc.ipV4(),
  fc.ipV6(),
  fc.domain(),
);
const host = hostText.filter((h) => !h.includes('[') && !h.includes(']'));
const port = fc.oneof(fc.integer({ min: 0, max: 65535 }).map(String), fc.string({ maxLength: 12 })).filter((p) => !/[:[\]]/.test(p));

test('splitHostPort(joinHostPort(host, port)) gives host and port back', () => {
  fc.assert(
    fc.property(host, port, (h, p) => {
      assert.deepEqual(splitHostPort(joinHostPort(h, p)), [h, p], joinHostPort(h, p));
    }),
    { numRuns: 5000 },
  );
});
