// Renders the network benchmarks' results (bench/net.ts) as tables and as
// the network sections of docs/benchmarks.md.
import { formatCount, formatMs, formatRatio, table } from './format.ts';
import type { EchoBench, HttpBench, HttpResult, IdleBench, NetResults, Outcome, PerfRun, ProfileRun } from './net.ts';
import { HOST_KINDS, PERF_KINDS } from './perf-split.ts';
import { CODE_KINDS } from './profile.ts';
import { RUNNERS, type Runner } from './runners.ts';
import { describe } from './measure.ts';

/** `value` formatted, or the reason there is none. */
function cell<T>(o: Outcome<T> | undefined, format: (v: T) => string, short = false): string {
  if (o === undefined) return 'n/a';
  if (o.ok) return format(o.value);
  return short ? (o.why.startsWith('n/a') ? 'n/a' : 'failed') : o.why;
}

/** dialtone's value over `other`'s, or — when either is missing. */
function ratio<T>(results: Record<Runner, Outcome<T>>, other: Runner, value: (v: T) => number): string {
  const d = results.dialtone;
  const o = results[other];
  return d.ok && o.ok ? formatRatio(value(d.value) / value(o.value)) : '—';
}

/** `1,234 MiB/s`-style throughput. */
function mibPerSec(rate: number): string {
  return `${rate < 10 ? rate.toFixed(1) : formatCount(rate)} MiB/s`;
}

/** The idle window's CPU as ms and as a share of one core. */
function idleCell(idle: IdleBench): (v: { cpuMs: number }) => string {
  return (v) => `${formatCount(v.cpuMs)} ms (${((v.cpuMs / (idle.seconds * 1000)) * 100).toFixed(1)}%)`;
}

/** The idle row of `guest` as a per-runner record, for the summary. */
function idleByRunner(idle: IdleBench, guest: string): Record<Runner, Outcome<{ cpuMs: number }>> {
  const byRunner = {} as Record<Runner, Outcome<{ cpuMs: number }>>;
  for (const runner of RUNNERS) {
    const row = idle.rows.find((r) => r.label.startsWith(`${guest} `) && r.label.endsWith(` under ${runner}`));
    byRunner[runner] = row?.result ?? { ok: false, why: 'n/a' };
  }
  return byRunner;
}

/** The headline table of the network benchmarks. */
export function netSummaryTable(n: NetResults): string {
  const rows: string[][] = [];
  for (const h of n.http) {
    const rps = (v: HttpResult): number => v.requestsPerSec;
    const p99 = (v: HttpResult): number => v.p99Ms;
    rows.push([
      `HTTP hello, ${h.library}: requests/s (higher is better)`,
      ...RUNNERS.map((k) => cell(h.results[k], (v) => formatCount(v.requestsPerSec), true)),
      ratio(h.results, 'wasirun', rps),
      ratio(h.results, 'native', rps),
    ]);
    rows.push([
      `HTTP hello, ${h.library}: p99 latency (lower is better)`,
      ...RUNNERS.map((k) => cell(h.results[k], (v) => formatMs(v.p99Ms), true)),
      ratio(h.results, 'wasirun', p99),
      ratio(h.results, 'native', p99),
    ]);
  }
  const e = n.echo;
  const rate = (v: { mibPerSec: number }): number => v.mibPerSec;
  rows.push([
    `TCP echo of ${e.mib} MiB, dispatchrun/net: MiB/s (higher is better)`,
    ...RUNNERS.map((k) => cell(e.results[k], (v) => mibPerSec(v.mibPerSec), true)),
    ratio(e.results, 'wasirun', rate),
    ratio(e.results, 'native', rate),
  ]);
  for (const [guest, library] of [
    ['wasinetapp', 'egdaemon/wasinet'],
    ['benchhttp', 'dispatchrun/net'],
  ] as const) {
    const byRunner = idleByRunner(n.idle, guest);
    const cpu = (v: { cpuMs: number }): number => v.cpuMs;
    rows.push([
      `idle HTTP server, ${library}: CPU per ${n.idle.seconds} s (lower is better)`,
      ...RUNNERS.map((k) => cell(byRunner[k], (v) => `${formatCount(v.cpuMs)} ms`, true)),
      ratio(byRunner, 'wasirun', cpu),
      ratio(byRunner, 'native', cpu),
    ]);
  }
  return table(['network benchmark', ...RUNNERS, 'dialtone / wasirun', 'dialtone / native'], rows);
}

