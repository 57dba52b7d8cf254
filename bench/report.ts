// Renders benchmark results as the markdown of docs/benchmarks.md.
import type { MachineFacts } from './machine.ts';
import type { Stats } from './measure.ts';
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

/** Everything one `npm run bench` measured. */
export interface BenchResults {
  /** The command line that produced the results. */
  command: string;
  machine: MachineFacts;
  startup: Comparison;
  sha256: Comparison & { mib: number; digest: string };
  breakdown: StartupBreakdown;
}

/** Milliseconds, to about three significant figures. */
export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** A ratio such as `0.21×` or `126×`. */
export function formatRatio(r: number): string {
  if (r >= 100) return `${r.toFixed(0)}×`;
  if (r >= 10) return `${r.toFixed(1)}×`;
  return `${r.toFixed(2)}×`;
}

/** A markdown table with its columns padded to line up in plain text too. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
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

/** The headline table: medians per runner and dialtone's ratios. */
export function summaryTable(r: BenchResults): string {
  const row = (name: string, c: Comparison): string[] => [
    name,
    ...RUNNERS.map((k) => formatMs(c.stats[k].median)),
    ratio(c, 'wasirun'),
    ratio(c, 'native'),
  ];
  return table(
    ['benchmark (median wall time)', ...RUNNERS, 'dialtone / wasirun', 'dialtone / native'],
    [
      row(`start-up: hello world (${runs(r.startup.stats.dialtone.n)})`, r.startup),
      row(`SHA-256 of ${r.sha256.mib} MiB (${runs(r.sha256.stats.dialtone.n)})`, r.sha256),
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

function breakdownTable(r: BenchResults): string {
  const b = r.breakdown;
  const row = (what: string, s: Stats): string[] => [what, formatMs(s.median), formatMs(s.p90)];
  return table(
    ['dialtone start-up, hello world', 'median', 'p90'],
    [
      row("`node -e ''` (Node's own start-up and exit)", b.bareNode),
      row('`dialtone --version` (Node + loading the CLI)', b.version),
      row('in process: import dialtone (dist/)', b.importMs),
      row('in process: read the .wasm', b.readMs),
      row('in process: `WebAssembly.compile`', b.compileMs),
      row('in process: `run(module)` (instantiate, `_start`, exit)', b.runMs),
      row('whole `dialtone run hello.wasm` (from the table above)', r.startup.stats.dialtone),
    ],
  );
}

function machineTable(m: MachineFacts): string {
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
    ],
  );
}

/** The tables printed to stdout at the end of a run. */
export function renderText(r: BenchResults): string {
  const mibPerS = throughput(r.sha256.mib);
  return [
    summaryTable(r),
    '',
    `Start-up, hello world (${r.startup.warmup} warm-up rounds):`,
    detailTable(r.startup),
    '',
    `SHA-256 of ${r.sha256.mib} MiB, digest ${r.sha256.digest}:`,
    detailTable(r.sha256, { header: 'throughput (median)', cell: mibPerS }),
    '',
    breakdownTable(r),
    '',
  ].join('\n');
}

/** The whole of docs/benchmarks.md. */
export function renderMarkdown(r: BenchResults): string {
  const mibPerS = throughput(r.sha256.mib);
  return `<!-- Generated by bench/run.ts; rerun the command below rather than editing. -->

# Benchmarks

The same \`.wasm\` (Go, \`GOOS=wasip1 GOARCH=wasm\`) run under **dialtone**
and under **wasirun** (wasi-go's host, on wazero), with the same Go program
built for this machine (**native**) as a reference. Every number is the wall
time of a whole process, from spawn to exit (stdin from \`/dev/null\`, stdout
and stderr to files); every run's output is checked (the SHA-256 digest
against \`node:crypto\`), and runs are interleaved round-robin between
runners, so a burst of other load on the machine hits all of them alike.

Produced on ${r.machine.date} by:

\`\`\`sh
${r.command}
\`\`\`

## Summary

${summaryTable(r)}

Ratios are of medians; below 1× means dialtone is faster.

## Start-up: hello world

\`test/guests/hello\` prints one line and exits, so this is the cost of
starting a guest: the host process, loading and compiling the module, and
the Go runtime's own initialisation. ${r.startup.warmup} untimed warm-up rounds first.
wasirun (on wazero ${WAZERO_VERSION}) compiles the whole module to machine code at every
start, with no compilation cache; V8 compiles each function only when it is
first called (Liftoff), and recompiles hot ones with TurboFan in the
background.

${detailTable(r.startup)}

Where dialtone's start-up goes. The first two rows are whole processes. The
"in process" rows are ${runs(r.breakdown.importMs.n)} of \`bench/startup-phases.ts\`,
each in a fresh process, which calls the public \`run()\` as the CLI does;
the rest of the whole run is Node's own start-up and exit.

${breakdownTable(r)}

## CPU-bound: SHA-256 of ${r.sha256.mib} MiB

\`test/guests/sha256sum ${r.sha256.mib}\` generates data in memory and hashes it with
Go's \`crypto/sha256\`; it makes no host calls besides writing the digest
(\`${r.sha256.digest}\`).

${detailTable(r.sha256, { header: 'throughput (median)', cell: mibPerS })}

Native Go hashes with assembly (SHA-NI or AVX2 on amd64) where \`GOARCH=wasm\`
uses the generic Go code, so the native column is a ceiling rather than a
like-for-like comparison of WebAssembly engines.

## Machine

${machineTable(r.machine)}
`;
}
