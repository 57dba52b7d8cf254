// Renders benchmark results as the markdown of docs/benchmarks.md.
import { formatMs, formatRatio, table } from './format.ts';
import type { MachineFacts } from './machine.ts';
import type { Stats } from './measure.ts';
import { goalsMarkdown } from './goals.ts';
import { goalLine, netSummaryTable, renderNetMarkdown, renderNetText } from './net-report.ts';
import type { NetResults } from './net.ts';
import { RUNNERS, type Runner } from './runners.ts';
import { WAZERO_VERSION } from './wasirun.ts';

/** One benchmark's wall times per runner. */
export interface Comparison {
  /** Untimed rounds before the timed ones. */
  warmup: number;
  stats: Record<Runner, Stats>;
}

/** Where dialtone's own start-up time goes (see startup-phases.ts). */
export interface StartupBreakdown {
  /** `node -e ''`. */
  bareNode: Stats;
  /** `dialtone --version`. */
  version: Stats;
  /** In-process phases of `dialtone run hello.wasm`. */
  importMs: Stats;
  readMs: Stats;
  compileMs: Stats;
  runMs: Stats;
}

/** The process benchmarks: start-up and CPU-bound work. */
export interface CpuResults {
  startup: Comparison;
  sha256: Comparison & { mib: number; digest: string };
  breakdown: StartupBreakdown;
}

/** Everything one `npm run bench` measured (`--only` leaves a part out). */
export interface BenchResults {
  /** The command line that produced the results. */
  command: string;
  machine: MachineFacts;
  cpu: CpuResults | undefined;
  net: NetResults | undefined;
}

/** `1 run`, `3 runs`. */
function runs(n: number): string {
  return `${n} run${n === 1 ? '' : 's'}`;
}

/** Median throughput of hashing `mib` MiB. */
function throughput(mib: number): (s: Stats) => string {
  return (s) => {
    const rate = mib / (s.median / 1000);
    return `${rate.toFixed(rate < 10 ? 1 : 0)} MiB/s`;
  };
}

/** dialtone's median over `other`'s median. */
function ratio(c: Comparison, other: Runner): string {
  return formatRatio(c.stats.dialtone.median / c.stats[other].median);
}

/** The headline table of the process benchmarks: medians per runner and dialtone's ratios. */
export function summaryTable(c: CpuResults): string {
  const row = (name: string, cmp: Comparison): string[] => [
    name,
    ...RUNNERS.map((k) => formatMs(cmp.stats[k].median)),
    ratio(cmp, 'wasirun'),
    ratio(cmp, 'native'),
  ];
  return table(
    ['benchmark (median wall time)', ...RUNNERS, 'dialtone / wasirun', 'dialtone / native'],
    [
      row(`start-up: hello world (${runs(c.startup.stats.dialtone.n)})`, c.startup),
      row(`SHA-256 of ${c.sha256.mib} MiB (${runs(c.sha256.stats.dialtone.n)})`, c.sha256),
    ],
  );
}

/** Full statistics for one benchmark, one row per runner. */
function detailTable(c: Comparison, extra?: { header: string; cell: (s: Stats) => string }): string {
  const header = ['runner', 'median', 'p90', 'mean ± sd', 'min', 'max', ...(extra ? [extra.header] : [])];
  const rows = RUNNERS.map((k) => {
    const s = c.stats[k];
    return [
      k,
      formatMs(s.median),
      formatMs(s.p90),
      `${formatMs(s.mean)} ± ${formatMs(s.sd)}`,
      formatMs(s.min),
      formatMs(s.max),
      ...(extra ? [extra.cell(s)] : []),
    ];
  });
  return table(header, rows);
}

function breakdownTable(c: CpuResults): string {
  const b = c.breakdown;
  const row = (what: string, s: Stats): string[] => [what, formatMs(s.median), formatMs(s.p90)];
  return table(
    ['dialtone start-up, hello world', 'median', 'p90'],
    [
      row("`node -e ''` (Node's own start-up and exit)", b.bareNode),
      row('`dialtone --version` (Node + the CLI, which loads the runner only to run)', b.version),
      row('in process: import `dist/cli-bundle/run.js` (what `dialtone run` loads)', b.importMs),
      row('in process: read the .wasm', b.readMs),
      row('in process: `WebAssembly.compile`', b.compileMs),
      row('in process: `run(module)` (instantiate, `_start`, exit)', b.runMs),
      row('whole `dialtone run hello.wasm` (from the table above)', c.startup.stats.dialtone),
    ],
  );
}

function machineTable(m: MachineFacts, net: NetResults | undefined): string {
  return table(
    ['fact', 'value'],
    [
      ['date (UTC)', m.date],
      ['nproc', String(m.nproc)],
      ['CPU', m.cpu],
      ['OS', m.os],
      ['load average at start (1, 5, 15 min)', m.load],
      ['Node (runs dialtone)', m.node],
      ['Go (builds guests and wasirun)', m.go],
      ['wasirun', m.wasirun],
      ['dialtone', m.dialtone],
      ...(net === undefined ? [] : [['wrk (HTTP load)', net.wrkVersion]]),
    ],
  );
}

