import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DnsStub } from '../../src/dns/stub.ts';
import { decode, makeQuery } from './messages.ts';

// Queries a guest could send: noise, and valid queries (every type, class,
// opcode, EDNS variant) with bytes overwritten or cut short.
const name = fc.array(fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), { minLength: 0, maxLength: 4 }).map((l) => l.join('.'));
const valid = fc
  .record({
    id: fc.integer({ min: 0, max: 0xffff }),
    name: fc.oneof(name, fc.constantFrom('localhost', 'blocked.test', 'fail.test', 'slow.test', 'example.test')),
    type: fc.oneof(fc.constantFrom(1, 28, 15, 41, 252, 255), fc.integer({ min: 0, max: 0xffff })),
    qclass: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 0xffff })),
    opcode: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 15 })),
    rd: fc.boolean(),
    ednsSize: fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined }),
    ednsVersion: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 255 })),
  })
  .map((spec) => makeQuery(spec));
const mutated = fc
  .tuple(valid, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.option(fc.nat(), { nil: undefined }))
  .map(([q, edits, cut]) => {
    const m = q.slice();
    for (const [i, v] of edits) m[i % m.length] = v;
    return cut === undefined ? m : m.subarray(0, cut % (m.length + 1));
  });
const query = fc.oneof(fc.uint8Array({ maxLength: 700 }), valid, mutated);

test('no query makes answer() throw, reject or hang: it answers a well-formed response with the same ID, or nothing', async () => {
  const stub = new DnsStub({
    policy: (n) => (n === 'blocked.test' ? { allowed: false, reason: 'test' } : { allowed: true }),
    lookupTimeoutMs: 50,
    resolve: async (n, family) => {
      if (n === 'fail.test') throw Object.assign(new Error('boom'), { code: 'EAI_FAIL' });
      if (n === 'slow.test') return new Promise<string[]>(() => {});
      if (n.length % 3 === 0) throw Object.assign(new Error('no such host'), { code: 'ENOTFOUND' });
      return family === 4 ? ['192.0.2.1', '192.0.2.2'] : ['2001:db8::1'];
    },
    onInternalError: (err) => assert.fail(`internal error: ${String(err)}`),
  });
  await fc.assert(
    fc.asyncProperty(query, fc.constantFrom('udp' as const, 'tcp' as const), async (q, transport) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const hang = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('answer() did not settle within 1 s')), 1000);
      });
      const r = await Promise.race([stub.answer(q, transport), hang]).finally(() => clearTimeout(timer));
      if (q.length < 12 || (q[2]! & 0x80) !== 0) {
        assert.equal(r, null);
        return;
      }
      assert.ok(r !== null, 'a query with a header gets a response');
      const d = decode(r);
      assert.equal(d.id, (q[0]! << 8) | q[1]!);
      assert.ok(d.qr && d.ra);
      if (transport === 'udp') assert.ok(r.length <= 1232);
    }),
    { numRuns: 3000 },
  );
});
