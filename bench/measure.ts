// Wall-clock timing of child processes, and the statistics the report uses.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A program to run: the executable and its arguments. */
export interface Command {
  file: string;
  args: readonly string[];
}

/** One finished run of a {@link Command}. */
export interface Sample {
  /** Wall time from spawn to exit, in milliseconds. */
  ms: number;
  stdout: string;
}

/** Summary statistics of a set of samples, in milliseconds. */
export interface Stats {
  n: number;
  min: number;
  median: number;
  p90: number;
  max: number;
  mean: number;
  /** Sample standard deviation (0 for a single sample). */
  sd: number;
}

/** Longest any single benchmarked process may run. */
const TIMEOUT_MS = 120_000;

let scratch: string | undefined;

/** A fresh, empty file for a child's output, in a directory removed at exit. */
function outputFile(name: string): { path: string; fd: number } {
  if (scratch === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'dialtone-bench-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    scratch = dir;
  }
  const path = join(scratch, name);
  return { path, fd: openSync(path, 'w+') };
}

/**
 * Runs `cmd` once with stdin from /dev/null, and returns its wall time and
 * stdout. Throws, quoting stderr, unless it exits with 0.
 *
 * Stdout and stderr go to temporary files, not pipes: Node's "pipe" stdio
 * are socketpairs, and wasirun v0.8.0 reopens /dev/stdout, which fails with
 * ENXIO for a socket. The files are opened before the clock starts and read
 * after it stops.
 */
export function timeOnce(cmd: Command, cwd: string): Sample {
  const out = outputFile('stdout');
  const err = outputFile('stderr');
  try {
    const start = process.hrtime.bigint();
    const r = spawnSync(cmd.file, cmd.args, { cwd, stdio: ['ignore', out.fd, err.fd], timeout: TIMEOUT_MS });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.error !== undefined) throw new Error(`${describe(cmd)}: ${r.error.message}`);
    if (r.status !== 0) {
      const how = r.status === null ? `killed by ${r.signal ?? 'a signal'}` : `exit code ${r.status}`;
      throw new Error(`${describe(cmd)}: ${how}\n${readFileSync(err.path, 'utf8').trimEnd()}`);
    }
    return { ms, stdout: readFileSync(out.path, 'utf8') };
  } finally {
    closeSync(out.fd);
    closeSync(err.fd);
  }
}

/**
 * Times several commands `runs` times each, interleaved round-robin (so
 * drift in machine load spreads evenly), after `warmup` untimed rounds.
 * Calls `check(key, stdout)` on every run's output, timed or not.
 */
export function timeInterleaved<K extends string>(
  commands: Readonly<Record<K, Command>>,
  options: { runs: number; warmup: number; cwd: string; check: (key: K, stdout: string) => void },
): Record<K, number[]> {
  const keys = Object.keys(commands) as K[];
  const times = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < options.warmup + options.runs; round++) {
    for (const key of keys) {
      const sample = timeOnce(commands[key], options.cwd);
      options.check(key, sample.stdout);
      if (round >= options.warmup) times[key].push(sample.ms);
    }
  }
  return times;
}

/** Summarises samples (which must not be empty). */
export function stats(samples: readonly number[]): Stats {
  if (samples.length === 0) throw new Error('stats of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((s, x) => s + x, 0) / n;
  const variance = n > 1 ? sorted.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1) : 0;
  return {
    n,
    min: sorted[0]!,
    median: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    max: sorted[n - 1]!,
    mean,
    sd: Math.sqrt(variance),
  };
}

/** The q-quantile of sorted values, interpolating linearly between ranks. */
function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** A command as one would type it (for error messages and the report). */
export function describe(cmd: Command): string {
  return [cmd.file, ...cmd.args].map((a) => (/^[\w./:=@+-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(' ');
}
