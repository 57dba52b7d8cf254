// Child process of bench/idle-connections.ts: where an idle connection's
// host memory goes. Runs test/guests/benchhttp through dialtone's run() in
// this process, serves a warm-up batch of N connections and closes them,
// then opens N more and leaves them idle, and prints one line of JSON (an
// IdleBreakdown): per connection, the growth of the guest's linear memory,
// of V8's heap (used and committed), of external memory and of RSS, each
// read twice: as the process left it, and after two full garbage
// collections (hence --expose-gc).
//
// Usage: node --expose-gc --stack-size=7800 bench/idle-memory-breakdown.ts N
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { run as runFn } from '../src/run.ts';

/** One reading, bytes. */
interface Reading {
  rss: number;
  guestMemory: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

/** Growth per idle connection, bytes, without and with a full GC before each reading. */
export interface IdleBreakdown {
  connections: number;
  asLeft: Reading;
  afterGc: Reading;
}

const SETTLE_MS = 3000;

function read(memory: WebAssembly.Memory): Reading {
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  const m = process.memoryUsage();
  return {
    rss: Number(kib) * 1024,
    guestMemory: memory.buffer.byteLength,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
  };
}

function perConnection(a: Reading, b: Reading, n: number): Reading {
  const d = (k: keyof Reading): number => (b[k] - a[k]) / n;
  return { rss: d('rss'), guestMemory: d('guestMemory'), heapUsed: d('heapUsed'), heapTotal: d('heapTotal'), external: d('external') };
}

async function main(n: number): Promise<IdleBreakdown> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  const flags = (await import(new URL('../bin/stack-flags.js', import.meta.url).href)) as { setStackFlags(): void };
  flags.setStackFlags();
  const { run } = (await import(new URL('../dist/run.js', import.meta.url).href)) as { run: typeof runFn };
  // The guest's memory is the one export run() does not hand out: catch it at instantiation.
  let memory: WebAssembly.Memory | undefined;
  const instantiate = WebAssembly.instantiate.bind(WebAssembly) as (
    m: WebAssembly.Module,
    i: WebAssembly.Imports,
  ) => Promise<WebAssembly.Instance>;
  (WebAssembly as { instantiate: unknown }).instantiate = async (m: WebAssembly.Module, i: WebAssembly.Imports) => {
    const instance = await instantiate(m, i);
    memory = instance.exports.memory as WebAssembly.Memory;
    return instance;
  };
  const wasm = new URL('../build/guests/benchhttp.wasm', import.meta.url).pathname;
  let out = '';
  const listening = new Promise<number>((resolve) => {
    void run(wasm, {
      args: ['127.0.0.1:0'],
      net: { policy: { allowListen: ['127.0.0.1'] } },
      stdio: {
        stdout: (c) => {
          out += Buffer.from(c).toString('utf8');
          const m = /listening on \S+:(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        },
      },
    });
  });
  const port = await listening;
  const openIdle = (): Promise<net.Socket> =>
    new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => s.write('GET /idle HTTP/1.1\r\nHost: bench\r\n\r\n'));
      s.once('data', () => resolve(s));
      s.once('error', reject);
    });
  const batch = async (): Promise<net.Socket[]> => {
    const socks: net.Socket[] = [];
    for (let i = 0; i < n; i += 50) socks.push(...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, openIdle))));
    return socks;
  };
  for (const s of await batch()) s.destroy();
  await sleep(SETTLE_MS);
  const before = read(memory!);
  gc();
  gc();
  const beforeGc = read(memory!);
  const socks = await batch();
  await sleep(SETTLE_MS);
  const after = read(memory!);
  gc();
  gc();
  const afterGc = read(memory!);
  for (const s of socks) s.destroy();
  return { connections: n, asLeft: perConnection(before, after, n), afterGc: perConnection(beforeGc, afterGc, n) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 1000);
  process.stdout.write(`${JSON.stringify(await main(n))}\n`);
  process.exit(0);
}
