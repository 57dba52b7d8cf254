// Client: credentials do not follow a redirect to another host or from
// https to http; closeIdleConnections spares requests in flight; a Body
// read twice throws ERR_BODY_USED.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { credentialsFollow } from '../../src/http/client.ts';
import { Body, Client, serve, type Handler } from '../../src/http/index.ts';
import { Network } from '../../src/net/index.ts';
import { MemoryNetwork } from '../../src/netdev/memory/network.ts';

const SENT = ['authorization', 'cookie', 'proxy-authorization', 'x-other'];

/** Answers with the sensitive headers it got; `/to/URL` redirects there. */
const reporter: Handler = async (w, r) => {
  const path = new URL(r.url, 'http://x').pathname;
  if (path.startsWith('/to/')) {
    w.header().set('location', decodeURIComponent(path.slice(4)));
    w.writeHeader(302);
    return;
  }
  await w.write(JSON.stringify(Object.fromEntries(SENT.map((h) => [h, r.header.get(h)]))));
};

test(
  'a redirect to another host or port drops Authorization, Cookie and Proxy-Authorization; one on the same host keeps them',
  { timeout: 20_000 },
  async () => {
    const network = new Network({ driver: new MemoryNetwork({ hosts: { 'a.test': ['10.0.0.1'], 'b.test': ['10.0.0.2'] } }) });
    const a = await network.listen('tcp', '10.0.0.1:80');
    const a2 = await network.listen('tcp', '10.0.0.1:8080');
    const b = await network.listen('tcp', '10.0.0.2:80');
    const servings = [a, a2, b].map((l) => serve(l, reporter));
    const client = new Client({ network, timeout: 5000 });
    const header = { authorization: 'Bearer secret', cookie: 'session=1', 'proxy-authorization': 'Basic xyz', 'x-other': 'kept' };
    const via = async (target: string): Promise<Record<string, string | null>> => {
      const res = await client.do({ url: `http://a.test/to/${encodeURIComponent(target)}`, header });
      return JSON.parse(await res.body.text()) as Record<string, string | null>;
    };
    const none = { authorization: null, cookie: null, 'proxy-authorization': null, 'x-other': 'kept' };
    try {
      assert.deepEqual(await via('/same'), header);
      assert.deepEqual(await via('http://a.test/same'), header);
      assert.deepEqual(await via('http://b.test/other'), none);
      assert.deepEqual(await via('http://a.test:8080/other-port'), none);
      // Once dropped, a redirect back to the original host does not restore them.
      assert.deepEqual(await via(`http://b.test/to/${encodeURIComponent('http://a.test/back')}`), none);
    } finally {
      client.closeIdleConnections();
      for (const l of [a, a2, b]) l.close();
      await Promise.all(servings);
    }
  },
);

test('credentials follow a redirect on the same host or to a subdomain, never from https to http', { timeout: 20_000 }, () => {
  const ok = (from: string, to: string): boolean => credentialsFollow(new URL(from), new URL(to));
  assert.equal(ok('http://a.test/x', 'http://a.test/y'), true);
  assert.equal(ok('http://a.test/x', 'http://api.a.test/y'), true);
  assert.equal(ok('http://a.test/x', 'https://a.test/y'), true);
  assert.equal(ok('https://a.test/x', 'https://a.test:443/y'), true);
  assert.equal(ok('https://a.test/x', 'http://a.test/y'), false);
  assert.equal(ok('http://a.test/x', 'http://b.test/y'), false);
  assert.equal(ok('http://a.test/x', 'http://evila.test/y'), false);
  assert.equal(ok('http://api.a.test/x', 'http://a.test/y'), false);
  assert.equal(ok('http://a.test/x', 'http://a.test:8080/y'), false);
});

test('closeIdleConnections closes idle connections and lets requests in flight finish', { timeout: 20_000 }, async () => {
  const network = new Network({ driver: new MemoryNetwork() });
  const listener = await network.listen('tcp', '127.0.0.1:0');
  const serving = serve(listener, async (w, r) => {
    if (r.url === '/slow') await sleep(300);
    await w.write(r.remoteAddr);
  });
  const client = new Client({ network, timeout: 5000 });
  const base = `http://${listener.addr.toString()}`;
  try {
    const slow = client.get(`${base}/slow`);
    await sleep(50);
    const idle = await (await client.get(`${base}/fast`)).body.text();
    await sleep(20); // the connection goes back to the pool
    client.closeIdleConnections();
    const res = await slow;
    const busy = await res.body.text();
    assert.notEqual(busy, idle);
    await sleep(20);
    // The idle connection is gone: the next request goes over the one that was busy.
    assert.equal(await (await client.get(`${base}/fast`)).body.text(), busy);
  } finally {
    client.closeIdleConnections();
    listener.close();
    await serving;
  }
});

test('a Body read twice throws a TypeError with code ERR_BODY_USED', { timeout: 20_000 }, async () => {
  const { Readable } = await import('node:stream');
  const body = new Body(Readable.from([Buffer.from('once')]));
  assert.equal(await body.text(), 'once');
  await assert.rejects(body.text(), (err: unknown) => err instanceof TypeError && (err as { code?: string }).code === 'ERR_BODY_USED');
  const closed = new Body(Readable.from([]));
  closed.close();
  await assert.rejects(closed.bytes(), { code: 'ERR_BODY_USED' });
});
