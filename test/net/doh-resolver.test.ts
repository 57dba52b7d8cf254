// dialtone/net's Resolver over DNS over HTTPS (RFC 8484), against a real
// DoH server (test/helpers/doh-server.ts: node:http on 127.0.0.1 port 0,
// reading each query with the project's DNS wire codec and answering as a
// recursive server would), over POST and GET. Plain http is allowed on
// loopback only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Network, OpError, Resolver } from '../../src/net/index.ts';
import { NodeDriver } from '../../src/netdev/node/driver.ts';
import { run } from '../../src/run.ts';
import { withDohServer } from '../helpers/doh-server.ts';
import { guest } from '../helpers/paths.ts';

test('lookupHost and lookupIP ask the DoH server for A and AAAA, IPv4 first; answers are cached for their TTL, TTL 0 is not', async () => {
  await withDohServer(async (url, asked, methods) => {
    const r = new Resolver({ doh: url });
    assert.deepEqual(await r.lookupHost('api.test'), ['192.0.2.10', '192.0.2.11', '2001:db8::10']);
    assert.deepEqual(await r.lookupIP('ip6', 'api.test'), ['2001:db8::10']);
    assert.deepEqual(await r.lookupIP('ip4', 'API.test.'), ['192.0.2.10', '192.0.2.11']);
    assert.equal(asked.get('api.test A'), 1, 'the second A lookup came from the cache');
    assert.equal(asked.get('api.test AAAA'), 1);
    assert.deepEqual(await r.lookupHost('short.test'), ['192.0.2.30']);
    assert.deepEqual(await r.lookupHost('short.test'), ['192.0.2.30']);
    assert.equal(asked.get('short.test A'), 2, 'TTL 0 is asked again');
    assert.ok(methods.every((m) => m === 'POST'));
    // IP literals and localhost are answered without asking.
    assert.deepEqual(await r.lookupHost('192.0.2.1'), ['192.0.2.1']);
    assert.deepEqual(await r.lookupIP('ip4', 'localhost'), ['127.0.0.1']);
    assert.equal(asked.has('localhost A'), false);
  });
});

test('a CNAME chain is followed; records owned by other names are ignored; GET carries the query as base64url', async () => {
  await withDohServer(async (url, _asked, methods) => {
    const r = new Resolver({ doh: url, method: 'GET' });
    assert.deepEqual(await r.lookupIP('ip4', 'alias.test'), ['192.0.2.10']);
    assert.deepEqual(methods, ['GET']);
  });
});

test('NXDOMAIN and a family with no address are ENOTFOUND; SERVFAIL, a wrong content type and HTTP errors are EIO; REFUSED is ECONNREFUSED; a silent server times out', async () => {
  await withDohServer(async (url) => {
    const r = new Resolver({ doh: url, timeout: 300 });
    const code = (p: Promise<unknown>): Promise<string> =>
      p.then(
        () => 'resolved',
        (e: unknown) => (e instanceof OpError ? `${e.code} ${e.message}` : String(e)),
      );
    assert.equal(await code(r.lookupHost('nowhere.test')), 'ENOTFOUND lookup ip nowhere.test: no such host');
    assert.equal(await code(r.lookupIP('ip6', 'v4only.test')), 'ENOTFOUND lookup ip6 v4only.test: no such host');
    assert.deepEqual(await r.lookupHost('v4only.test'), ['192.0.2.20']);
    assert.match(await code(r.lookupIP('ip4', 'fail.test')), /^EIO /);
    assert.match(await code(r.lookupIP('ip4', 'refused.test')), /^ECONNREFUSED /);
    assert.match(await code(r.lookupIP('ip4', 'slow.test')), /^ETIMEDOUT /);
    assert.match(await code(new Resolver({ doh: url.replace('/dns-query', '/missing') }).lookupIP('ip4', 'api.test')), /^EIO /);
    assert.match(await code(new Resolver({ doh: url.replace('/dns-query', '/broken') }).lookupIP('ip4', 'api.test')), /^EIO /);
    // A chunked body with no length is read only up to a DNS message's size.
    const endless = new Resolver({ doh: url.replace('/dns-query', '/endless'), timeout: 20_000 });
    assert.match(await code(endless.lookupIP('ip4', 'api.test')), /^EIO .*more than 65535 bytes/);
  });
});

test('a Network given the Resolver dials names it resolves, and its policy judges the addresses', async () => {
  await withDohServer(async (url) => {
    const resolver = new Resolver({ doh: url });
    const network = new Network({ driver: new NodeDriver(), resolver });
    assert.deepEqual(await network.lookupHost('api.test'), ['192.0.2.10', '192.0.2.11', '2001:db8::10']);
    const listener = await network.listen('tcp', '127.0.0.1:0');
    const accepted = listener.accept();
    const conn = await network.dial('tcp', `loop.test:${listener.addr.port}`, { timeout: 5000 });
    assert.equal(conn.remoteAddr.ip, '127.0.0.1');
    await conn.close();
    await (await accepted).close();
    listener.close();
    const strict = new Network({ driver: new NodeDriver(), resolver, policy: { allowNet: ['api.test:80'] } });
    await assert.rejects(
      strict.dial('tcp', `loop.test:${listener.addr.port}`),
      (e: unknown) => e instanceof OpError && e.code === 'EACCES',
    );
  });
});

test('the DoH URL must be https, or http on loopback only', () => {
  assert.throws(() => new Resolver({ doh: 'http://192.0.2.1/dns-query' }), /https:\/\/ URL \(http:\/\/ only on loopback\)/);
  assert.throws(() => new Resolver({ doh: 'ftp://127.0.0.1/' }), TypeError);
  assert.throws(() => new Resolver({ doh: 'nonsense' }), /not a URL/);
  assert.equal(new Resolver({ doh: 'https://dns.example/dns-query' }).url, 'https://dns.example/dns-query');
  assert.equal(new Resolver({ doh: 'http://[::1]:8053/dns-query' }).url, 'http://[::1]:8053/dns-query');
});

test('a Go guest resolves through the DoH server when run() is given resolver.over(driver)', { timeout: 60_000 }, async () => {
  await withDohServer(async (url, asked) => {
    const resolver = new Resolver({ doh: url });
    let out = '';
    const r = await run(guest('lookup'), {
      args: ['api.test', 'alias.test', 'nowhere.test'],
      net: { driver: resolver.over(new NodeDriver()), policy: { allowNet: ['api.test', 'alias.test', 'nowhere.test'] } },
      stdio: { stdout: (c) => (out += new TextDecoder().decode(c)) },
    });
    assert.equal(r.exitCode, 0);
    const lines = out.trim().split('\n');
    assert.equal(lines[0], 'api.test 192.0.2.10 192.0.2.11 2001:db8::10');
    assert.equal(lines[1], 'alias.test 192.0.2.10');
    assert.match(lines[2] ?? '', /^nowhere\.test error: lookup nowhere\.test.*no such host$/);
    assert.ok((asked.get('api.test A') ?? 0) >= 1);
  });
});