/** One sentence on whether dialtone reached wasirun's throughput. */
export function goalLine(n: NetResults): string {
  const h = n.http[0]?.results;
  const d = h?.dialtone;
  const w = h?.wasirun;
  const parts: string[] = [];
  if (d?.ok && w?.ok) parts.push(`${formatRatio(d.value.requestsPerSec / w.value.requestsPerSec)} wasirun's requests/s`);
  const ed = n.echo.results.dialtone;
  const ew = n.echo.results.wasirun;
  if (ed.ok && ew.ok) parts.push(`${formatRatio(ed.value.mibPerSec / ew.value.mibPerSec)} its echo MiB/s`);
  return `Goal, dialtone at least as fast as wasirun on requests/s and echo MiB/s: **${n.goalMet ? 'met' : 'not met'}** (dialtone has ${parts.join(' and ')}).`;
}

function httpTable(h: HttpBench): string {
  return table(
    ['runner', 'requests/s (median)', 'p50 latency', 'p99 latency', 'requests/s of each run', 'socket errors'],
    RUNNERS.map((k) => {
      const o = h.results[k];
      if (!o.ok) return [k, o.why, '', '', '', ''];
      const v = o.value;
      return [
        k,
        formatCount(v.requestsPerSec),
        formatMs(v.p50Ms),
        formatMs(v.p99Ms),
        v.runs.map((r) => formatCount(r.requestsPerSec)).join(', '),
        String(v.socketErrors),
      ];
    }),
  );
}

function echoTable(e: EchoBench): string {
  return table(
    ['runner', 'MiB/s (median)', 'median time', 'min', 'max', 'times of each stream', 'server CPU per GiB: user', 'kernel'],
    RUNNERS.map((k) => {
      const o = e.results[k];
      if (!o.ok) return [k, o.why, '', '', '', '', '', ''];
      const ms = o.value.ms;
      const sorted = [...ms].sort((a, b) => a - b);
      return [
        k,
        mibPerSec(o.value.mibPerSec),
        formatMs((e.mib / o.value.mibPerSec) * 1000),
        formatMs(sorted[0]!),
        formatMs(sorted[sorted.length - 1]!),
        ms.map(formatMs).join(', '),
        formatMs(o.value.cpuPerGiB.user),
        formatMs(o.value.cpuPerGiB.system),
      ];
    }),
  );
}

function idleTable(idle: IdleBench): string {
  return table(
    ['idle server', `CPU over ${idle.seconds} s (share of one core)`],
    idle.rows.map((r) => [r.label, cell(r.result, idleCell(idle))]),
  );
}

