// Listening in the browser: in Debian's Chromium (playwright-core, kept on
// loopback by test/helpers/browser.ts) the example page runs the Go net/http
// server guest with `allow-listen=127.0.0.1`; the relay that served the page
// (`allowListen: ['127.0.0.1']`) binds the port through dialtone's Wisp
// listening extension (docs/wisp-extensions.md), and a request from Node
// reaches the guest in the page. Nothing may leave 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Relay } from '../../src/relay/server.ts';
import { notTo127, type ChromiumSession, type OutsideTrap } from '../helpers/browser.ts';
import { openExampleSite, type ExampleSite } from '../helpers/example-site.ts';

const relayLog: string[] = [];
let site: ExampleSite;
let relay: Relay;
let trap: OutsideTrap;
let chromium: ChromiumSession;
let base: string;

before(async () => {
  site = await openExampleSite({ guests: ['httpserver'], relay: { allowListen: ['127.0.0.1'], log: (l) => relayLog.push(l) } });
  ({ relay, base, trap, chromium } = site);
});

after(() => site?.close());

test('a Go net/http server in the page listens through the relay and answers a request from the host', { timeout: 90_000 }, async () => {
  const page = await chromium.newPage();
  try {
    const q = new URLSearchParams({ wasm: 'httpserver.wasm', arg: '127.0.0.1:0', 'allow-listen': '127.0.0.1' });
    await page.goto(`${base}/?${q.toString()}`, { timeout: 15_000 });
    await page.waitForFunction(
      `/listening on 127\\.0\\.0\\.1:\\d+\\n/.test(document.getElementById('stdout').textContent) || window.dialtone?.result !== undefined`,
      null,
      { timeout: 45_000 },
    );
    const stdout = (await page.evaluate(`document.getElementById('stdout').textContent`)) as string;
    const m = /^listening on (127\.0\.0\.1:(\d+))\n/.exec(stdout);
    assert.ok(
      m,
      `the guest listens: stdout ${JSON.stringify(stdout)}, result ${JSON.stringify(await page.evaluate('window.dialtone?.result'))}`,
    );
    const addr = m[1]!;
    assert.notEqual(Number(m[2]), relay.address.port);

    const res = await fetch(`http://${addr}/hello`, { signal: AbortSignal.timeout(20_000) });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello from wasm: GET /hello (0 bytes)\n');
    const body = 'y'.repeat(200_000);
    const echo = await fetch(`http://${addr}/echo`, { method: 'POST', body, signal: AbortSignal.timeout(20_000) });
    assert.equal(await echo.text(), body);

    // /quit ends the guest: the page reports exit 0.
    assert.equal(await (await fetch(`http://${addr}/quit`, { signal: AbortSignal.timeout(20_000) })).text(), 'bye\n');
    await page.waitForFunction('window.dialtone?.result !== undefined', null, { timeout: 20_000 });
    const result = (await page.evaluate('window.dialtone.result')) as { exitCode: number | null; stderr: string; error?: string };
    assert.equal(result.exitCode, 0, `${result.stderr}${result.error ?? ''}`);
    assert.deepEqual(relayLog, []);
  } finally {
    await page.close();
  }
});

test('after it, the browser requested nothing outside 127.0.0.1', () => {
  assert.deepEqual(trap.requests, [], 'Chromium tried to reach the outside');
  assert.deepEqual(notTo127(chromium.pageRequests), [], 'a page requested something not on 127.0.0.1');
});
