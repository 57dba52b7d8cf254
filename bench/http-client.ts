// dialtone/http's client against Node's http client on the same node:http
// server on 127.0.0.1: N sequential keep-alive GETs each, requests/s.
//
// Usage: node bench/http-client.ts [--requests N] [--runs N]   (npm run bench:http)
// Prints requests/s and the ratio, and writes them to docs/benchmarks.md.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Client } from '../src/http/index.ts';
import { Network } from '../src/net/index.ts';
import { NodeDriver } from '../src/netdev/node/driver.ts';
import { writeSection } from './sections.ts';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '5000' }, runs: { type: 'string', default: '3' } } });
const N = Number(values.requests);
const RUNS = Number(values.runs);

const server = http.createServer((_req, res) => res.end('hello'));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

async function nodeClient(): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const start = performance.now();
  for (let i = 0; i < N; i++) {
    await new Promise<void>((resolve, reject) => {
      http
        .get(url, { agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
  }
  const rate = N / ((performance.now() - start) / 1000);
  agent.destroy();
  return rate;
}

async function dialtoneClient(): Promise<number> {
  const client = new Client({ network: new Network({ driver: new NodeDriver() }), maxConnsPerHost: 1 });
  const start = performance.now();
  for (let i = 0; i < N; i++) await (await client.get(url)).body.bytes();
  const rate = N / ((performance.now() - start) / 1000);
  client.closeIdleConnections();
  return rate;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const results = { node: [] as number[], dialtone: [] as number[] };
await nodeClient(); // warm-up
await dialtoneClient();
for (let i = 0; i < RUNS; i++) {
  results.node.push(await nodeClient());
  results.dialtone.push(await dialtoneClient());
}
server.close();
const n = median(results.node);
const d = median(results.dialtone);
console.log(`${N} sequential keep-alive GETs, median of ${RUNS}:`);
console.log(`  Node's http client:     ${n.toFixed(0)} requests/s`);
console.log(`  dialtone/http Client:   ${d.toFixed(0)} requests/s`);
console.log(`  ratio:                  ${(d / n).toFixed(2)}`);
writeSection(
  'http-client',
  [
    '## dialtone/http client',
    '',
    `${N} sequential keep-alive GETs to a \`node:http\` server on 127.0.0.1, median of ${RUNS}, on ${new Date().toISOString().slice(0, 10)}: dialtone/http's \`Client\` (over dialtone/net, Node driver) against Node's \`http\` client (\`npm run bench:http\`).`,
    '',
    '| client | requests/s | dialtone / Node |',
    '| --- | --- | --- |',
    `| Node's \`http\` | ${n.toFixed(0)} | |`,
    `| dialtone/http \`Client\` | ${d.toFixed(0)} | ${(d / n).toFixed(2)}× |`,
  ].join('\n'),
);
