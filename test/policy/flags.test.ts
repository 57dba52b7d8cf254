import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipEndpoint } from '../../src/netdev/endpoint.ts';
import { policyFromFlags, policyOptionsFromFlags } from '../../src/policy/index.ts';

test('flag values are split on commas and repeated flags add up', () => {
  assert.deepEqual(policyOptionsFromFlags({ allowNet: ['a.test:1,b.test', 'c.test'], denyNet: ['10.0.0.0/8'] }), {
    allowNet: ['a.test:1', 'b.test', 'c.test'],
    allowListen: undefined,
    denyNet: ['10.0.0.0/8'],
  });
});

test('a bare flag anywhere means everything; a bare --deny-net denies everything', () => {
  assert.deepEqual(policyOptionsFromFlags({ allowNet: ['a.test', true], allowListen: [true], denyNet: [true] }), {
    allowNet: true,
    allowListen: true,
    denyNet: ['*'],
  });
});

test('no flags give a policy that refuses everything', () => {
  const p = policyFromFlags({});
  assert.equal(p.check('connect', ipEndpoint('127.0.0.1', 80)).allowed, false);
  assert.equal(p.checkLookup('localhost').allowed, false);
});

test('flag policies behave like their options', () => {
  const p = policyFromFlags({ allowNet: ['1.2.3.4:80, 5.6.7.8'], allowListen: [':8080'] });
  assert.equal(p.check('connect', ipEndpoint('5.6.7.8', 1)).allowed, true);
  assert.equal(p.check('listen', ipEndpoint('0.0.0.0', 8080)).allowed, true);
});

test('an empty list or a bad entry is a usage error naming the flag', () => {
  assert.throws(() => policyFromFlags({ allowNet: [''] }), { code: 'ERR_USAGE', message: /^--allow-net= needs a list/ });
  assert.throws(() => policyFromFlags({ allowNet: ['a.test,,b.test'] }), {
    code: 'ERR_USAGE',
    message: /^--allow-net entry "": empty entry/,
  });
  assert.throws(() => policyFromFlags({ denyNet: ['1.2.3.4:x'] }), { code: 'ERR_USAGE', message: /^--deny-net entry "1.2.3.4:x"/ });
});
