// The host's one resolver (HostResolver): the error model every consumer
// reads, the upstream server (--dns-server) and the shared cap and
// deadline. Every upstream here is a DNS server this test starts on
// 127.0.0.1; names not in that server's table never reach the system
// resolver.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, test } from 'node:test';
import { HostResolver, isNameNotFound, parseDnsServer } from '../../src/dns/resolver.ts';
import { DnsStub } from '../../src/dns/stub.ts';
import { upstreamResolver } from '../../src/dns/node-system.ts';
import { SysError, toSysError } from '../../src/internal/errno.ts';
import { serveStub, type StubServer } from './server.ts';

const NAMES: Record<string, string[]> = {
  'only-upstream.test': ['127.0.0.7', '::1'],
  'v4only.test': ['127.0.0.8'],
};

let upstream: StubServer;
/** A UDP "server" on loopback that never answers. */
let silent: Socket;
let silentPort: number;

before(async () => {
  upstream = await serveStub(
    new DnsStub({
      policy: (n) => (n === 'refused.test' ? { allowed: false, reason: 'refused by the test server' } : { allowed: true }),
      resolve: async (name, family) => {
        if (name === 'servfail.test') throw Object.assign(new Error('resolver down'), { code: 'ECONNREFUSED' });
        const all = NAMES[name];
        if (all === undefined) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
        return all.filter((a) => a.includes(':') === (family === 6));
      },
    }),
  );
  silent = createSocket('udp4');
  await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', () => resolve()));
  silentPort = silent.address().port;
});

after(async () => {
  await upstream?.close();
  await new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve()));
});

/** The SysError `p` rejects with. */
async function failure(p: Promise<unknown>): Promise<SysError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SysError, `not a SysError: ${String(err)}`);
    return err;
  }
  assert.fail('did not reject');
}

test('a SysError translated from a Node error keeps its code, so "not found" reads the same from either', () => {
  const driverError = toSysError(Object.assign(new Error('getaddrinfo ENOTFOUND missing.test'), { code: 'ENOTFOUND' }));
  assert.equal(driverError.errno, 'ENOENT');
  assert.equal(driverError.code, 'ENOTFOUND');
  assert.equal(isNameNotFound(driverError), true);
  assert.equal(isNameNotFound(Object.assign(new Error(), { code: 'ENODATA' })), true);
  assert.equal(isNameNotFound(toSysError(Object.assign(new Error(), { code: 'ESERVFAIL' }))), false);
  assert.equal(new SysError('EACCES').code, 'EACCES', 'a SysError of its own has its errno as code');
  const timeout = toSysError(Object.assign(new Error(), { code: 'ETIMEOUT' }));
  assert.deepEqual([timeout.errno, timeout.code], ['ETIMEDOUT', 'ETIMEOUT']);
});

test('with an upstream server, a name only that server knows resolves (both families, IPv4 first)', async () => {
  const r = new HostResolver({ server: `127.0.0.1:${upstream.port}`, upstream: upstreamResolver });
  assert.deepEqual(await r.lookup('only-upstream.test'), ['127.0.0.7', '::1']);
  assert.deepEqual(await r.lookup('only-upstream.test', 6), ['::1']);
  assert.ok(upstream.transports.length >= 3, 'the upstream was asked');
});

test('with an upstream server, NXDOMAIN is ENOENT/ENOTFOUND and NODATA is ENOENT/ENODATA', async () => {
  const r = new HostResolver({ server: `127.0.0.1:${upstream.port}`, upstream: upstreamResolver });
  const missing = await failure(r.lookup('missing.test'));
  assert.deepEqual([missing.errno, missing.code], ['ENOENT', 'ENOTFOUND']);
  const missing4 = await failure(r.lookup('missing.test', 4));
  assert.deepEqual([missing4.errno, missing4.code], ['ENOENT', 'ENOTFOUND']);
  const nodata = await failure(r.lookup('v4only.test', 6));
  assert.deepEqual([nodata.errno, nodata.code], ['ENOENT', 'ENODATA']);
  assert.ok(isNameNotFound(missing) && isNameNotFound(nodata));
});

test('an upstream SERVFAIL is EIO/ESERVFAIL and a REFUSED is ECONNREFUSED/EREFUSED, neither "not found"', async () => {
  const r = new HostResolver({ server: `127.0.0.1:${upstream.port}`, upstream: upstreamResolver });
  const servfail = await failure(r.lookup('servfail.test', 4));
  assert.deepEqual([servfail.errno, servfail.code], ['EIO', 'ESERVFAIL']);
  const refused = await failure(r.lookup('refused.test', 4));
  assert.deepEqual([refused.errno, refused.code], ['ECONNREFUSED', 'EREFUSED']);
  // Both families failing for a reason other than "not found" is that failure.
  assert.equal((await failure(r.lookup('servfail.test'))).code, 'ESERVFAIL');
});

test('an upstream that never answers fails with ETIMEDOUT after the deadline', async () => {
  const r = new HostResolver({ server: `127.0.0.1:${silentPort}`, timeoutMs: 300, upstream: upstreamResolver });
  const started = performance.now();
  const err = await failure(r.lookup('anything.test', 4));
  const took = performance.now() - started;
  assert.equal(err.errno, 'ETIMEDOUT');
  assert.ok(took >= 250 && took < 3000, `took ${took} ms`);
});

test('lookups past the cap fail at once with EAGAIN; a lookup that timed out holds its slot until its call ends', async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const r = new HostResolver({ lookup: () => gate.then(() => ['127.0.0.1']), maxConcurrent: 2, timeoutMs: 50 });
  const held = [failure(r.lookup('a.test')), failure(r.lookup('b.test'))];
  const over = await failure(r.lookup('c.test'));
  assert.deepEqual([over.errno, over.code], ['EAGAIN', 'EAI_AGAIN']);
  for (const e of await Promise.all(held)) assert.equal(e.errno, 'ETIMEDOUT');
  assert.equal(r.running, 2, 'timed out, still running');
  assert.equal((await failure(r.lookup('d.test'))).errno, 'EAGAIN');
  release();
  await gate;
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(r.running, 0);
  assert.deepEqual(await r.lookup('e.test'), ['127.0.0.1']);
});

test('localhost and *.localhost are loopback without asking anyone', async () => {
  const r = new HostResolver({ lookup: () => Promise.reject(new Error('asked')), server: undefined });
  assert.deepEqual(await r.lookup('localhost'), ['127.0.0.1', '::1']);
  assert.deepEqual(await r.lookup('App.Localhost.', 6), ['::1']);
});

test('an upstream server is an IP address with an optional port, 53 by default', () => {
  assert.equal(parseDnsServer('127.0.0.1'), '127.0.0.1:53');
  assert.equal(parseDnsServer('127.0.0.1:5353'), '127.0.0.1:5353');
  assert.equal(parseDnsServer('::1'), '[::1]:53');
  assert.equal(parseDnsServer('[::1]:5353'), '[::1]:5353');
  for (const bad of ['dns.example', 'dns.example:53', '127.0.0.1:0', '127.0.0.1:65536', '127.0.0.1:x', '[127.0.0.1]:53', '', '[::1]:']) {
    assert.throws(() => parseDnsServer(bad), TypeError, bad);
  }
});