/** A profile's self time by kind of code and its costliest functions. */
function profileTables(p: ProfileRun): string {
  const s = p.summary;
  const pct = (ms: number): string => `${((ms / s.busyMs) * 100).toFixed(1)}%`;
  const kinds = table(
    ['kind of code', 'self time', 'share of busy time'],
    CODE_KINDS.filter((k) => k !== 'idle').map((k) => [k, formatMs(s.byKind[k]), pct(s.byKind[k])]),
  );
  const top = table(
    ['function (self time, idle excluded)', 'kind', 'self time', 'share of busy time'],
    s.top.map((f) => [`\`${f.name.replaceAll('|', '\\|').replaceAll('`', "'")}\``, f.kind, formatMs(f.selfMs), pct(f.selfMs)]),
  );
  return `${kinds}\n\n${top}`;
}

/** The perf view of a profiled server: where every CPU sample of the process was, by kind. */
function perfSection(r: PerfRun): string {
  const rows = PERF_KINDS.map((k) => [k, `${(r.split.shares[k] * 100).toFixed(1)}%`, HOST_KINDS.includes(k) ? 'yes' : '']);
  return `The same server and load sampled by Linux \`perf\` instead, which sees
inside the guest's JSPI stack (V8's profiler above puts those samples in
"(program)"): every sample of every thread of the process, ${r.split.samples} in all. The
host, as the goal counts it, is dialtone, Node's internals and V8's glue;
the kernel's share is the system calls themselves (the TCP/IP stack), which
a native server pays as well.

\`\`\`sh
${r.command}
perf record -F 999 -p PID -- sleep SECONDS
\`\`\`

Load: ${r.load}.

${table(['where the CPU was (perf)', 'share of samples', 'host'], rows)}

Host: **${(r.split.hostShare * 100).toFixed(1)}%** of samples.`;
}

/** The network tables printed to stdout at the end of a run. */
export function renderNetText(n: NetResults): string {
  const parts = [netSummaryTable(n), '', goalLine(n).replaceAll('**', ''), ''];
  for (const h of n.http) parts.push(`HTTP hello, ${h.guest} (${h.library}):`, httpTable(h), '');
  parts.push(`TCP echo of ${n.echo.mib} MiB (CRC-32 ${n.echo.crc32}):`, echoTable(n.echo), '');
  parts.push(`Idle HTTP servers:`, idleTable(n.idle), '');
  for (const p of n.profiles) {
    parts.push(
      `Profile of dialtone, ${p.what} (${p.load}); ${formatMs(p.summary.busyMs)} busy of ${formatMs(p.summary.totalMs)}:`,
      profileTables(p),
      '',
    );
  }
  return parts.join('\n');
}

/** How the server and its load were kept apart, for the report. */
function pinningText(n: NetResults): string {
  return n.pinning === undefined
    ? 'Server and load were not pinned to separate CPUs (no `taskset`, or a single CPU), so they competed for the CPUs.'
    : `Each server runs pinned to CPU ${n.pinning.server} (\`taskset -c ${n.pinning.server}\`; a native Go server then gets \`GOMAXPROCS=1\`, like the single-threaded WebAssembly guests), and the load generator to CPU ${n.pinning.load}, so the two do not compete for a core.`;
}

/** The network sections of docs/benchmarks.md. */
export function renderNetMarkdown(n: NetResults): string {
  const load = n.wrkLoad;
  const wrkCmd = describe({ file: 'wrk', args: ['-t1', `-c${load.connections}`, `-d${load.seconds}s`, '--latency', 'http://ADDR/'] });
  const dispatch = n.http.find((h) => h.guest === 'benchhttp');
  const wasinet = n.http.find((h) => h.guest === 'wasinetapp');
  const vsDispatch =
    dispatch?.results.dialtone.ok && wasinet?.results.dialtone.ok
      ? ` Under dialtone, the wasinet server serves ${formatRatio(wasinet.results.dialtone.value.requestsPerSec / dispatch.results.dialtone.value.requestsPerSec)} the requests/s of the dispatchrun/net one.`
      : '';
  const native = wasinet?.results.native;
  const wasinetNative =
    native === undefined || native.ok
      ? "wasinet's Go package also builds natively, where it makes the system calls itself."
      : `wasinet's Go package has no native build here: ${native.why}.`;
  const profiles =
    n.profiles.length === 0
      ? ''
      : `
## Where dialtone's time goes under load

${n.goalMet ? 'Profiled on request (`--profile always`).' : 'dialtone is slower than wasirun here, so the bench profiled it (`--profile never` skips this).'} The
dialtone server ran with \`node --cpu-prof\` (which slows it somewhat)
under the same load, and the profile's samples are summed by the function
they were in (self time; "busy" excludes idle samples). "guest wasm" is
the Go program itself (its runtime, net/http, the scheduler); "dialtone" is
the host's JavaScript in \`dist/\`; "V8 / native (program)" is time in V8
and Node's C++ outside any JavaScript or wasm function. V8's sampler does
not walk the guest's suspendable (JSPI) stack, so functions called from the
guest appear without their callers, and some of their samples land in
"(program)"; self times of named functions are still right.

${n.profiles
  .map(
    (p) => `### ${p.what}

\`\`\`sh
${p.command}
\`\`\`

Load: ${p.load}. Busy ${formatMs(p.summary.busyMs)} of ${formatMs(p.summary.totalMs)} profiled.

${profileTables(p)}
${p.perf === undefined ? '' : `\n${perfSection(p.perf)}\n`}`,
  )
  .join('\n')}`;
  return `## HTTP: a Go \`net/http\` hello server under wrk

The same \`.wasm\` under dialtone and wasirun, and the same program built
natively; \`test/guests/benchhttp\` (dispatchrun/net, WasmEdge socket
extensions) answers every request with one line, \`test/guests/wasinetapp
serve\` (egdaemon/wasinet, \`wasinet_v0\`) is the same server through the
other socket library. ${n.wrkVersion} loads each server over ${load.connections} keep-alive
connections on 127.0.0.1 for ${load.seconds} s at a time: a ${n.warmupSeconds} s warm-up run per server, then
${n.wrkRuns === 1 ? 'one round' : `${n.wrkRuns} rounds`} of one run per server (the servers of all runners are up
together, idle but for the one under load, and take turns round-robin);
the table gives the medians over the rounds. Every server must answer a
\`GET /check\` correctly before and after the load, and every response
wrk counts must be 2xx. ${pinningText(n)}

\`\`\`sh
${n.dialtoneCommand}
${n.wasirunCommand}
${wrkCmd}
\`\`\`

${n.http.map((h) => `${h.guest} (${h.library}):\n\n${httpTable(h)}`).join('\n\n')}

wasirun implements only the WasmEdge socket extensions, not \`wasinet_v0\`,
so it cannot run the wasinet server. ${wasinetNative}${vsDispatch} wasirun
applies no network policy; dialtone runs every server with
\`--allow-listen=127.0.0.1 --allow-net=127.0.0.1\`.

## TCP echo stream

\`test/guests/benchecho serve\` echoes each connection through one 64 KiB
buffer (dispatchrun/net in the \`.wasm\`, the standard library natively).
The native \`benchecho stream\` client sends ${n.echo.mib} MiB while reading the echo back,
then half-closes and reads to EOF; its time runs from connected to the
last byte. The echoed bytes must be exactly the ${n.echo.mib} MiB sent (CRC-32
\`${n.echo.crc32}\`, computed separately by the bench). One untimed stream per server,
then ${n.echo.runs === 1 ? 'one round' : `${n.echo.runs} rounds`} of one timed stream per server, taking turns as above; the
table gives the median. ${pinningText(n)} The server's CPU per GiB
(user space and kernel, from \`/proc/PID/stat\`, medians of the timed streams)
shows where its time goes: every runner reads and writes through the same
system calls, so the kernel's part is a floor that no host work removes.

\`\`\`sh
${n.echo.client}
\`\`\`

${echoTable(n.echo)}

## Idle servers

The HTTP servers above, started side by side (not pinned) with no
connection open, after one checked request and ${n.idle.settleSeconds} s to settle:
user + system CPU time of the whole process (all threads; \`utime\` +
\`stime\` from \`/proc/PID/stat\`) over ${n.idle.seconds} s. wasinet has no poll for
accepts and reads: a guest retries on EAGAIN, and the host decides how
long each retry waits.

${idleTable(n.idle)}
${profiles}`;
}
