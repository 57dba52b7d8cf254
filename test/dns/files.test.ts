import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostsFile, resolvConf } from '../../src/dns/files.ts';

test('resolv.conf names the stub nameserver with Go-understood options and no search list', () => {
  assert.equal(resolvConf('10.0.0.53'), 'nameserver 10.0.0.53\noptions ndots:1 timeout:10 attempts:2\n');
  assert.equal(
    resolvConf('fd00::53', { timeoutSeconds: 3, attempts: 1, search: ['corp.example'] }),
    'nameserver fd00::53\nsearch corp.example\noptions ndots:1 timeout:3 attempts:1\n',
  );
});

test('resolv.conf refuses a nameserver that is not an IP literal, and options Go would clamp', () => {
  for (const bad of ['dns.example', '10.0.0.53:53', '10.0.0.53\nnameserver 8.8.8.8', 'fe80::1%eth0']) {
    assert.throws(() => resolvConf(bad), TypeError, bad);
  }
  assert.throws(() => resolvConf('10.0.0.53', { timeoutSeconds: 0 }), TypeError);
  assert.throws(() => resolvConf('10.0.0.53', { attempts: 1.5 }), TypeError);
  assert.throws(() => resolvConf('10.0.0.53', { search: ['a b'] }), TypeError);
});

test('the hosts file maps localhost to both loopback addresses, then extra entries', () => {
  const text = hostsFile([{ address: '192.0.2.7', names: ['box.internal', 'box'] }]);
  const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  assert.deepEqual(lines, ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', '192.0.2.7\tbox.internal box']);
  assert.ok(text.endsWith('\n'));
});

test('the hosts file refuses entries that would not be one line of address and names', () => {
  assert.throws(() => hostsFile([{ address: 'host', names: ['x'] }]), TypeError);
  assert.throws(() => hostsFile([{ address: '192.0.2.7', names: [] }]), TypeError);
  assert.throws(() => hostsFile([{ address: '192.0.2.7', names: ['x\n0.0.0.0 evil'] }]), TypeError);
  assert.throws(() => hostsFile([{ address: '192.0.2.7', names: ['x # y'] }]), TypeError);
});
