// Go guests in a real browser: Debian's Chromium (driven by playwright-core,
// kept on loopback by test/helpers/browser.ts) opens examples/browser/, which
// runs each guest with the browser bundle, its sockets going through the
// dialtone relay that served the page. Each test reads the page's
// window.dialtone.result; at the end nothing may have gone outside 127.0.0.1.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as dgram from 'node:dgram';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Relay } from '../../src/relay/server.ts';
import { notTo127, type ChromiumSession, type OutsideTrap } from '../helpers/browser.ts';
import { EXAMPLE_DIR, openExampleSite, type ExampleSite } from '../helpers/example-site.ts';

/** What examples/browser/page.js leaves in window.dialtone.result. */
interface PageResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  error?: string;
}

const GUESTS = ['benchecho', 'udpecho', 'connerrors', 'wasinetapp'];

const relayLog: string[] = [];
let site: ExampleSite;
let relay: Relay;
let trap: OutsideTrap;
let chromium: ChromiumSession;
let base: string;

before(async () => {
  // The example page, plus test guests beside it so the page can load them by relative URL.
  site = await openExampleSite({
    files: ['index.html', 'page.js', 'hello.txt', 'fetch.wasm'],
    guests: GUESTS,
    relay: { allowNet: ['127.0.0.1'], log: (l) => relayLog.push(l) },
  });
  ({ relay, base, trap, chromium } = site);
});

after(() => site?.close());

/** Opens the example page with `query` and waits for the guest's result. */
async function runPage(query: string): Promise<PageResult> {
  const page = await chromium.newPage();
  try {
    await page.goto(`${base}/${query}`, { timeout: 15_000 });
    await page.waitForFunction('window.dialtone?.result !== undefined', null, { timeout: 45_000 });
    return (await page.evaluate('window.dialtone.result')) as PageResult;
  } finally {
    await page.close();
  }
}

/** The query for `wasm` with args, the guest's own policy, and nothing else. */
function query(wasm: string, args: readonly string[], allowNet: string): string {
  const q = new URLSearchParams({ wasm });
  for (const a of args) q.append('arg', a);
  q.set('allow-net', allowNet);
  return `?${q.toString()}`;
}

async function listening<T extends net.Server | http.Server>(server: T): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

test(
  'with no query the page runs its bundled Go example, which fetches hello.txt from the page’s own relay',
  { timeout: 60_000 },
  async () => {
    const r = await runPage('');
    assert.equal(r.exitCode, 0, `${r.stderr}${r.error ?? ''}`);
    assert.equal(r.stdout, `GET ${base}/hello.txt: 200 OK\n${readFileSync(join(EXAMPLE_DIR, 'hello.txt'), 'utf8')}`);
  },
);

test('a dispatchrun/net HTTP client in the page fetches from a local server through the relay', { timeout: 60_000 }, async () => {
  const body = 'x'.repeat(100_000);
  const server = http.createServer((req, res) => res.end(req.url === '/big' ? body : 'small'));
  const port = await listening(server);
  try {
    const r = await runPage(query('fetch.wasm', [`http://127.0.0.1:${port}/big`], `127.0.0.1:${port}`));
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, `GET http://127.0.0.1:${port}/big: 200 OK\n${body}`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('a TCP echo of 1 MiB and UDP datagrams make the round trip from the page', { timeout: 60_000 }, async () => {
  const total = 1024 * 1024;
  const tcp = net.createServer((s) => {
    let n = 0;
    s.on('data', (b) => {
      n += b.length;
      s.write(b);
      if (n >= total) s.end(); // Wisp has no half-close: the server ends it
    });
    s.on('error', () => {});
  });
  const tcpPort = await listening(tcp);
  const udp = dgram.createSocket('udp4');
  udp.on('message', (data, rinfo) => udp.send(`echo: ${data.toString()}`, rinfo.port, rinfo.address));
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  try {
    const echo = await runPage(query('benchecho.wasm', ['stream', `127.0.0.1:${tcpPort}`, '1'], `127.0.0.1:${tcpPort}`));
    assert.equal(echo.exitCode, 0, echo.stderr);
    assert.match(echo.stdout, new RegExp(`^echoed ${total} bytes in \\d+ ns, crc32 [0-9a-f]+\\n$`));
    const messages = ['first datagram', 'y'.repeat(8000)];
    const udpPort = udp.address().port;
    const dgrams = await runPage(query('udpecho.wasm', ['client', `127.0.0.1:${udpPort}`, ...messages], `127.0.0.1:${udpPort}`));
    assert.equal(dgrams.exitCode, 0, dgrams.stderr);
    assert.equal(dgrams.stdout, messages.map((m) => `reply: echo: ${m}\n`).join(''));
  } finally {
    tcp.close();
    udp.close();
  }
});

test(
  'a destination the relay refuses gives the guest in the page "connect: Permission denied", as under Node',
  { timeout: 60_000 },
  async () => {
    let seen = 0;
    const sink = net.createServer((s) => {
      seen++;
      s.destroy();
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.2', resolve));
    try {
      const port = (sink.address() as AddressInfo).port;
      relayLog.length = 0;
      // The guest's own policy allows 127.0.0.0/8; the relay allows only 127.0.0.1.
      const r = await runPage(query('connerrors.wasm', ['denied', `127.0.0.2:${port}`], '127.0.0.0/8'));
      assert.equal(r.exitCode, 0, r.stderr);
      assert.equal(r.stdout, `denied: dial tcp 127.0.0.2:${port}: connect: Permission denied\n`);
      assert.equal(seen, 0);
      assert.ok(
        relayLog.some((l) => /refused stream \d+ .* to 127\.0\.0\.2:\d+ \(tcp\)/.test(l)),
        relayLog.join('\n'),
      );
    } finally {
      sink.close();
    }
  },
);

test('a wasinet guest (wasinet_v0) in the page fetches through the relay too', { timeout: 60_000 }, async () => {
  const server = http.createServer((req, res) => res.end(`wasinet asked for ${req.url}`));
  const port = await listening(server);
  try {
    const r = await runPage(query('wasinetapp.wasm', ['get', `http://127.0.0.1:${port}/page`], `127.0.0.1:${port}`));
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /wasinet asked for \/page/);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('a link cannot make the page run another origin’s module or report elsewhere', { timeout: 60_000 }, async () => {
  const foreign = `http://localhost:${relay.address.port}/fetch.wasm`;
  const r = await runPage(`?${new URLSearchParams({ wasm: foreign, 'allow-net': '' }).toString()}`);
  assert.equal(r.exitCode, null);
  assert.match(r.error ?? '', /the module http:\/\/localhost:\d+\/fetch\.wasm is not on this page's host \(127\.0\.0\.1\)/);
  const relayed = await runPage(
    `?${new URLSearchParams({ wasm: 'fetch.wasm', relay: `ws://localhost:${relay.address.port}/` }).toString()}`,
  );
  assert.match(relayed.error ?? '', /the relay ws:\/\/localhost:\d+\/ is not on this page's host/);
});

test('after all of it, the browser requested nothing outside 127.0.0.1', () => {
  assert.deepEqual(trap.requests, [], 'Chromium tried to reach the outside');
  assert.deepEqual(notTo127(chromium.pageRequests), [], 'a page requested something not on 127.0.0.1');
  assert.ok(
    chromium.pageRequests.some((u) => u.endsWith('/_dialtone/dialtone.browser.js')),
    'the page loaded the bundle from its relay',
  );
});
