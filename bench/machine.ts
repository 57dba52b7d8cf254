// Facts about the machine and tools a benchmark run used, for the report.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, loadavg, release, type } from 'node:os';
import { join } from 'node:path';
import { wasirunVersion } from './wasirun.ts';

/** Where and with what a benchmark ran. */
export interface MachineFacts {
  /** ISO 8601 date and time (UTC) the run started. */
  date: string;
  /** Logical CPUs available to this process (what `nproc` prints). */
  nproc: number;
  cpu: string;
  os: string;
  /** The 1, 5 and 15 minute load averages when the run started (other work skews timings). */
  load: string;
  node: string;
  go: string;
  wasirun: string;
  /** dialtone's package version and git commit (`-dirty` with local changes). */
  dialtone: string;
}

/** Stdout of a command, trimmed, or `unknown` if it fails. */
function output(file: string, args: readonly string[], cwd?: string): string {
  try {
    return execFileSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** Collects {@link MachineFacts}; `node` is the executable dialtone runs in. */
export function machineFacts(root: string, node: string, wasirun: string): MachineFacts {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    os: `${type()} ${release()} ${arch()}`,
    load: loadavg()
      .map((l) => l.toFixed(2))
      .join(', '),
    node: output(node, ['--version']),
    go: output('go', ['version']),
    wasirun: wasirunVersion(wasirun) ?? 'unknown',
    dialtone: `${version} (${output('git', ['describe', '--always', '--dirty'], root)})`,
  };
}
