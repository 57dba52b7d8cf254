// The HTTP load generator of the network benchmarks: wrk
// (https://github.com/wg/wrk, Debian package `wrk`), installed when missing,
// run with a bounded duration, its report parsed.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ensureDebianPackages, locateProgram } from '../scripts/ensure-debian-packages.ts';
import { pinned } from './servers.ts';

const execFileAsync = promisify(execFile);

/** How wrk loads a server. */
export interface WrkLoad {
  /** wrk threads (`-t`). */
  threads: number;
  /** Open keep-alive connections (`-c`). */
  connections: number;
  /** Duration in seconds (`-d`). */
  seconds: number;
  /** CPUs to pin wrk to (`taskset -c`), or undefined. */
  cpus: string | undefined;
}

/** What one wrk run reported. */
export interface WrkResult {
  requests: number;
  requestsPerSec: number;
  /** Latency percentiles (`--latency`), in ms. */
  p50Ms: number;
  p99Ms: number;
  /** Connect, read, write and timeout errors together. */
  socketErrors: number;
  /** Responses with a status other than 2xx or 3xx. */
  non2xx: number;
}

/**
 * The path of wrk, installing the Debian package `wrk` first (apt-get
 * update, then apt-get install, as root) if it is not on PATH. Throws with
 * what to do when that is impossible.
 */
export function ensureWrk(): string {
  const found = locateProgram('wrk');
  if (found !== undefined) return found;
  try {
    ensureDebianPackages([{ program: 'wrk', pkg: 'wrk' }]);
  } catch (err) {
    throw new Error(
      `the network benchmarks need wrk, which is missing and could not be installed (${(err as Error).message}); ` +
        'install it (as root: apt-get update && apt-get install -y wrk), or skip them with --only cpu',
      { cause: err },
    );
  }
  const installed = locateProgram('wrk');
  if (installed === undefined) throw new Error('installed the Debian package wrk, but wrk is still not on PATH');
  return installed;
}

const UNIT_MS: Record<string, number> = { us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A wrk duration such as `152.00us`, `1.23ms` or `2.00s`, in ms. */
function durationMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text);
  if (m === null) throw new Error(`wrk: cannot read the duration ${JSON.stringify(text)}`);
  return Number(m[1]) * (UNIT_MS[m[2]!] ?? Number.NaN);
}

/** Parses the report `wrk --latency` prints. */
export function parseWrk(output: string): WrkResult {
  const need = (re: RegExp, what: string): RegExpExecArray => {
    const m = re.exec(output);
    if (m === null) throw new Error(`wrk: no ${what} in its report:\n${output}`);
    return m;
  };
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  return {
    requests: Number(need(/^\s*(\d+) requests in /m, 'request count')[1]),
    requestsPerSec: Number(need(/^Requests\/sec:\s*([\d.]+)/m, 'Requests/sec')[1]),
    p50Ms: durationMs(need(/^\s*50%\s+(\S+)/m, '50% latency (was --latency given?)')[1]!),
    p99Ms: durationMs(need(/^\s*99%\s+(\S+)/m, '99% latency')[1]!),
    socketErrors: errors === null ? 0 : errors.slice(1).reduce((sum, n) => sum + Number(n), 0),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
  };
}

/** The wrk command line for `url` under `load`, as run (after `taskset`, if pinned). */
export function wrkArgs(url: string, load: WrkLoad): string[] {
  return [`-t${load.threads}`, `-c${load.connections}`, `-d${load.seconds}s`, '--latency', url];
}

/** Runs wrk against `url` and parses its report; wrk is killed if it overruns by 30 s. */
export async function runWrk(wrk: string, url: string, load: WrkLoad): Promise<WrkResult> {
  const cmd = pinned({ file: wrk, args: wrkArgs(url, load) }, load.cpus);
  const { stdout } = await execFileAsync(cmd.file, cmd.args, {
    encoding: 'utf8',
    timeout: (load.seconds + 30) * 1000,
    killSignal: 'SIGKILL',
  });
  return parseWrk(stdout);
}
