import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DnsStub, type DnsResolveFn, type DnsStubOptions } from '../../src/dns/stub.ts';
import { systemResolve } from '../../src/dns/node-system.ts';
import { toSysError } from '../../src/internal/errno.ts';
import { addressOf, decode, makeQuery, type Decoded } from './messages.ts';

const A = 1;
const AAAA = 28;
const MX = 15;
const OPT = 41;

/** Canonical text of an IPv6 address, for comparisons. */
const v6 = (a: string): string => new URL(`http://[${a}]`).hostname.slice(1, -1);

/** A resolver backed by a table: name → addresses of both families. */
function table(entries: Record<string, string[]>, calls: string[] = []): DnsResolveFn {
  return async (name, family) => {
    calls.push(`${family} ${name}`);
    const all = entries[name];
    if (all === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return all.filter((a) => (family === 4 ? !a.includes(':') : a.includes(':')));
  };
}

function stub(extra: Partial<DnsStubOptions> = {}): DnsStub {
  return new DnsStub({
    policy: () => ({ allowed: true }),
    resolve: table({ 'example.test': ['192.0.2.1', '192.0.2.2', '2001:db8::1'], 'v4only.test': ['192.0.2.9'] }),
    ...extra,
  });
}

async function ask(s: DnsStub, q: Uint8Array, transport: 'udp' | 'tcp' = 'udp'): Promise<Decoded> {
  const r = await s.answer(q, transport);
  assert.ok(r !== null, 'no response');
  return decode(r);
}

test('an A question is answered with the addresses, echoing ID and question, QR/RA set, RD copied', async () => {
  const r = await ask(stub(), makeQuery({ id: 0xbeef, name: 'example.test.', ednsSize: 1232 }));
  assert.equal(r.id, 0xbeef);
  assert.ok(r.qr && r.ra && r.rd && !r.tc && !r.aa);
  assert.equal(r.rcode, 0);
  assert.deepEqual(r.questions, [{ name: 'example.test', type: A, class: 1 }]);
  assert.deepEqual(r.answers.map(addressOf), ['192.0.2.1', '192.0.2.2']);
  for (const a of r.answers) assert.deepEqual([a.name, a.type, a.class, a.ttl], ['example.test', A, 1, 30]);
  // EDNS0 in, EDNS0 out (RFC 6891 §6.1.1).
  assert.equal(r.additionals.length, 1);
  assert.equal(r.additionals[0]!.type, OPT);
  assert.equal(r.additionals[0]!.class, 1232);
});

test('an AAAA question is answered with the IPv6 addresses', async () => {
  const r = await ask(stub(), makeQuery({ name: 'example.test', type: AAAA }));
  assert.equal(r.rcode, 0);
  assert.deepEqual(r.questions, [{ name: 'example.test', type: AAAA, class: 1 }]);
  assert.deepEqual(r.answers.map(addressOf).map(v6), ['2001:db8::1']);
  assert.equal(r.additionals.length, 0, 'no OPT without one in the query');
});

test('answers are owned by a compression pointer to the question name', async () => {
  const raw = await stub().answer(makeQuery({ name: 'example.test' }), 'udp');
  assert.ok(raw !== null);
  const answerStart = 12 + 'example.test'.length + 2 + 4;
  assert.deepEqual([raw[answerStart], raw[answerStart + 1]], [0xc0, 12]);
});

test('RD clear in the query stays clear in the response', async () => {
  const r = await ask(stub(), makeQuery({ name: 'example.test', rd: false }));
  assert.ok(!r.rd && r.ra);
});

test('the question is echoed with its original case; policy and resolver see lower case without the trailing dot', async () => {
  const seen: string[] = [];
  const calls: string[] = [];
  const s = stub({
    policy: (n) => (seen.push(n), { allowed: true }),
    resolve: table({ 'example.test': ['192.0.2.1'] }, calls),
  });
  const r = await ask(s, makeQuery({ name: 'ExAmPlE.TeSt.' }));
  assert.equal(r.questions[0]!.name, 'ExAmPlE.TeSt');
  assert.deepEqual(seen, ['example.test']);
  assert.deepEqual(calls, ['4 example.test']);
  assert.deepEqual(r.answers.map(addressOf), ['192.0.2.1']);
});

test('a name with no address of either family is NXDOMAIN', async () => {
  const r = await ask(stub(), makeQuery({ name: 'missing.test' }));
  assert.equal(r.rcode, 3);
  assert.equal(r.answers.length, 0);
  assert.equal(r.questions[0]!.name, 'missing.test');
});

test('a missing name from a resolver that fails as the driver does (SysError ENOENT) is NXDOMAIN, not SERVFAIL', async () => {
  // NodeDriver.lookup rejects with toSysError(err): errno ENOENT, code ENOTFOUND.
  const s = stub({
    resolve: (name) => Promise.reject(toSysError(Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' }))),
  });
  assert.equal((await ask(s, makeQuery({ name: 'missing.test' }))).rcode, 3);
});

test('a name with addresses of the other family only is NODATA (NOERROR, no answers)', async () => {
  const r = await ask(stub(), makeQuery({ name: 'v4only.test', type: AAAA }));
  assert.equal(r.rcode, 0);
  assert.equal(r.answers.length, 0);
  assert.ok(r.ra, 'RA set, or Go would call it a lame referral');
});

test('a name the policy refuses is REFUSED, reported through onRefused, and never resolved', async () => {
  const refused: [string, string][] = [];
  const calls: string[] = [];
  const s = stub({
    policy: (n) => (n === 'blocked.test' ? { allowed: false, reason: 'not in --allow-net' } : { allowed: true }),
    onRefused: (n, why) => refused.push([n, why]),
    resolve: table({}, calls),
  });
  const r = await ask(s, makeQuery({ name: 'Blocked.Test.' }));
  assert.equal(r.rcode, 5);
  assert.equal(r.answers.length, 0);
  assert.deepEqual(refused, [['blocked.test', 'not in --allow-net']]);
  assert.deepEqual(calls, []);
});

test('onResolved learns each name and its addresses before the answer is returned', async () => {
  const learned: [string, readonly string[]][] = [];
  const s = stub({ onResolved: (n, a) => learned.push([n, a]) });
  await ask(s, makeQuery({ name: 'example.test' }));
  await ask(s, makeQuery({ name: 'example.test', type: AAAA }));
  await ask(s, makeQuery({ name: 'missing.test' }));
  assert.deepEqual(learned, [
    ['example.test', ['192.0.2.1', '192.0.2.2']],
    ['example.test', ['2001:db8::1']],
  ]);
});

test('localhost and *.localhost are loopback without asking the resolver', async () => {
  const calls: string[] = [];
  const s = stub({ resolve: table({}, calls) });
  for (const name of ['localhost', 'LOCALHOST.', 'app.localhost']) {
    const a = await ask(s, makeQuery({ name }));
    assert.deepEqual(a.answers.map(addressOf), ['127.0.0.1'], name);
    const aaaa = await ask(s, makeQuery({ name, type: AAAA }));
    assert.deepEqual(aaaa.answers.map(addressOf).map(v6), ['::1'], name);
  }
  assert.deepEqual(calls, []);
});

test('types other than A and AAAA get NODATA after the policy check', async () => {
  const calls: string[] = [];
  const s = stub({ resolve: table({ 'example.test': ['192.0.2.1'] }, calls) });
  for (const type of [MX, 16, 12, 255, 5]) {
    const r = await ask(s, makeQuery({ name: 'example.test', type }));
    assert.equal(r.rcode, 0, `type ${type}`);
    assert.equal(r.answers.length, 0);
    assert.equal(r.questions[0]!.type, type);
  }
  assert.deepEqual(calls, []);
  const refusing = stub({ policy: () => ({ allowed: false, reason: 'no' }) });
  assert.equal((await ask(refusing, makeQuery({ name: 'example.test', type: MX }))).rcode, 5);
});

test('zone transfers, other opcodes and other classes are NOTIMP', async () => {
  assert.equal((await ask(stub(), makeQuery({ name: 'example.test', type: 252 }))).rcode, 4);
  assert.equal((await ask(stub(), makeQuery({ name: 'example.test', qclass: 3 }))).rcode, 4);
  const status = await ask(stub(), makeQuery({ name: 'example.test', opcode: 2 }));
  assert.equal(status.rcode, 4);
  assert.equal(status.opcode, 2, 'opcode copied');
});

test('an EDNS version other than 0 is BADVERS, carried in the OPT record', async () => {
  const r = await ask(stub(), makeQuery({ name: 'example.test', ednsSize: 1232, ednsVersion: 1 }));
  assert.equal(r.rcode, 0, 'low bits of 16');
  assert.equal(r.additionals[0]!.type, OPT);
  assert.equal(r.additionals[0]!.ttl >>> 24, 1, 'extended rcode 1 → BADVERS');
});

test('names that are not host names are NXDOMAIN without asking policy or resolver', async () => {
  const calls: string[] = [];
  const seen: string[] = [];
  const s = stub({ resolve: table({}, calls), policy: (n) => (seen.push(n), { allowed: true }) });
  // A space, an address, a non-ASCII byte, and one label "a.b" holding a dot.
  const queries = [makeQuery({ name: 'a b.test' }), makeQuery({ name: '192.0.2.1' }), makeQuery({ name: 'caf\u00e9.test' })];
  const dotted = Uint8Array.from([...makeQuery({ name: 'ab' }).subarray(0, 12), 3, 0x61, 0x2e, 0x62, 0, 0, 1, 0, 1]);
  for (const q of [...queries, dotted]) assert.equal((await ask(s, q)).rcode, 3);
  assert.deepEqual(calls, []);
  assert.deepEqual(seen, []);
});

test('the root name has no addresses: NODATA', async () => {
  const r = await ask(stub(), makeQuery({ name: '.' }));
  assert.equal(r.rcode, 0);
  assert.equal(r.answers.length, 0);
  assert.equal(r.questions[0]!.name, '');
});

test('a UDP answer that exceeds 512 bytes without EDNS0 is truncated (TC) and complete over TCP', async () => {
  const many = Array.from({ length: 40 }, (_, i) => `2001:db8::${(i + 1).toString(16)}`);
  const s = stub({ resolve: async () => many });
  const udp = await ask(s, makeQuery({ name: 'many.test', type: AAAA }));
  assert.ok(udp.tc);
  assert.ok(udp.answers.length < 32);
  const raw = await s.answer(makeQuery({ name: 'many.test', type: AAAA }), 'udp');
  assert.ok(raw !== null && raw.length <= 512);
  const tcp = await ask(s, makeQuery({ name: 'many.test', type: AAAA }), 'tcp');
  assert.ok(!tcp.tc);
  assert.equal(tcp.answers.length, 32, 'capped at maxAnswers');
  // With EDNS0's 1232 bytes, 32 AAAA records fit.
  const edns = await ask(s, makeQuery({ name: 'many.test', type: AAAA, ednsSize: 1232 }));
  assert.ok(!edns.tc);
  assert.equal(edns.answers.length, 32);
});

test('an advertised EDNS0 size above 1232 is capped at 1232, and one below 512 means 512', async () => {
  const many = Array.from({ length: 60 }, (_, i) => `2001:db8::${(i + 1).toString(16)}`);
  const s = stub({ resolve: async () => many, maxAnswers: 60 });
  const big = await s.answer(makeQuery({ name: 'many.test', type: AAAA, ednsSize: 65000 }), 'udp');
  assert.ok(big !== null && big.length <= 1232 && decode(big).tc);
  const small = await s.answer(makeQuery({ name: 'many.test', type: AAAA, ednsSize: 100 }), 'udp');
  assert.ok(small !== null && small.length <= 512 && small.length > 400 && decode(small).tc);
});

test('a query too large for its transport is FORMERR; a message with QR set gets no response', async () => {
  const q = makeQuery({ name: 'example.test' });
  const big = new Uint8Array(600);
  big.set(q);
  const r = await ask(stub(), big);
  assert.equal(r.rcode, 1);
  assert.equal(r.id, 0x1234);
  const response = q.slice();
  response[2]! |= 0x80;
  assert.equal(await stub().answer(response, 'udp'), null);
  assert.equal(await stub().answer(new Uint8Array(5), 'udp'), null);
});

test('two questions, trailing bytes, or a truncated question are FORMERR with the ID echoed', async () => {
  const q = makeQuery({ id: 7, name: 'example.test' });
  const two = q.slice();
  two[5] = 2;
  const trailing = Uint8Array.from([...q, 0]);
  const cut = q.subarray(0, q.length - 2);
  for (const bad of [two, trailing, cut]) {
    const r = await ask(stub(), bad);
    assert.equal(r.rcode, 1);
    assert.equal(r.id, 7);
    assert.ok(r.qr);
  }
});

test('resolver failures and timeouts are SERVFAIL', async () => {
  const failing = stub({ resolve: () => Promise.reject(Object.assign(new Error('EAI_AGAIN'), { code: 'EAI_AGAIN' })) });
  assert.equal((await ask(failing, makeQuery({ name: 'example.test' }))).rcode, 2);
  const hanging = stub({ resolve: () => new Promise(() => {}), lookupTimeoutMs: 20 });
  assert.equal((await ask(hanging, makeQuery({ name: 'example.test' }))).rcode, 2);
});

test('a throwing policy is SERVFAIL and reported as an internal error', async () => {
  const errors: unknown[] = [];
  const s = stub({
    policy: () => {
      throw new Error('policy bug');
    },
    onInternalError: (e) => errors.push(e),
  });
  const r = await ask(s, makeQuery({ id: 9, name: 'example.test' }));
  assert.equal(r.rcode, 2);
  assert.equal(r.id, 9);
  assert.equal(errors.length, 1);
});

test('concurrent questions for the same name share one lookup; lookups past the limit are SERVFAIL', async () => {
  const calls: string[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const s = stub({
    maxConcurrentLookups: 2,
    resolve: async (name, family) => {
      calls.push(`${family} ${name}`);
      await gate;
      return ['192.0.2.1'];
    },
  });
  const first = [1, 2, 3].map((id) => s.answer(makeQuery({ id, name: 'one.test' }), 'udp'));
  const second = s.answer(makeQuery({ name: 'two.test' }), 'udp');
  const third = await ask(s, makeQuery({ name: 'three.test' }));
  assert.equal(third.rcode, 2, 'over the limit');
  release();
  for (const [i, p] of first.entries()) {
    const r = await p;
    assert.ok(r !== null);
    assert.equal(decode(r).id, i + 1);
    assert.deepEqual(decode(r).answers.map(addressOf), ['192.0.2.1']);
  }
  assert.ok((await second) !== null);
  assert.deepEqual(calls, ['4 one.test', '4 two.test']);
});

test('resolver output that is not an address of the asked family is ignored; duplicates are dropped', async () => {
  const s = stub({ resolve: async () => ['192.0.2.1', 'nonsense', '2001:db8::1', '192.0.2.1', '192.0.2.300'] });
  const r = await ask(s, makeQuery({ name: 'mixed.test' }));
  assert.deepEqual(r.answers.map(addressOf), ['192.0.2.1']);
});

test('the default resolver asks the system (getaddrinfo: /etc/hosts applies)', async () => {
  assert.ok((await systemResolve('localhost', 4)).includes('127.0.0.1'));
});
