// Many guests in one process (issue 10): what each extra guest costs, and
// what 8 HTTP guests serve at once. A GuestPool in this process runs the Go
// net/http server test/guests/benchhttp (dispatchrun/net):
//   - start-up and memory: N guests started one after another, each timed
//     from pool.run() to its "listening on" line, with this process's
//     resident memory (VmRSS, guests' linear memories included) after each;
//   - throughput: wrk loads 1 guest alone, then 8 guests at once (one wrk
//     per guest), each with the same load, for the same time.
// All guests share one compiled module (as pool users should, see GuestPool.run).
//
// Usage: node bench/multi-guest.ts [--guests N] [--seconds S]
// Writes the "multi-guest" section of docs/benchmarks.md.
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildGuests, guestWasm } from '../scripts/build-guests.ts';
import { GuestPool, type PooledGuest } from '../src/index.ts';
import { formatCount, formatMs, table } from './format.ts';
import { writeSection } from './sections.ts';
import { ensureWrk, runWrk, type WrkLoad } from './wrk.ts';

const { values } = parseArgs({ options: { guests: { type: 'string', default: '16' }, seconds: { type: 'string', default: '5' } } });
const GUESTS = Number(values.guests);
const SECONDS = Number(values.seconds);
if (!Number.isInteger(GUESTS) || GUESTS < 8 || GUESTS > 64) throw new Error('--guests must be 8..64');
if (!Number.isInteger(SECONDS) || SECONDS < 1 || SECONDS > 60) throw new Error('--seconds must be 1..60');
const LOAD: WrkLoad = { threads: 1, connections: 8, seconds: SECONDS, cpus: undefined };
/** The 1-minute load average when the bench started, reported beside the figures. */
const loadAtStart = loadavg()[0] ?? 0;

/** Resident memory of this process, in bytes. */
function rssBytes(): number {
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  if (kib === undefined) throw new Error('no VmRSS in /proc/self/status');
  return Number(kib) * 1024;
}

const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** Starts one benchhttp guest and resolves with its address once it listens (30 s at most). */
async function startServer(pool: GuestPool, module: WebAssembly.Module): Promise<{ guest: PooledGuest; addr: string; ms: number }> {
  const t0 = performance.now();
  let text = '';
  const { promise: listening, resolve } = Promise.withResolvers<string>();
  const guest = pool.run(module, {
    args: ['127.0.0.1:0'],
    net: { policy: { allowListen: ['127.0.0.1'] } },
    stdio: {
      stdout: (chunk) => {
        text += Buffer.from(chunk).toString('utf8');
        const m = /listening on (\S+)\n/.exec(text);
        if (m !== null) resolve(m[1]!);
      },
    },
  });
  const addr = await Promise.race([
    listening,
    guest.exited.then((e) => Promise.reject(new Error(`guest ended before listening: ${JSON.stringify(e)}`))),
    sleep(30_000).then(() => Promise.reject(new Error('guest did not listen within 30 s'))),
  ]);
  return { guest, addr, ms: performance.now() - t0 };
}

buildGuests(['benchhttp']);
const wrk = ensureWrk();
const module = await WebAssembly.compile(readFileSync(guestWasm('benchhttp')));
const pool = new GuestPool();
try {
  // Start-up and memory.
  await sleep(500);
  const rss0 = rssBytes();
  const started: { addr: string; ms: number; rss: number }[] = [];
  for (let i = 0; i < GUESTS; i++) {
    const s = await startServer(pool, module);
    await sleep(200); // let the guest's start-up garbage settle before reading RSS
    started.push({ addr: s.addr, ms: s.ms, rss: rssBytes() });
  }
  const first = started[0]!;
  const last = started.at(-1)!;
  const perExtraRss = (last.rss - first.rss) / (GUESTS - 1);
  const extraStart = median(started.slice(1).map((s) => s.ms));

  // Throughput: one guest alone, then 8 at once.
  const alone = await runWrk(wrk, `http://${first.addr}/`, LOAD);
  const eight = await Promise.all(started.slice(0, 8).map((s) => runWrk(wrk, `http://${s.addr}/`, LOAD)));
  const eightTotal = eight.reduce((sum, r) => sum + r.requestsPerSec, 0);
  const eightErrors = eight.reduce((sum, r) => sum + r.socketErrors + r.non2xx, 0);
  const slowest = Math.min(...eight.map((r) => r.requestsPerSec));
  const fastest = Math.max(...eight.map((r) => r.requestsPerSec));

  const date = new Date().toISOString().slice(0, 10);
  const body = [
    '## Many guests in one process',
    '',
    `A \`GuestPool\` runs the Go \`net/http\` server test/guests/benchhttp (dispatchrun/net) ${GUESTS} times in one Node process, ` +
      `all from one compiled module, on ${date} (\`node bench/multi-guest.ts\`). ` +
      `Load average ${loadAtStart.toFixed(2)} on ${availableParallelism()} CPUs at the start${loadAtStart > 1 ? ' (other processes were busy: the figures are rough)' : ''}.`,
    '',
    table(
      ['what', 'value'],
      [
        ['start-up of the first guest (pool.run → listening)', formatMs(first.ms)],
        [`start-up of each further guest (median of ${GUESTS - 1})`, formatMs(extraStart)],
        ['process RSS before any guest', mib(rss0)],
        ['process RSS with 1 guest', mib(first.rss)],
        [`process RSS with ${GUESTS} guests`, mib(last.rss)],
        ['RSS per extra guest', mib(perExtraRss)],
      ],
    ),
    '',
    `Throughput: \`wrk -t1 -c8 -d${SECONDS}s\` per guest, against 1 guest alone, then against 8 guests at once (8 wrk processes); ` +
      'all guests share the one Node thread, so the sum for 8 is what that thread serves, split among them. Nothing is pinned: ' +
      'the wrk processes share the CPUs with the server, and 8 of them keep 64 connections busy against 8, so the sum can ' +
      'exceed what 1 guest alone gets (the thread waits less between requests).',
    '',
    table(
      ['guests loaded', 'requests/s (sum)', 'per guest', 'errors'],
      [
        ['1', formatCount(alone.requestsPerSec), formatCount(alone.requestsPerSec), String(alone.socketErrors + alone.non2xx)],
        ['8 at once', formatCount(eightTotal), `${formatCount(slowest)} – ${formatCount(fastest)}`, String(eightErrors)],
      ],
    ),
  ].join('\n');
  writeSection('multi-guest', body);
  process.stdout.write(`${body}\n`);
} finally {
  await pool.stopAll();
}
