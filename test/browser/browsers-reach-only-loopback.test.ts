// The real-browser harness (test/helpers/browser.ts) keeps Debian's Chromium
// and Firefox ESR on loopback: a tiny page served from 127.0.0.1 loads, has
// WebAssembly JSPI (which the browser build needs), and after a few idle
// seconds neither browser has sent anything to the outside-traffic trap,
// the proxy every non-loopback request goes to.
//
// Chromium and firefox-esr come from Debian (scripts/ensure-debian-packages.ts,
// which `npm test` runs, installs them when missing).
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { launchChromium, notTo127, runInFirefox, startOutsideTrap } from '../helpers/browser.ts';

/** Idle time after the page has loaded, for background traffic to show up in the trap. */
const IDLE_MS = 3_000;

// Reports which JSPI entry points exist, to the harness's report server
// when there is one (Firefox) and in the title (Chromium reads it too).
const PAGE = `<!doctype html>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>dialtone browser smoke test</title>
<script>
  const jspi = { Suspending: typeof WebAssembly.Suspending, promising: typeof WebAssembly.promising };
  const report = new URLSearchParams(location.search).get('report');
  if (report !== null) fetch(report, { method: 'POST', body: JSON.stringify({ jspi }) });
  document.title = 'ready';
</script>
`;

let server: http.Server;
let pageUrl: string;
const served: string[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    served.push(req.url ?? '');
    if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname !== '/') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('Chromium loads a page from 127.0.0.1 with JSPI, and reaches nothing else', { timeout: 30_000 }, async () => {
  const trap = await startOutsideTrap();
  const chromium = await launchChromium({ trap });
  try {
    const page = await chromium.newPage();
    const response = await page.goto(pageUrl, { timeout: 10_000 });
    assert.equal(response?.status(), 200);
    assert.equal(await page.title(), 'ready');
    assert.deepEqual(await page.evaluate('({ Suspending: typeof WebAssembly.Suspending, promising: typeof WebAssembly.promising })'), {
      Suspending: 'function',
      promising: 'function',
    });
    await sleep(IDLE_MS);
    assert.deepEqual(trap.requests, [], 'Chromium tried to reach the outside (requests the trap proxy refused)');
    assert.ok(chromium.pageRequests.includes(pageUrl), `the page request was not recorded: ${chromium.pageRequests.join(', ')}`);
    assert.deepEqual(notTo127(chromium.pageRequests), [], 'the page requested something not on 127.0.0.1');
  } finally {
    await chromium.close();
    await trap.close();
  }
});

test('Firefox ESR loads a page from 127.0.0.1 with JSPI, and reaches nothing else', { timeout: 30_000 }, async () => {
  const trap = await startOutsideTrap();
  served.length = 0;
  try {
    const result = await runInFirefox(pageUrl, { trap, timeoutMs: 20_000, lingerMs: IDLE_MS });
    assert.deepEqual(result, { jspi: { Suspending: 'function', promising: 'function' } });
    assert.deepEqual(trap.requests, [], 'Firefox tried to reach the outside (requests the trap proxy refused)');
    assert.ok(
      served.some((u) => u.startsWith('/?report=')),
      `Firefox did not load the page from 127.0.0.1: ${served.join(', ')}`,
    );
  } finally {
    await trap.close();
  }
});
