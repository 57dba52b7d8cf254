// A Go HTTP client guest (test/guests/httploop) in Chromium through the
// dialtone relay, against the same guest in Node through the same relay:
// requests/s of N sequential keep-alive GETs to a local node:http server.
// Chromium is Debian's, driven by playwright-core and kept on loopback by
// test/helpers/browser.ts; the page is examples/browser.
//
// Usage: node bench/browser.ts [--requests N] [--runs N]   (npm run bench:browser)
// Prints requests/s and the ratio, and writes them to docs/benchmarks.md.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { run } from '../src/browser.ts';
import { openExampleSite } from '../test/helpers/example-site.ts';
import { writeSection } from './sections.ts';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '2000' }, runs: { type: 'string', default: '3' } } });
const REQUESTS = Number(values.requests);
const RUNS = Number(values.runs);

/** Requests per second from the guest's "N requests in D ns" line. */
function rate(stdout: string): number {
  const m = /^(\d+) requests in (\d+) ns$/m.exec(stdout);
  if (m === null) throw new Error(`unexpected guest output: ${stdout}`);
  return Number(m[1]) / (Number(m[2]) / 1e9);
}

const server = http.createServer((_req, res) => res.end('hello'));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
const site = await openExampleSite({ guests: ['httploop'], relay: { allowNet: ['127.0.0.1'] } });
const { relay, base, chromium } = site;

async function inNode(): Promise<number> {
  let out = '';
  const { exitCode } = await run(`${base}/httploop.wasm`, {
    args: [`http://${target}/`, String(REQUESTS)],
    stdio: { stdout: (c) => (out += new TextDecoder().decode(c)) },
    net: { relay: relay.url, policy: { allowNet: [target] } },
  });
  if (exitCode !== 0) throw new Error(`guest in Node exited ${exitCode}`);
  return rate(out);
}

async function inChromium(): Promise<number> {
  const q = new URLSearchParams({ wasm: 'httploop.wasm', 'allow-net': target });
  q.append('arg', `http://${target}/`);
  q.append('arg', String(REQUESTS));
  const page = await chromium.newPage();
  try {
    await page.goto(`${base}/?${q.toString()}`);
    await page.waitForFunction('window.dialtone?.result !== undefined', null, { timeout: 120_000 });
    const result = (await page.evaluate('window.dialtone.result')) as { exitCode: number; stdout: string; stderr: string };
    if (result.exitCode !== 0) throw new Error(`guest in Chromium exited ${result.exitCode}: ${result.stderr}`);
    return rate(result.stdout);
  } finally {
    await page.close();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const results = { node: [] as number[], chromium: [] as number[] };
try {
  await inNode(); // warm-up (compile caches, connections)
  await inChromium();
  for (let i = 0; i < RUNS; i++) {
    results.node.push(await inNode());
    results.chromium.push(await inChromium());
  }
} finally {
  await site.close();
  server.close();
}
const n = median(results.node);
const c = median(results.chromium);
console.log(`HTTP client guest through the relay, ${REQUESTS} keep-alive GETs, median of ${RUNS}:`);
console.log(`  guest in Node:      ${n.toFixed(0)} requests/s`);
console.log(`  guest in Chromium:  ${c.toFixed(0)} requests/s`);
console.log(`  ratio Chromium / Node: ${(c / n).toFixed(2)}`);
writeSection(
  'browser',
  [
    '## In a browser',
    '',
    `A Go HTTP client guest (\`test/guests/httploop\`: ${REQUESTS} sequential keep-alive GETs to a local \`node:http\` server) through \`dialtone relay\`, in Debian's Chromium (the example page) and in Node (the same browser entry point), median of ${RUNS}, on ${new Date().toISOString().slice(0, 10)} (\`npm run bench:browser\`).`,
    '',
    '| guest runs in | requests/s | Chromium / Node |',
    '| --- | --- | --- |',
    `| Node | ${n.toFixed(0)} | |`,
    `| Chromium | ${c.toFixed(0)} | ${(c / n).toFixed(2)}× |`,
  ].join('\n'),
);
