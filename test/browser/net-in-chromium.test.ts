// dialtone/net in a page, in Debian's Chromium (playwright-core, kept on
// loopback by test/helpers/browser.ts): dialtone/net and the Wisp driver,
// bundled for browsers with esbuild, served by a relay with --allow-listen.
// The page dials a `ws` (npm) echo server with dial('ws'), resolves names
// with a DNS-over-HTTPS Resolver against test/helpers/doh-server.ts, and
// binds a UDP port through the relay that a node:dgram peer talks to; a Go
// guest run in the page resolves names through the same DoH server.
// Nothing may leave 127.0.0.1.
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { copyFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { startRelay, type Relay } from '../../src/relay/server.ts';
import { launchChromium, notTo127, startOutsideTrap, type ChromiumSession, type OutsideTrap } from '../helpers/browser.ts';
import { withDohServer } from '../helpers/doh-server.ts';
import { guest, repoRoot, tempDir } from '../helpers/paths.ts';

let site: { path: string; cleanup: () => void };
let relay: Relay;
let trap: OutsideTrap;
let chromium: ChromiumSession;
let page: Page;

before(async () => {
  site = tempDir('dialtone-net-page-');
  await build({
    stdin: {
      contents: `export { Network, Resolver } from './src/net/index.ts';\nexport { WispDriver } from './src/netdev/wisp/driver.ts';\nexport { MemoryNetwork } from './src/netdev/memory/network.ts';\nexport { run } from './src/browser/run.ts';\n`,
      resolveDir: repoRoot,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    outfile: join(site.path, 'net.js'),
    logLevel: 'silent',
  });
  copyFileSync(guest('lookup'), join(site.path, 'lookup.wasm'));
  writeFileSync(
    join(site.path, 'index.html'),
    `<!doctype html><script type="module">import * as net from './net.js'; window.net = net; window.netReady = true;</script>`,
  );
  relay = await startRelay({ port: 0, staticDir: site.path, allowNet: ['127.0.0.1'], allowListen: ['127.0.0.1'], log: () => {} });
  trap = await startOutsideTrap();
  chromium = await launchChromium({ trap });
  page = await chromium.newPage();
  await page.goto(`http://127.0.0.1:${relay.address.port}/`, { timeout: 15_000 });
  await page.waitForFunction('window.netReady === true', null, { timeout: 15_000 });
});

after(async () => {
  await chromium?.close();
  await trap?.close();
  await relay?.close();
  site?.cleanup();
});

test('in Chromium, dial("ws") gives a Conn over the page\'s WebSocket: bytes both ways', { timeout: 60_000 }, async () => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (ws) => ws.on('message', (d, isBinary) => ws.send(d, { binary: isBinary })));
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  try {
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/echo`;
    const result = await page.evaluate(
      `(async () => {
        // No relay: a ws dial does not use the Network's driver.
        const network = new net.Network({ driver: new net.MemoryNetwork() });
        const conn = await network.dial('ws', ${JSON.stringify(url)}, { timeout: 10000 });
        const sent = new Uint8Array(200000).map((_, i) => i % 251);
        await conn.write(sent);
        const got = new Uint8Array(sent.length);
        let n = 0;
        while (n < got.length) n += await conn.read(got.subarray(n));
        const same = got.every((b, i) => b === sent[i]);
        let closeWrite;
        try { await conn.closeWrite(); } catch (e) { closeWrite = e.code; }
        await conn.close();
        return { same, n, remote: String(conn.remoteAddr), network: conn.remoteAddr.network, closeWrite };
      })()`,
    );
    assert.deepEqual(result, { same: true, n: 200000, remote: url, network: 'ws', closeWrite: 'ENOTSUP' });
  } finally {
    for (const c of server.clients) c.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test("in Chromium, a DNS-over-HTTPS Resolver resolves names with the page's fetch, no relay involved", { timeout: 60_000 }, async () => {
  await withDohServer(async (doh, asked) => {
    const result = await page.evaluate(
      `(async () => {
        const r = new net.Resolver({ doh: ${JSON.stringify(doh)} });
        const both = await r.lookupHost('api.test');
        const alias = await r.lookupIP('ip4', 'alias.test');
        let missing;
        try { await r.lookupHost('nowhere.test'); } catch (e) { missing = e.code; }
        return { both, alias, missing };
      })()`,
    );
    assert.deepEqual(result, { both: ['192.0.2.10', '192.0.2.11', '2001:db8::10'], alias: ['192.0.2.10'], missing: 'ENOTFOUND' });
    assert.equal(asked.get('api.test A'), 1);
  });
});

test(
  'in Chromium, a Go guest resolves names over DNS over HTTPS: run() with resolver.over(a relay driver)',
  { timeout: 90_000 },
  async () => {
    await withDohServer(async (doh) => {
      const result = (await page.evaluate(
        `(async () => {
        const resolver = new net.Resolver({ doh: ${JSON.stringify(doh)} });
        const relay = await net.WispDriver.open(location.origin.replace('http', 'ws') + '/');
        let out = '';
        try {
          const r = await net.run('lookup.wasm', {
            args: ['api.test', 'alias.test', 'nowhere.test'],
            net: { driver: resolver.over(relay), policy: { allowNet: ['api.test', 'alias.test', 'nowhere.test'] } },
            stdio: { stdout: (c) => (out += new TextDecoder().decode(c)) },
          });
          return { exitCode: r.exitCode, out };
        } finally {
          relay.close();
        }
      })()`,
      )) as { exitCode: number; out: string };
      assert.equal(result.exitCode, 0);
      const lines = result.out.trim().split('\n');
      assert.deepEqual(lines.slice(0, 2), ['api.test 192.0.2.10 192.0.2.11 2001:db8::10', 'alias.test 192.0.2.10']);
      assert.match(lines[2] ?? '', /^nowhere\.test error: .*no such host$/);
    });
  },
);

test('in Chromium, listenPacket("udp") binds a port through the relay and answers a node:dgram peer', { timeout: 60_000 }, async () => {
  const port = (await page.evaluate(
    `(async () => {
      const network = new net.Network({ driver: new net.WispDriver(location.origin.replace('http', 'ws') + '/') });
      window.pc = await network.listenPacket('udp', '127.0.0.1:0');
      window.echoing = (async () => {
        const buf = new Uint8Array(1500);
        const { n, addr } = await window.pc.readFrom(buf);
        await window.pc.writeTo(new TextEncoder().encode('page heard ' + new TextDecoder().decode(buf.subarray(0, n))), addr);
        return String(addr);
      })();
      return window.pc.localAddr.port;
    })()`,
  )) as number;
  assert.ok(port > 0);
  const peer = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
    const reply = new Promise<{ text: string; port: number }>((resolve) =>
      peer.once('message', (m, rinfo) => resolve({ text: m.toString(), port: rinfo.port })),
    );
    peer.send('hello page', port, '127.0.0.1');
    assert.deepEqual(await reply, { text: 'page heard hello page', port });
    assert.equal(await page.evaluate('window.echoing'), `127.0.0.1:${peer.address().port}`);
    await page.evaluate('window.pc.close()');
  } finally {
    peer.close();
  }
});

test('after them, the browser requested nothing outside 127.0.0.1', () => {
  assert.deepEqual(trap.requests, []);
  assert.deepEqual(notTo127(chromium.pageRequests), []);
});
