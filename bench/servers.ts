// Long-running guest servers for the network benchmarks: start one, wait
// until it prints "listening on ADDR", read the CPU time it has used, and
// stop it. Every server started here is killed when the bench exits, however
// it exits.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findOnPath } from '../scripts/ensure-debian-packages.ts';
import { describe, type Command } from './measure.ts';

/** How a server process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The CPUs a server and its load generator are pinned to (see {@link cpuPlan}). */
export interface CpuPlan {
  /** CPU list for `taskset -c` for the server under test. */
  server: string;
  /** CPU list for the load generator or client. */
  load: string;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
// Interrupted: stop the servers too (the 'exit' handler above then runs).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(130));
}

let scratch: string | undefined;
let serial = 0;

/** A fresh file path in a scratch directory that is removed at exit. */
function scratchFile(name: string): string {
  if (scratch === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'dialtone-bench-net-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    scratch = dir;
  }
  serial += 1;
  return join(scratch, `${serial}-${name}`);
}

/** A fresh, empty scratch directory (e.g. for CPU profiles), removed at exit. */
export function scratchDir(name: string): string {
  const dir = scratchFile(name);
  mkdirSync(dir);
  return dir;
}

/** The CPUs this process may run on, from /proc/self/status (`0-1`, `0,2-3`). */
function allowedCpus(): number[] {
  let list: string;
  try {
    list = /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '';
  } catch {
    return [];
  }
  const cpus: number[] = [];
  for (const part of list.split(',')) {
    const [lo, hi = lo] = part.split('-').map(Number);
    if (lo === undefined || hi === undefined || !Number.isInteger(lo) || !Number.isInteger(hi)) return [];
    for (let c = lo; c <= hi; c++) cpus.push(c);
  }
  return cpus;
}

/**
 * Where to pin the server under test and its load generator so that they
 * do not compete for one CPU: the first allowed CPU for the server, the
 * second for the load. Undefined (no pinning) without `taskset` or with
 * fewer than two CPUs.
 */
export function cpuPlan(): CpuPlan | undefined {
  const cpus = allowedCpus();
  if (cpus.length < 2 || findOnPath('taskset') === undefined) return undefined;
  return { server: String(cpus[0]), load: String(cpus[1]) };
}

/** `cmd` run with `taskset -c cpus` (which execs it, keeping the pid), or `cmd` itself. */
export function pinned(cmd: Command, cpus: string | undefined): Command {
  return cpus === undefined ? cmd : { file: 'taskset', args: ['-c', cpus, cmd.file, ...cmd.args] };
}

/** Clock ticks per second, the unit of /proc/PID/stat's CPU times. */
const CLOCK_TICKS: number = ((): number => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

/** CPU time of a process (all its threads), in ms: in user space and in the kernel. */
export interface CpuTimes {
  user: number;
  system: number;
}

/** User and system CPU time of process `pid` (all its threads) so far, in ms. */
export function cpuTimesMs(pid: number): CpuTimes {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold anything.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15; fields[0] is field 3 (state).
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`cannot parse /proc/${pid}/stat: ${stat}`);
  return { user: (utime * 1000) / CLOCK_TICKS, system: (stime * 1000) / CLOCK_TICKS };
}

/** User plus system CPU time of process `pid` (all its threads) so far, in ms. */
export function cpuTimeMs(pid: number): number {
  const t = cpuTimesMs(pid);
  return t.user + t.system;
}

/** A running guest server. */
export class Server {
  /** What the report calls it, e.g. `dialtone benchhttp`. */
  readonly label: string;
  /** The address it printed, `HOST:PORT`. */
  readonly addr: string;
  readonly pid: number;
  /** Resolves when the process has ended. */
  readonly exited: Promise<Exit>;
  readonly #child: ChildProcess;
  readonly #stderr: string;

  private constructor(label: string, addr: string, child: ChildProcess, exited: Promise<Exit>, stderr: string) {
    this.label = label;
    this.addr = addr;
    this.#child = child;
    this.pid = child.pid ?? -1;
    this.exited = exited;
    this.#stderr = stderr;
  }

  /**
   * Starts `cmd` (stdin from /dev/null, stdout and stderr to files: wasirun
   * cannot write to a socket's /dev/stdout) and waits until it prints
   * "listening on ADDR". Throws, quoting its stderr, if it exits first or
   * does not get there within `timeoutMs`.
   */
  static async start(label: string, cmd: Command, cwd: string, timeoutMs = 60_000): Promise<Server> {
    const outPath = scratchFile('stdout');
    const errPath = scratchFile('stderr');
    const out = openSync(outPath, 'w+');
    const err = openSync(errPath, 'w+');
    let child: ChildProcess;
    try {
      child = spawn(cmd.file, cmd.args, { cwd, stdio: ['ignore', out, err] });
    } finally {
      closeSync(out);
      closeSync(err);
    }
    live.add(child);
    let exit: Exit | undefined;
    const exited = new Promise<Exit>((resolve) => {
      const done = (e: Exit): void => {
        live.delete(child);
        exit = e;
        resolve(e);
      };
      child.once('exit', (code, signal) => done({ code, signal }));
      child.once('error', () => done({ code: null, signal: null }));
    });
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const addr = /^listening on (\S+)$/m.exec(readFileSync(outPath, 'utf8'))?.[1];
      if (addr !== undefined && exit === undefined) return new Server(label, addr, child, exited, errPath);
      const stderr = (): string => readFileSync(errPath, 'utf8').trimEnd();
      if (exit !== undefined) {
        const how = exit.code === null ? `ended (${exit.signal ?? 'failed to start'})` : `exited with ${exit.code}`;
        throw new Error(`${label}: ${describe(cmd)} ${how} before listening\n${stderr()}`);
      }
      if (performance.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${label}: ${describe(cmd)} did not print "listening on ADDR" within ${timeoutMs / 1000} s\n${stderr()}`);
      }
      await sleep(25);
    }
  }

  /** What it wrote to stderr so far. */
  stderr(): string {
    return readFileSync(this.#stderr, 'utf8');
  }

  /** Its CPU time so far (user + system, all threads), in ms. */
  cpuTimeMs(): number {
    return cpuTimeMs(this.pid);
  }

  /** Its CPU time so far in user space and in the kernel (all threads), in ms. */
  cpuTimesMs(): CpuTimes {
    return cpuTimesMs(this.pid);
  }

  /** Ends it: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
  async stop(graceMs = 2000): Promise<Exit> {
    this.#child.kill('SIGTERM');
    const exit = await Promise.race([this.exited, sleep(graceMs).then(() => undefined)]);
    if (exit !== undefined) return exit;
    this.#child.kill('SIGKILL');
    return this.exited;
  }

  /**
   * Asks an HTTP server to end itself (GET /quit), so that it exits
   * normally (and Node writes a CPU profile); falls back to {@link stop}
   * after `timeoutMs`.
   */
  async quit(timeoutMs = 20_000): Promise<Exit> {
    try {
      await httpGet(this.addr, '/quit', 5000);
    } catch {
      // It may close the connection as it exits; the wait below decides.
    }
    const exit = await Promise.race([this.exited, sleep(timeoutMs).then(() => undefined)]);
    return exit ?? this.stop();
  }
}

/** `GET http://addr/path` on a fresh connection (closed afterwards): status and body. */
export function httpGet(addr: string, path: string, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`http://${addr}${path}`, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET http://${addr}${path}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
