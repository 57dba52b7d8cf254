import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DnsFormatError, buildResponse, parseQuery, readHeader, Rcode } from '../../src/dns/wire.ts';
import { parseIpv4 as ipv4Bytes, parseIpv6 as ipv6Bytes } from '../../src/netdev/endpoint.ts';
import { addressOf, decode, makeQuery } from './messages.ts';

test('a query shaped like Go’s (RD, one question, EDNS0 OPT of 1232) parses', () => {
  const q = parseQuery(makeQuery({ id: 0xabcd, name: 'Go.Dev.', type: 28, ednsSize: 1232 }));
  assert.equal(q.header.id, 0xabcd);
  assert.ok(q.header.recursionDesired && !q.header.response);
  assert.equal(q.question.name, 'go.dev');
  assert.deepEqual(
    q.question.labels.map((l) => Buffer.from(l).toString()),
    ['Go', 'Dev'],
  );
  assert.equal(q.question.type, 28);
  assert.equal(q.question.class, 1);
  assert.deepEqual(q.edns, { udpPayloadSize: 1232, version: 0, dnssecOk: false });
});

test('bytes outside host-name characters are shown as \\DDD escapes, so a dot inside a label stays distinct', () => {
  const head = makeQuery({ name: 'x' }).subarray(0, 12);
  const msg = Uint8Array.from([...head, 3, 0x61, 0x2e, 0x62, 2, 0x20, 0xff, 0, 0, 1, 0, 1]);
  assert.equal(parseQuery(msg).question.name, 'a\\046b.\\032\\255');
});

test('compression pointers in later records are followed; pointers forward, into the header or in loops are rejected', () => {
  const base = makeQuery({ name: 'example.test' });
  const header = base.slice(0, 12);
  header[11] = 1; // ARCOUNT 1
  const question = base.subarray(12);
  // An additional A record owned by a pointer to the question name.
  const record = [0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4];
  assert.equal(parseQuery(Uint8Array.from([...header, ...question, ...record])).question.name, 'example.test');

  const selfLoop = Uint8Array.from([...header, ...question, 0xc0, 12 + question.length, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
  assert.throws(() => parseQuery(selfLoop), DnsFormatError);
  const intoHeader = Uint8Array.from([...header.slice(0, 11), 0, 0xc0, 2, 0, 1, 0, 1]);
  assert.throws(() => parseQuery(intoHeader), DnsFormatError);
  // A name whose labels lead back to its own start: "x" then a pointer to "x".
  const bounce = Uint8Array.from([...header.slice(0, 10), 0, 1, 1, 0x78, 0xc0, 12, 0, 1, 0, 1, 0, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
  assert.throws(() => parseQuery(bounce), DnsFormatError);
});

test('an OPT record must be owned by the root, be the only one, and sit in the additional section', () => {
  const q = makeQuery({ name: 'a.test', ednsSize: 1232 });
  const twice = Uint8Array.from([...q, ...q.subarray(q.length - 11)]);
  twice[11] = 2;
  assert.throws(() => parseQuery(twice), /more than one OPT/);
  const inAnswers = q.slice();
  inAnswers[7] = 1;
  inAnswers[11] = 0;
  assert.throws(() => parseQuery(inAnswers), /outside the additional/);
});

test('names longer than 255 bytes and label lengths above 63 (the reserved label types) are rejected', () => {
  const head = makeQuery({ name: 'x' }).subarray(0, 12);
  assert.throws(() => parseQuery(Uint8Array.from([...head, 64, ...new Array<number>(64).fill(0x61), 0, 0, 1, 0, 1])), /label type 0x40/);
  const long = Array.from({ length: 5 }, () => [63, ...new Array<number>(63).fill(0x61)]).flat();
  assert.throws(() => parseQuery(Uint8Array.from([...head, ...long, 0, 0, 1, 0, 1])), /255/);
  assert.throws(() => parseQuery(Uint8Array.from([...head, 0x41, 0, 0, 1, 0, 1])), /label type/);
});

test('parseQuery only ever throws DnsFormatError, whatever the bytes', () => {
  const valid = makeQuery({ name: 'example.test', ednsSize: 1232 });
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 600 }),
        // Mutations of a valid query reach deeper than pure noise.
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }).map((edits) => {
          const m = valid.slice();
          for (const [i, v] of edits) m[i] = v;
          return m;
        }),
        fc.nat(valid.length).map((n) => valid.subarray(0, n)),
      ),
      (bytes) => {
        try {
          parseQuery(bytes);
        } catch (err) {
          assert.ok(err instanceof DnsFormatError, String(err));
        }
      },
    ),
    { numRuns: 5000 },
  );
});

test('readHeader needs 12 bytes', () => {
  assert.equal(readHeader(new Uint8Array(11)), undefined);
  assert.equal(readHeader(makeQuery({ id: 5, name: 'x' }))?.id, 5);
});

test('buildResponse without a question writes QDCOUNT 0 and the rcode', () => {
  const header = readHeader(makeQuery({ id: 77, name: 'x', opcode: 0 }))!;
  const r = decode(buildResponse({ header, rcode: Rcode.FORMERR, maxSize: 512 }));
  assert.deepEqual([r.id, r.rcode, r.questions.length, r.qr, r.ra], [77, 1, 0, true, true]);
});

test('buildResponse refuses arguments no query could lead to', () => {
  const q = parseQuery(makeQuery({ name: 'x.test' }));
  assert.throws(
    () => buildResponse({ header: q.header, rcode: 0, answers: [{ type: 1, address: '::1' }], question: q.question, maxSize: 512 }),
    RangeError,
  );
  assert.throws(() => buildResponse({ header: q.header, rcode: 0, answers: [{ type: 1, address: '1.2.3.4' }], maxSize: 512 }), RangeError);
  assert.throws(() => buildResponse({ header: q.header, rcode: 0, maxSize: 100 }), RangeError);
  assert.throws(() => buildResponse({ header: q.header, rcode: Rcode.BADVERS, maxSize: 512 }), RangeError);
});

test('address text converts to the bytes Node’s own formatter reads back', () => {
  const v6 = (s: string): string => new URL(`http://[${s}]`).hostname.slice(1, -1);
  fc.assert(
    fc.property(
      fc.oneof(
        fc.ipV6(),
        fc.ipV4Extended().filter((s) => /^\d+\.\d+\.\d+\.\d+$/.test(s)),
        fc.ipV4(),
      ),
      (addr) => {
        const isV6 = addr.includes(':');
        const bytes = isV6 ? ipv6Bytes(addr) : ipv4Bytes(addr);
        if (!isV6 && bytes === undefined) return; // fc.ipV4Extended's leading zeros: Node rejects them too
        assert.ok(bytes !== undefined, addr);
        const back = addressOf({ name: '', type: isV6 ? 28 : 1, class: 1, ttl: 0, data: bytes });
        assert.equal(isV6 ? v6(back) : back, isV6 ? v6(addr) : addr);
      },
    ),
    { numRuns: 2000 },
  );
  assert.equal(ipv6Bytes('1.2.3.4'), undefined);
  assert.equal(ipv4Bytes('::1'), undefined);
  assert.deepEqual(ipv6Bytes('fe80::1%eth0'), ipv6Bytes('fe80::1'));
});
