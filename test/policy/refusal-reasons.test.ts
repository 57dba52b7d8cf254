import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipEndpoint, type Endpoint } from '../../src/netdev/endpoint.ts';
import { RulePolicy, type NetOperation, type PolicyDecision } from '../../src/policy/index.ts';

function reason(d: PolicyDecision): string {
  assert.equal(d.allowed, false);
  return d.allowed ? '' : d.reason;
}
const why = (p: RulePolicy, op: NetOperation, ep: Endpoint): string => reason(p.check(op, ep));

test('a deny names the entry that refused', () => {
  const p = new RulePolicy({ allowNet: true, denyNet: ['10.0.0.0/8'] });
  assert.equal(why(p, 'connect', ipEndpoint('10.0.0.5', 22)), 'connect to 10.0.0.5:22 refused: denied by --deny-net=10.0.0.0/8');
  assert.equal(why(p, 'send', ipEndpoint('10.0.0.5', 53)), 'send to 10.0.0.5:53 refused: denied by --deny-net=10.0.0.0/8');
  assert.equal(why(p, 'listen', ipEndpoint('10.0.0.5', 80)), 'listen on 10.0.0.5:80 refused: denied by --deny-net=10.0.0.0/8');
});

test('a refusal by an allow list shows what is allowed, as written', () => {
  const p = new RulePolicy({ allowNet: ['example.com:443', '127.0.0.1'] });
  assert.equal(
    why(p, 'connect', ipEndpoint('93.184.216.34', 443)),
    'connect to 93.184.216.34:443 refused: not in --allow-net (allowed: example.com:443, 127.0.0.1)',
  );
  assert.equal(
    why(p, 'connect', ipEndpoint('2001:db8::1', 443)),
    'connect to [2001:db8::1]:443 refused: not in --allow-net (allowed: example.com:443, 127.0.0.1)',
  );
});

test('an address learned for a name is shown with it', () => {
  const p = new RulePolicy({ allowNet: ['example.com:443'] });
  p.learn('example.com', ['93.184.216.34']);
  assert.equal(
    why(p, 'connect', ipEndpoint('93.184.216.34', 80)),
    'connect to 93.184.216.34:80 (example.com) refused: not in --allow-net (allowed: example.com:443)',
  );
});

test('with no allow list the reason says the network or listening is off', () => {
  const p = new RulePolicy({ allowNet: ['1.2.3.4'] });
  assert.equal(
    why(new RulePolicy(), 'connect', ipEndpoint('1.2.3.4', 80)),
    'connect to 1.2.3.4:80 refused: network access is off (no --allow-net)',
  );
  assert.equal(why(p, 'listen', ipEndpoint('0.0.0.0', 80)), 'listen on 0.0.0.0:80 refused: listening is off (no --allow-listen)');
  assert.equal(
    why(new RulePolicy({ allowListen: ['127.0.0.1:8080'] }), 'listen', ipEndpoint('127.0.0.1', 9090)),
    'listen on 127.0.0.1:9090 refused: not in --allow-listen (allowed: 127.0.0.1:8080)',
  );
});

test('lookups and Unix paths get the same kind of reasons', () => {
  const p = new RulePolicy({ allowNet: ['example.com', '/run/app'], denyNet: ['evil.example'] });
  assert.equal(reason(p.checkLookup('example.org')), 'lookup of example.org refused: not in --allow-net (allowed: example.com, /run/app)');
  assert.equal(reason(p.checkLookup('evil.example')), 'lookup of evil.example refused: denied by --deny-net=evil.example');
  assert.equal(reason(new RulePolicy().checkLookup('x.test')), 'lookup of x.test refused: network access is off (no --allow-net)');
  assert.equal(
    why(p, 'connect', { kind: 'unix', path: '/tmp/x.sock' }),
    'connect to /tmp/x.sock refused: not in --allow-net (allowed: example.com, /run/app)',
  );
});

test('long allow lists are summarised', () => {
  const entries = Array.from({ length: 13 }, (_, i) => `10.0.0.${i}`);
  const r = why(new RulePolicy({ allowNet: entries }), 'connect', ipEndpoint('1.1.1.1', 1));
  assert.ok(
    r.endsWith('(allowed: 10.0.0.0, 10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4, 10.0.0.5, 10.0.0.6, 10.0.0.7, 10.0.0.8, 10.0.0.9, and 3 more)'),
    r,
  );
});

test('guest-supplied text is escaped and capped so a reason stays one short line', () => {
  const p = new RulePolicy({ allowNet: ['example.com'] });
  const r = reason(p.checkLookup('evil\nname\u2028é'));
  assert.equal(r.split('refused')[0], 'lookup of evil\\x0aname\\u{2028}\\xe9 ');
  const long = reason(p.checkLookup('a'.repeat(10_000)));
  assert.ok(long.length < 400, `${long.length} characters`);
  const bad = why(p, 'connect', { kind: 'ip', family: 4, address: 'example.com\r\n', port: 80 });
  assert.equal(bad, 'connect to example.com\\x0d\\x0a:80 refused: the address is not an IP literal');
});
