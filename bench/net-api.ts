// dialtone/net's echo against raw node:net: a client sends N MiB to a
// node:net echo server on 127.0.0.1 while reading the echo back, once with
// a node:net socket and once with dialtone/net's Conn (Node driver).
// Goal: dialtone/net at least 0.9× raw node:net. Also: the same echo over
// the in-memory network (both ends dialtone/net), in MiB/s.
//
// Usage: node bench/net-api.ts [--mib N] [--runs N]   (npm run bench:net)
// Prints MiB/s and the ratio, and writes them to docs/benchmarks.md.
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Network, type Conn } from '../src/net/index.ts';
import { dial } from '../src/net/node.ts';
import { MemoryNetwork } from '../src/netdev/memory/network.ts';
import { writeSection } from './sections.ts';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '256' }, runs: { type: 'string', default: '3' } } });
const MIB = Number(values.mib);
const RUNS = Number(values.runs);
const CHUNK = 64 * 1024;

const server = net.createServer((s) => {
  s.on('error', () => {});
  s.pipe(s);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;
const block = new Uint8Array(CHUNK).map((_, i) => i & 0xff);
const total = MIB * 1024 * 1024;

/** MiB/s of an echo through a raw node:net socket, with its own backpressure handling. */
async function raw(): Promise<number> {
  const sock = net.connect({ port, host: '127.0.0.1', noDelay: true });
  await new Promise<void>((resolve) => sock.once('connect', resolve));
  const start = performance.now();
  const done = new Promise<void>((resolve) => {
    let got = 0;
    sock.on('data', (b) => {
      got += b.length;
      if (got >= total) resolve();
    });
  });
  for (let sent = 0; sent < total; sent += CHUNK) {
    if (!sock.write(block)) await new Promise((resolve) => sock.once('drain', resolve));
  }
  await done;
  const mibs = MIB / ((performance.now() - start) / 1000);
  sock.destroy();
  return mibs;
}

/** MiB/s of the same echo through dialtone/net: one writer and one reader on one Conn. */
async function api(): Promise<number> {
  return echoThrough(await dial('tcp', `127.0.0.1:${port}`));
}

/** MiB/s of an echo on an in-memory network, both ends dialtone/net. */
async function memory(): Promise<number> {
  const network = new Network({ driver: new MemoryNetwork() });
  const l = await network.listen('tcp', '127.0.0.1:0');
  void (async () => {
    const c = await l.accept();
    const buf = new Uint8Array(256 * 1024);
    for (let n = await c.read(buf); n !== null; n = await c.read(buf)) await c.write(buf.subarray(0, n));
    await c.close();
  })();
  const mibs = await echoThrough(await network.dial('tcp', l.addr.toString()));
  l.close();
  return mibs;
}

async function echoThrough(conn: Conn): Promise<number> {
  const start = performance.now();
  const reader = (async () => {
    const buf = new Uint8Array(256 * 1024);
    let got = 0;
    while (got < total) {
      const n = await conn.read(buf);
      if (n === null) throw new Error('echo ended early');
      got += n;
    }
  })();
  for (let sent = 0; sent < total; sent += CHUNK) await conn.write(block);
  await reader;
  const mibs = MIB / ((performance.now() - start) / 1000);
  await conn.close();
  return mibs;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const results = { raw: [] as number[], api: [] as number[], memory: [] as number[] };
await raw(); // warm-up
await api();
await memory();
for (let i = 0; i < RUNS; i++) {
  results.raw.push(await raw());
  results.api.push(await api());
  results.memory.push(await memory());
}
server.close();
const r = median(results.raw);
const a = median(results.api);
const m = median(results.memory);
console.log(`TCP echo of ${MIB} MiB, median of ${RUNS}:`);
console.log(`  raw node:net:       ${r.toFixed(1)} MiB/s`);
console.log(`  dialtone/net Conn:  ${a.toFixed(1)} MiB/s`);
console.log(`  ratio:              ${(a / r).toFixed(2)} (goal ≥ 0.9)`);
console.log(`  in-memory network:  ${m.toFixed(1)} MiB/s`);
writeSection(
  'net-api',
  [
    '## dialtone/net',
    '',
    `TCP echo of ${MIB} MiB to a \`node:net\` echo server on 127.0.0.1, median of ${RUNS}, on ${new Date().toISOString().slice(0, 10)}: dialtone/net's \`Conn\` (Node driver; one writer and one reader) against a raw \`node:net\` socket (\`npm run bench:net\`). Goal: at least 0.9×.`,
    '',
    '| client | MiB/s | dialtone/net / raw | goal |',
    '| --- | --- | --- | --- |',
    `| raw \`node:net\` | ${r.toFixed(1)} | | |`,
    `| dialtone/net \`Conn\` | ${a.toFixed(1)} | ${(a / r).toFixed(2)}× | ${a / r >= 0.9 ? 'met' : 'not met'} |`,
    `| dialtone/net on the in-memory network (both ends) | ${m.toFixed(1)} | | |`,
  ].join('\n'),
);
