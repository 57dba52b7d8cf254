// dialtone/http in a real browser: in Debian's Chromium (kept on loopback by
// test/helpers/browser.ts) a page loads dist/dialtone-http.browser.js (built
// here from src/http/bundle.ts), and through the dialtone relay that served
// it (1) its Client GETs from a Node HTTP server on 127.0.0.1 that sends no
// CORS headers, which the page's own fetch() may not read, and (2) its
// serve() answers, on a relay listener, a request from the host.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildHttpBundle } from '../../scripts/build-browser.ts';
import { startRelay, type Relay } from '../../src/relay/server.ts';
import { launchChromium, notTo127, startOutsideTrap, type ChromiumSession, type OutsideTrap } from '../helpers/browser.ts';
import { tempDir } from '../helpers/paths.ts';

/** The page: dialtone/http over a WispDriver to the relay that served it, driven from the test through window functions. */
const PAGE_JS = `
import { Client, Network, WispDriver, serve } from './dialtone-http.browser.js';

let network;
const net = () => (network ??= WispDriver.open('ws://' + location.host + '/').then((driver) => new Network({ driver })));

window.clientGet = async (url) => {
  const client = new Client({ network: await net(), timeout: 10000 });
  try {
    const first = await client.get(url);
    const firstText = await first.body.text();
    const res = await client.post(url + '/posted', 'text/plain', 'from the page');
    return { status: res.status, node: res.header.get('x-node'), cors: res.header.get('access-control-allow-origin'), first: firstText, text: await res.body.text() };
  } finally {
    client.closeIdleConnections();
  }
};

window.directFetch = async (url) => {
  try {
    await (await fetch(url)).text();
    return 'read';
  } catch (err) {
    return err.name;
  }
};

window.serveInPage = async () => {
  const listener = await (await net()).listen('tcp', '127.0.0.1:0');
  window.seen = [];
  serve(listener, async (w, r) => {
    const body = await r.body.text();
    window.seen.push(r.method + ' ' + r.url);
    w.header().set('x-page', 'yes');
    for (const word of ['page', 'answered', r.method, r.url, 'with', body]) await w.write(word + ' ');
  });
  return listener.addr.toString();
};

window.ready = true;
`;

const relayLog: string[] = [];
let site: { path: string; cleanup: () => void };
let relay: Relay;
let trap: OutsideTrap;
let chromium: ChromiumSession;
let base: string;

before(async () => {
  site = tempDir('dialtone-http-site-');
  await buildHttpBundle(join(site.path, 'dialtone-http.browser.js'));
  writeFileSync(join(site.path, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="page.js"></script>\n');
  writeFileSync(join(site.path, 'page.js'), PAGE_JS);
  relay = await startRelay({
    port: 0,
    staticDir: site.path,
    allowNet: ['127.0.0.1'],
    allowListen: ['127.0.0.1'],
    log: (l) => relayLog.push(l),
  });
  base = `http://127.0.0.1:${relay.address.port}`;
  trap = await startOutsideTrap();
  chromium = await launchChromium({ trap });
});

after(async () => {
  await chromium?.close();
  await trap?.close();
  await relay?.close();
  site?.cleanup();
});

test('the page’s Client GETs and POSTs through the relay to a Node server that sends no CORS headers', { timeout: 60_000 }, async () => {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url} ${body}`);
      res.setHeader('x-node', 'yes'); // and no Access-Control-Allow-Origin
      res.end(`node answered ${req.method} ${req.url}${body ? ` with ${body}` : ''}`);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}/no-cors`;
  const page = await chromium.newPage();
  try {
    await page.goto(`${base}/`, { timeout: 15_000 });
    await page.waitForFunction('window.ready === true', null, { timeout: 15_000 });
    // The browser's own fetch may not read it: another origin, no CORS.
    assert.equal(await page.evaluate(`window.directFetch(${JSON.stringify(target)})`), 'TypeError');
    const got = (await page.evaluate(`window.clientGet(${JSON.stringify(target)})`)) as Record<string, string | null>;
    assert.deepEqual(got, {
      status: '200 OK',
      node: 'yes',
      cors: null,
      first: 'node answered GET /no-cors',
      text: 'node answered POST /no-cors/posted with from the page',
    });
    assert.deepEqual(seen.slice(-2), ['GET /no-cors ', 'POST /no-cors/posted from the page']);
    assert.deepEqual(relayLog, []);
  } finally {
    await page.close();
    server.close();
  }
});

test('serve in the page answers, on a relay listener, a request from the host', { timeout: 60_000 }, async () => {
  const page = await chromium.newPage();
  try {
    await page.goto(`${base}/`, { timeout: 15_000 });
    await page.waitForFunction('window.ready === true', null, { timeout: 15_000 });
    const addr = (await page.evaluate('window.serveInPage()')) as string;
    assert.match(addr, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(addr, `127.0.0.1:${relay.address.port}`);
    const res = await fetch(`http://${addr}/from-host?q=1`, { method: 'POST', body: 'hi', signal: AbortSignal.timeout(20_000) });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-page'), 'yes');
    assert.equal(res.headers.get('transfer-encoding'), 'chunked');
    assert.equal(await res.text(), 'page answered POST /from-host?q=1 with hi ');
    // Keep-alive: a second request (undici reuses its connection) is answered too.
    const again = await fetch(`http://${addr}/again`, { signal: AbortSignal.timeout(20_000) });
    assert.equal(await again.text(), 'page answered GET /again with  ');
    assert.deepEqual(await page.evaluate('window.seen'), ['POST /from-host?q=1', 'GET /again']);
    assert.deepEqual(relayLog, []);
  } finally {
    await page.close();
  }
});

test('after it, the browser requested nothing outside 127.0.0.1', () => {
  assert.deepEqual(trap.requests, [], 'Chromium tried to reach the outside');
  assert.deepEqual(notTo127(chromium.pageRequests), [], 'a page requested something not on 127.0.0.1');
});
