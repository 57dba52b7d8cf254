// A policy that can cross into a worker thread carries its rules as plain
// data, from which an equal RulePolicy is built on the other side.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipEndpoint } from '../../src/netdev/endpoint.ts';
import { ALLOW_ALL, DENY_ALL, RulePolicy, type RulePolicyOptions } from '../../src/policy/index.ts';

const endpoints = [
  ipEndpoint('127.0.0.1', 80),
  ipEndpoint('10.1.2.3', 22),
  ipEndpoint('::1', 8080),
  { kind: 'unix', path: '/run/a.sock' } as const,
];

function sameDecisions(a: { check: RulePolicy['check'] }, b: { check: RulePolicy['check'] }): void {
  for (const op of ['connect', 'send', 'listen'] as const) {
    for (const ep of endpoints) assert.equal(a.check(op, ep).allowed, b.check(op, ep).allowed, `${op} ${JSON.stringify(ep)}`);
  }
}

test('a RulePolicy rebuilt from its cloned rules decides as the original', () => {
  const p = new RulePolicy({ allowNet: ['127.0.0.1:80', '10.0.0.0/8'], allowListen: ['[::1]:8080'], denyNet: ['10.1.2.3:22'] });
  const copy = new RulePolicy(structuredClone(p.rules));
  sameDecisions(p, copy);
  assert.equal(copy.check('connect', ipEndpoint('10.9.9.9', 1)).allowed, true);
  assert.equal(copy.check('connect', ipEndpoint('10.1.2.3', 22)).allowed, false);
});

test("a RulePolicy's rules are a copy: changing the options afterwards changes neither", () => {
  const options = { allowNet: ['127.0.0.1:80'], denyNet: [] as string[] } satisfies RulePolicyOptions;
  const p = new RulePolicy(options);
  options.allowNet.push('*');
  options.denyNet.push('*');
  assert.deepEqual(p.rules.allowNet, ['127.0.0.1:80']);
  assert.deepEqual(p.rules.denyNet, []);
});

test('ALLOW_ALL and DENY_ALL carry rules that mean the same', () => {
  sameDecisions(ALLOW_ALL, new RulePolicy(structuredClone(ALLOW_ALL.rules)));
  sameDecisions(DENY_ALL, new RulePolicy(structuredClone(DENY_ALL.rules)));
});
