import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DialtoneError } from '../../src/errors.ts';
import { parseEntry, RulePolicy } from '../../src/policy/index.ts';

const kind = (entry: string): string => parseEntry('--allow-net', entry).target.kind;
const ports = (entry: string): unknown => parseEntry('--allow-net', entry).ports;

test('host names, IPs, CIDRs, wildcards and paths parse to their kinds', () => {
  for (const e of ['example.com', 'Example.COM.', 'localhost', 'my-host_1.internal:443', 'a.b.c.d.e:1-2', 'xn--nicode-2ya.de']) {
    assert.equal(kind(e), 'host', e);
  }
  for (const e of [
    '1.2.3.4',
    '1.2.3.4:80',
    '10.0.0.0/8',
    '10.0.0.0/8:22',
    '::1',
    '::',
    'fd00::/8',
    '[::1]',
    '[::1]:8080',
    '[fd00::/8]:53',
    '::ffff:1.2.3.4',
  ]) {
    assert.equal(kind(e), 'ip', e);
  }
  for (const e of ['*', '*:80', ':8080', '*:*']) assert.equal(kind(e), 'any', e);
  for (const e of ['/', '/run/app.sock', '/tmp/dir/']) assert.equal(kind(e), 'path', e);
});

test('ports: none means any, N, N-M, and * for any', () => {
  assert.equal(ports('example.com'), undefined);
  assert.equal(ports('example.com:*'), undefined);
  assert.deepEqual(ports('example.com:443'), { lo: 443, hi: 443 });
  assert.deepEqual(ports('example.com:8000-8100'), { lo: 8000, hi: 8100 });
  assert.deepEqual(ports('[::1]:0'), { lo: 0, hi: 0 });
  assert.deepEqual(ports(':65535'), { lo: 65535, hi: 65535 });
  assert.equal(ports('fd00::8080'), undefined, 'a bare IPv6 address has no port part');
});

test('entries are trimmed and host names compared in lower case without a trailing dot', () => {
  const r = parseEntry('--allow-net', '  Example.COM.:443 ');
  assert.equal(r.text, 'Example.COM.:443');
  assert.deepEqual(r.target, { kind: 'host', name: 'example.com' });
});

test('path entries are normalised textually', () => {
  assert.deepEqual(parseEntry('--allow-net', '/run//app/./x/../').target, { kind: 'path', path: '/run/app' });
  assert.deepEqual(parseEntry('--allow-net', '/../..').target, { kind: 'path', path: '/' });
});

const invalid = [
  '',
  '   ',
  'exa mple.com',
  'example.com:',
  'example.com:http',
  'example.com:65536',
  'example.com:90-80',
  'example.com:1-2-3',
  'example.com:80:90',
  '1.2.3',
  '256.1.1.1',
  '01.2.3.4',
  '1.2.3.4/33',
  '1.2.3.4/',
  '1.2.3.4/x',
  '::1/129',
  '[::1',
  '[::1]x',
  '[1.2.3.4]:80',
  '[example.com]:80',
  'fe80::1%eth0',
  ':::1',
  '-bad-.com',
  'über.de',
  'a..b',
  'line\nbreak',
  'tab\there',
  `${'a'.repeat(64)}.com`,
  `${'abcdefghi.'.repeat(26)}com`,
];

test('invalid entries throw ERR_USAGE naming the entry on one line', () => {
  for (const e of invalid) {
    assert.throws(
      () => parseEntry('--deny-net', e),
      (err: unknown) => {
        assert.ok(err instanceof DialtoneError, `${JSON.stringify(e)} threw ${String(err)}`);
        assert.equal(err.code, 'ERR_USAGE');
        assert.ok(err.message.startsWith(`--deny-net entry ${JSON.stringify(e)}: `), err.message);
        assert.ok(!/[\n\r]/.test(err.message), 'one line');
        return true;
      },
      JSON.stringify(e),
    );
  }
});

test('the constructor rejects a bad entry in any list, naming its flag', () => {
  assert.throws(() => new RulePolicy({ allowNet: ['ok.com', 'bad host'] }), {
    code: 'ERR_USAGE',
    message: /^--allow-net entry "bad host"/,
  });
  assert.throws(() => new RulePolicy({ allowListen: [':99999'] }), { code: 'ERR_USAGE', message: /^--allow-listen entry ":99999"/ });
  assert.throws(() => new RulePolicy({ denyNet: ['10.0.0.0/40'] }), { code: 'ERR_USAGE', message: /^--deny-net entry "10.0.0.0\/40"/ });
});
