// The benchmark suite: `npm run bench`. Runs the same guest .wasm under
// dialtone and under wasirun, and the same Go program built natively, then
// prints the tables and writes them to docs/benchmarks.md.
//
// Usage: node bench/run.ts [--only cpu|net] [--out FILE | --out -]
//          process benchmarks: [--startup-runs N] [--sha-runs N] [--mib N] [--phase-runs N]
//          network benchmarks: [--wrk-seconds N] [--wrk-warmup N] [--wrk-runs N]
//                              [--wrk-connections N] [--echo-mib N] [--echo-runs N]
//                              [--idle-seconds N] [--profile auto|always|never]
// It builds dist/ and the guests first and installs wasirun into
// build/tools/ when missing, so it needs Go and this package's Node 24; the
// network benchmarks also need wrk, which it installs with apt-get when
// missing (as root).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildCliBundle } from '../scripts/build-cli.ts';
import { buildGuests, guestWasm } from '../scripts/build-guests.ts';
import { HELLO_OUTPUT, sha256sumOutput } from './expected.ts';
import { machineFacts } from './machine.ts';
import { stats, timeInterleaved, timeOnce, type Stats } from './measure.ts';
import { runNetBenchmarks, type NetOptions } from './net.ts';
import { renderMarkdown, renderText, type BenchResults, type Comparison, type CpuResults, type StartupBreakdown } from './report.ts';
import { RUNNERS, Runners, type Runner } from './runners.ts';
import type { PhaseTimes } from './startup-phases.ts';
import { ensureWasirun } from './wasirun.ts';
import { carrySections } from './sections.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Command-line options, with the defaults that keep a run to a few minutes. */
interface Options {
  /** Which benchmarks to run: the process ones (start-up, SHA-256), the network ones, or both. */
  only: 'cpu' | 'net' | undefined;
  startupRuns: number;
  shaRuns: number;
  mib: number;
  phaseRuns: number;
  net: NetOptions;
  /** Markdown output file, or `-` for none. */
  out: string;
}

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'startup-runs': { type: 'string', default: '20' },
      'sha-runs': { type: 'string', default: '3' },
      mib: { type: 'string', default: '64' },
      'phase-runs': { type: 'string', default: '10' },
      only: { type: 'string' },
      'wrk-seconds': { type: 'string', default: '5' },
      'wrk-warmup': { type: 'string', default: '2' },
      'wrk-runs': { type: 'string', default: '3' },
      'wrk-connections': { type: 'string', default: '16' },
      'echo-mib': { type: 'string', default: '256' },
      'echo-runs': { type: 'string', default: '7' },
      'idle-seconds': { type: 'string', default: '10' },
      profile: { type: 'string', default: 'auto' },
      out: { type: 'string', default: join(root, 'docs', 'benchmarks.md') },
    },
    strict: true,
  });
  const count = (name: string, v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, not ${JSON.stringify(v)}`);
    return n;
  };
  const only = values.only;
  if (only !== undefined && only !== 'cpu' && only !== 'net') throw new Error(`--only must be cpu or net, not ${JSON.stringify(only)}`);
  const profile = values.profile;
  if (profile !== 'auto' && profile !== 'always' && profile !== 'never') {
    throw new Error(`--profile must be auto, always or never, not ${JSON.stringify(profile)}`);
  }
  const bounded = (name: string, v: string, max: number): number => {
    const n = count(name, v);
    if (n > max) throw new Error(`--${name} must be at most ${max}, not ${n}`);
    return n;
  };
  return {
    only,
    startupRuns: count('startup-runs', values['startup-runs']),
    shaRuns: count('sha-runs', values['sha-runs']),
    mib: count('mib', values.mib),
    phaseRuns: count('phase-runs', values['phase-runs']),
    net: {
      seconds: bounded('wrk-seconds', values['wrk-seconds'], 60),
      warmupSeconds: bounded('wrk-warmup', values['wrk-warmup'], 60),
      wrkRuns: bounded('wrk-runs', values['wrk-runs'], 20),
      connections: bounded('wrk-connections', values['wrk-connections'], 1000),
      echoMib: bounded('echo-mib', values['echo-mib'], 4096),
      echoRuns: bounded('echo-runs', values['echo-runs'], 20),
      idleSeconds: bounded('idle-seconds', values['idle-seconds'], 120),
      profile,
    },
    out: values.out,
  };
}

/** The command line as the user typed it, for the report. */
function invocation(argv: readonly string[]): string {
  const args = argv.map((a) => (/^[\w./:=@+-]+$/.test(a) ? a : `'${a}'`)).join(' ');
  if (process.env.npm_lifecycle_event === 'bench') return args ? `npm run bench -- ${args}` : 'npm run bench';
  return `node bench/run.ts${args ? ` ${args}` : ''}`;
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** Fails unless this Node can run dialtone (JSPI, Node 24+). */
function checkNode(): void {
  if (typeof (WebAssembly as { promising?: unknown }).promising !== 'function') {
    throw new Error(`${process.execPath} (${process.version}) lacks JSPI; run with this package's Node 24: npm run bench`);
  }
}

