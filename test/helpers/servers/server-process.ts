// What the real-server helpers beside this file share: a free loopback
// port, a server child process whose output is kept for error messages,
// bounded waits for readiness and exit, a fresh port on each of a few
// attempts, and an unprivileged user for servers that refuse root.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync } from 'node:fs';
import { createServer } from 'node:net';
import { tempDir } from '../paths.ts';

/** A free TCP port on 127.0.0.1 (free now: a server started on it may still lose it to another process, so callers retry). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

/** User and group ids to run a child as. */
export interface Ids {
  uid: number;
  gid: number;
}

/**
 * The ids of `nobody` when this process is root (PostgreSQL refuses to run
 * as root, MariaDB only with --user=root), else undefined: run as ourselves.
 */
export function unprivilegedIds(): Ids | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** A temporary directory owned by `ids` (when given), removed by `cleanup`. */
export function serverDir(prefix: string, ids: Ids | undefined): { path: string; cleanup: () => void } {
  const dir = tempDir(prefix);
  if (ids !== undefined) chownSync(dir.path, ids.uid, ids.gid);
  return dir;
}

/** Runs a set-up program to completion (as `ids`, when given) and returns its stdout; throws with its output if it fails or outlives `timeoutMs`. */
export function runSetup(
  program: string,
  args: readonly string[],
  options: { ids?: Ids | undefined; cwd?: string; input?: string; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      program,
      args,
      { ...options.ids, cwd: options.cwd, timeout: options.timeoutMs ?? 60_000, killSignal: 'SIGKILL', encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err === null) resolve(stdout);
        else reject(new Error(`${program} ${args.join(' ')}: ${err.message}\n${stdout}${stderr}`));
      },
    );
    child.stdin?.on('error', () => {}); // it may exit without reading
    child.stdin?.end(options.input ?? '');
  });
}

/** A server process a test started. */
export interface ServerProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far, stdout and stderr interleaved. */
  log(): string;
  /** Whether it has exited. */
  ended(): boolean;
  /** Stops it: `signal`, then SIGKILL if it has not exited 10 s later. Resolves once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `program ARGS` (as `ids`, when given), collecting its output. */
export function spawnServer(
  program: string,
  args: readonly string[],
  options: { ids?: Ids | undefined; cwd?: string } = {},
): ServerProcess {
  const child = spawn(program, args, { ...options.ids, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  child.on('error', (err) => (output += `spawn ${program}: ${err.message}\n`));
  const ended = (): boolean => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    log: () => output,
    ended,
    async stop(signal = 'SIGTERM') {
      if (ended()) return;
      child.kill(signal);
      if (!(await exitWithin(child, 10_000))) {
        child.kill('SIGKILL');
        await exitWithin(child, 10_000);
      }
    },
  };
}

/** Resolves true once `child` has exited, false if it is still running after `ms`. */
export function exitWithin(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Polls `probe` every 100 ms until it resolves true (the server is ready:
 * true), the server exits or `timeoutMs` passes (false). A probe that
 * throws counts as not ready yet.
 */
export async function waitUntilReady(server: ServerProcess, probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !server.ended()) {
    try {
      if ((await probe()) && !server.ended()) return true;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/**
 * Calls `start` with a fresh free port up to `attempts` times, until it
 * returns a started server; `start` returns a string (why it failed,
 * having stopped what it started) to try again. Throws with every reason.
 */
export async function onFreePort<T>(name: string, start: (port: number) => Promise<T | string>, attempts = 3): Promise<T> {
  const errors: string[] = [];
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = await freePort();
    const result = await start(port);
    if (typeof result !== 'string') return result;
    errors.push(`attempt ${attempt} (port ${port}): ${result}`);
  }
  throw new Error(`${name} did not start:\n${errors.join('\n')}`);
}

/** The last `n` lines of a log, joined with " | ", for a one-line reason. */
export function tail(log: string, n = 5): string {
  return log.trim().split('\n').slice(-n).join(' | ') || 'no output';
}