/** The tables printed to stdout at the end of a run. */
export function renderText(r: BenchResults): string {
  const parts: string[] = [];
  const c = r.cpu;
  if (c !== undefined) {
    parts.push(
      summaryTable(c),
      '',
      `Start-up, hello world (${c.startup.warmup} warm-up rounds):`,
      detailTable(c.startup),
      '',
      `SHA-256 of ${c.sha256.mib} MiB, digest ${c.sha256.digest}:`,
      detailTable(c.sha256, { header: 'throughput (median)', cell: throughput(c.sha256.mib) }),
      '',
      breakdownTable(c),
      '',
    );
  }
  if (r.net !== undefined) parts.push(renderNetText(r.net));
  return parts.join('\n');
}

/** The start-up and SHA-256 sections of docs/benchmarks.md. */
function cpuMarkdown(c: CpuResults): string {
  return `## Start-up: hello world

\`test/guests/hello\` prints one line and exits, so this is the cost of
starting a guest: the host process, loading and compiling the module, and
the Go runtime's own initialisation. ${c.startup.warmup} untimed warm-up rounds first.
wasirun (on wazero ${WAZERO_VERSION}) compiles the whole module to machine code at every
start, with no compilation cache; V8 compiles each function only when it is
first called (Liftoff), and recompiles hot ones with TurboFan in the
background.

${detailTable(c.startup)}

Where dialtone's start-up goes. The first two rows are whole processes. The
"in process" rows are ${runs(c.breakdown.importMs.n)} of \`bench/startup-phases.ts\`,
each in a fresh process, which calls the public \`run()\` as the CLI does;
the rest of the whole run is Node's own start-up and exit.

${breakdownTable(c)}

\`dialtone run\` runs from a bundle (dist/cli-bundle/, a few esbuild chunks
instead of ~65 files) and imports only what a guest uses: the relay server,
the Wisp driver, the policy parser, the profiler and the socket preopener
when a flag asks for them, and Node's sockets (node:net, node:dgram,
node:dns) at the guest's first socket. It takes Node's built-ins with
\`process.getBuiltinModule\` (an ES import of node:fs would load Node's
streams), reads randomness from /dev/urandom rather than loading
node:crypto, loads node:tty only for a stdio that may be a terminal, and
reads and compiles the module while it imports the runner (so the read and
compile rows partly overlap the import in the whole run). The CLI keeps
Node's compile cache for its JavaScript (\`NODE_DISABLE_COMPILE_CACHE=1\`
turns it off). V8 has no way to keep a compiled WebAssembly module across
processes, and \`WebAssembly.compile\` is a small row because V8 compiles
functions when first called; that compiling is part of the guest's run.
See RATIONALE.md, "Start-up: the bundled CLI".

## CPU-bound: SHA-256 of ${c.sha256.mib} MiB

\`test/guests/sha256sum ${c.sha256.mib}\` generates data in memory and hashes it with
Go's \`crypto/sha256\`; it makes no host calls besides writing the digest
(\`${c.sha256.digest}\`).

${detailTable(c.sha256, { header: 'throughput (median)', cell: throughput(c.sha256.mib) })}

Native Go hashes with assembly (SHA-NI or AVX2 on amd64) where \`GOARCH=wasm\`
uses the generic Go code, so the native column is a ceiling rather than a
like-for-like comparison of WebAssembly engines.
`;
}

/**
 * The whole of docs/benchmarks.md. `idleConnections` is the goal line of
 * the idle-connections section the file already has (bench/idle-connections.ts
 * writes it), and `previous` what the file says of the last run, for the goals
 * table.
 */
export function renderMarkdown(r: BenchResults, idleConnections?: string, previous: { sha256Ms?: number | undefined } = {}): string {
  const c = r.cpu;
  const n = r.net;
  const summary = [
    ...(c === undefined ? [] : [summaryTable(c), '', 'Ratios are of medians; below 1× means dialtone is faster.']),
    ...(c !== undefined && n !== undefined ? [''] : []),
    ...(n === undefined
      ? []
      : [
          netSummaryTable(n),
          '',
          "Each ratio is dialtone's value over the other's: above 1× is better for dialtone on the",
          'rates, below 1× on latency and CPU. ' + goalLine(n),
        ]),
  ].join('\n');
  const only = c === undefined ? ' (network benchmarks only)' : n === undefined ? ' (process benchmarks only)' : '';
  return `<!-- Generated by bench/run.ts; rerun the command below rather than editing. -->

# Benchmarks${only}

The same \`.wasm\` (Go, \`GOOS=wasip1 GOARCH=wasm\`) run under **dialtone**
and under **wasirun** (wasi-go's host, on wazero), with the same Go program
built for this machine (**native**) as a reference. The process benchmarks
(start-up, SHA-256) time whole processes, from spawn to exit (stdin from
\`/dev/null\`, stdout and stderr to files), interleaved round-robin between
runners so that a burst of other load on the machine hits all of them
alike. The network benchmarks start each runner's server on 127.0.0.1
and load them in turn, round-robin too, so only one is busy at a time.
Every run's output is checked: the
SHA-256 digest against \`node:crypto\`, HTTP answers, and the echoed bytes'
CRC-32.

Produced on ${r.machine.date} by:

\`\`\`sh
${r.command}
\`\`\`

## Summary

${summary}

${goalsMarkdown(c, n, idleConnections, previous)}
${c === undefined ? '' : cpuMarkdown(c) + '\n'}${n === undefined ? '' : renderNetMarkdown(n) + '\n'}## Machine

${machineTable(r.machine, n)}
`;
}