/** Compiles dist/ and the bundled CLI (dist/cli-bundle/, which bin/dialtone.js runs) from the current sources. */
async function buildDist(): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  await buildCliBundle();
}

/** A check for timeInterleaved that every runner printed exactly `expected`. */
function expectOutput(what: string, expected: string): (runner: string, stdout: string) => void {
  return (runner, stdout) => {
    if (stdout !== expected) {
      throw new Error(`${what}: ${runner} printed ${JSON.stringify(stdout)}, expected ${JSON.stringify(expected)}`);
    }
  };
}

function summarise(times: Record<Runner, number[]>, warmup: number): Comparison {
  const s = Object.fromEntries(RUNNERS.map((k) => [k, stats(times[k])])) as Record<Runner, Stats>;
  return { warmup, stats: s };
}

function startupBreakdown(runners: Runners, runs: number): StartupBreakdown {
  const outside = timeInterleaved(
    { bareNode: runners.bareNode(), version: runners.dialtoneVersion() },
    {
      runs,
      warmup: 1,
      cwd: root,
      check: (key, stdout) => {
        if (key === 'version' && !stdout.startsWith('dialtone ')) throw new Error(`dialtone --version printed ${JSON.stringify(stdout)}`);
      },
    },
  );
  const phases: PhaseTimes[] = [];
  const script = runners.nodeScript(join(root, 'bench', 'startup-phases.ts'), [guestWasm('hello')]);
  for (let i = 0; i < runs + 1; i++) {
    const p = JSON.parse(timeOnce(script, root).stdout) as PhaseTimes;
    expectOutput('startup-phases', HELLO_OUTPUT)('dialtone run()', p.stdout);
    if (i > 0) phases.push(p);
  }
  const of = (key: 'importMs' | 'readMs' | 'compileMs' | 'runMs'): Stats => stats(phases.map((p) => p[key]));
  return {
    bareNode: stats(outside.bareNode),
    version: stats(outside.version),
    importMs: of('importMs'),
    readMs: of('readMs'),
    compileMs: of('compileMs'),
    runMs: of('runMs'),
  };
}

/** The start-up and SHA-256 benchmarks. */
function runCpuBenchmarks(runners: Runners, options: Options): CpuResults {
  buildGuests(['hello', 'sha256sum']);
  log(`start-up: hello world, ${options.startupRuns} runs per runner`);
  const startupWarmup = 2;
  const startup = timeInterleaved(runners.commands('hello'), {
    runs: options.startupRuns,
    warmup: startupWarmup,
    cwd: root,
    check: expectOutput('hello', HELLO_OUTPUT),
  });

  log(`CPU-bound: SHA-256 of ${options.mib} MiB, ${options.shaRuns} runs per runner`);
  const expected = sha256sumOutput(options.mib);
  const sha = timeInterleaved(runners.commands('sha256sum', [String(options.mib)]), {
    runs: options.shaRuns,
    warmup: 0,
    cwd: root,
    check: expectOutput('sha256sum', expected),
  });

  log(`dialtone start-up breakdown, ${options.phaseRuns} runs`);
  const breakdown = startupBreakdown(runners, options.phaseRuns);
  return {
    startup: summarise(startup, startupWarmup),
    sha256: { ...summarise(sha, 0), mib: options.mib, digest: expected.trim() },
    breakdown,
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const options = parseOptions(argv);
  checkNode();
  log('building dist/ and the guests');
  await buildDist();
  const wasirun = ensureWasirun(root);
  const runners = new Runners(root, process.execPath, wasirun);
  const machine = machineFacts(root, process.execPath, wasirun);
  const load = loadavg()[0] ?? 0;
  if (load > machine.nproc / 2) log(`warning: load average ${load.toFixed(2)} on ${machine.nproc} CPUs; timings will be noisy`);

  const cpu = options.only === 'net' ? undefined : runCpuBenchmarks(runners, options);
  const net = options.only === 'cpu' ? undefined : await runNetBenchmarks(root, runners, options.net);

  const results: BenchResults = { command: invocation(argv), machine, cpu, net };
  process.stdout.write(renderText(results));
  if (options.out !== '-') {
    mkdirSync(dirname(options.out), { recursive: true });
    // Keep the sections other benchmarks own (bench/relay.ts, bench/browser.ts).
    const old = existsSync(options.out) ? readFileSync(options.out, 'utf8') : '';
    const idleConnections = /^Goal, at most 16 KiB per idle connection.*$/m.exec(old)?.[0];
    // The last run's SHA-256 time under dialtone (its summary row's dialtone cell: "1.51 s" or "980 ms").
    const sha = /^\| SHA-256 of [^|]*\| ([0-9.]+) (s|ms) +\|/m.exec(old);
    const previous = { sha256Ms: sha === null ? undefined : Number(sha[1]) * (sha[2] === 's' ? 1000 : 1) };
    writeFileSync(options.out, carrySections(old, renderMarkdown(results, idleConnections, previous)));
    const shown = relative(process.cwd(), options.out);
    log(`wrote ${shown.startsWith('..') ? options.out : shown}`);
  }
}

try {
  await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
