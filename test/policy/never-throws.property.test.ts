import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DialtoneError } from '../../src/errors.ts';
import type { Endpoint } from '../../src/netdev/endpoint.ts';
import { parseEntry, RulePolicy, type NetOperation } from '../../src/policy/index.ts';

// Strings made of the characters entries are built from, so that the
// generator often lands near valid syntax, plus fully arbitrary strings.
const entryish = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefxABCDEF.:/[]-*%_ \n'.split('')), maxLength: 24 }),
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 40 })).map(([a, n]) => `${a}/${n}`),
  fc.tuple(fc.ipV6(), fc.integer({ min: -1, max: 70000 })).map(([a, p]) => `[${a}]:${p}`),
  fc.tuple(fc.domain(), fc.integer({ min: 0, max: 70000 })).map(([d, p]) => `${d}:${p}`),
);

test('parsing any string either succeeds or throws an ERR_USAGE DialtoneError', () => {
  fc.assert(
    fc.property(entryish, (entry) => {
      try {
        parseEntry('--allow-net', entry);
      } catch (err) {
        assert.ok(err instanceof DialtoneError, `${JSON.stringify(entry)}: ${String(err)}`);
        assert.equal(err.code, 'ERR_USAGE');
        assert.ok(!err.message.includes('\n'));
      }
    }),
    { numRuns: 5000 },
  );
});

const address = fc.oneof(
  fc.ipV4(),
  fc.ipV6(),
  fc.ipV4Extended(),
  fc.constantFrom('0.0.0.0', '::', '127.0.0.1', '::1', '::ffff:10.0.0.1', 'fe80::1%eth0', '10.1.2.3'),
  fc.string({ maxLength: 40 }),
);
const endpoint: fc.Arbitrary<Endpoint> = fc.oneof(
  fc.record({
    kind: fc.constant('ip' as const),
    family: fc.constantFrom(4 as const, 6 as const),
    address,
    port: fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.integer(), fc.double()),
  }),
  fc.record({
    kind: fc.constant('unix' as const),
    path: fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('/', '/run/app/x', '/run/app/../y')),
  }),
);
const op = fc.constantFrom<NetOperation>('connect', 'send', 'listen');
const policies = [
  new RulePolicy(),
  new RulePolicy({ allowNet: true }),
  new RulePolicy({ allowNet: true, denyNet: ['10.0.0.0/8', '*:25', 'evil.test', '/run/app'] }),
  new RulePolicy({
    allowNet: ['example.com:443', '::1', 'fd00::/8', ':53', '/run'],
    allowListen: ['localhost:8000-8999', '0.0.0.0'],
    denyNet: ['[::1]:22'],
  }),
  new RulePolicy({ allowNet: ['*'], allowListen: true, maxLearnedNames: 2, maxAddressesPerName: 2 }),
];
const names = fc.oneof(fc.domain(), fc.string({ maxLength: 30 }), fc.constantFrom('example.com', 'localhost', 'evil.test'));

test('no endpoint, name or learned answer makes a policy throw, and every refusal is one line', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: policies.length - 1 }),
      fc.array(
        fc.oneof(
          fc.record({ call: fc.constant('check' as const), op, endpoint }),
          fc.record({ call: fc.constant('accept' as const), endpoint }),
          fc.record({ call: fc.constant('lookup' as const), name: names }),
          fc.record({ call: fc.constant('learn' as const), name: names, addresses: fc.array(address, { maxLength: 5 }) }),
        ),
      ),
      (which, calls) => {
        const p = policies[which] as RulePolicy;
        for (const c of calls) {
          if (c.call === 'lookup') {
            const d = p.checkLookup(c.name);
            if (!d.allowed) assert.ok(/^lookup of [\x20-\x7e]* refused: [\x20-\x7e]+$/.test(d.reason), d.reason);
          } else if (c.call === 'accept') {
            const d = p.checkAccept(c.endpoint);
            if (!d.allowed) assert.ok(/^accept from [\x20-\x7e]* refused: [\x20-\x7e]+$/.test(d.reason), d.reason);
          } else if (c.call === 'learn') {
            p.learn(c.name, c.addresses);
          } else {
            const d = p.check(c.op, c.endpoint);
            if (!d.allowed) assert.ok(/^(connect to|send to|listen on) [\x20-\x7e]* refused: [\x20-\x7e]+$/.test(d.reason), d.reason);
          }
        }
      },
    ),
    { numRuns: 2000 },
  );
});
