// Runs the real `dialtone` command in a child process.
import { spawn } from 'node:child_process';
import { shebangNodeOptions } from '../../bench/runners.ts';
import { dialtoneBin, repoRoot } from './paths.ts';

/** The Node options on the first line of bin/dialtone.js (--stack-size and V8's stack-switching flags). */
export const DIALTONE_NODE_OPTIONS: readonly string[] = shebangNodeOptions(dialtoneBin);

/** What a finished command gave. */
export interface CliResult {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

/**
 * Runs `dialtone ARGS...` with this test's Node (the pinned Node 24), the
 * same flags the bin's shebang gives, optional stdin bytes, and a time limit.
 */
export function dialtone(
  args: readonly string[],
  options: { input?: Uint8Array | string; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return runProcess(process.execPath, [...DIALTONE_NODE_OPTIONS, dialtoneBin, ...args], options);
}

/** Runs any program, collecting its output; kills it after `timeoutMs`. */
export function runProcess(
  file: string,
  args: readonly string[],
  options: { input?: Uint8Array | string; cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd ?? repoRoot, env: options.env ?? process.env, stdio: 'pipe' });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => {}); // the child may exit before reading it all
    child.stdin.end(options.input ?? '');
  });
}

/** A `dialtone` still running, whose stdout is watched line by line. */
export interface RunningCli {
  /** Resolves with the match of the first stdout line matching `re` (lines already printed count); rejects if the process ends first or after `timeoutMs`. */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Settles when the process has ended, with all it printed. */
  readonly exited: Promise<CliResult>;
  /** Stdout so far. */
  stdout(): string;
  /** Stderr so far. */
  stderr(): string;
  /** Sends `signal` (default SIGKILL) to the process if it is still running. */
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Starts `dialtone ARGS...` (like {@link dialtone}) without waiting for it,
 * for guests that serve: wait for a line such as "listening on ADDR", talk
 * to the guest, then await `exited`. The process is killed after
 * `timeoutMs` (default 30 s) whatever happens.
 */
export function startDialtone(args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): RunningCli {
  const child = spawn(process.execPath, [...DIALTONE_NODE_OPTIONS, dialtoneBin, ...args], { cwd: options.cwd ?? repoRoot, stdio: 'pipe' });
  let out = '';
  let err = '';
  let ended = false;
  const watchers = new Set<() => void>();
  const notify = (): void => {
    for (const w of [...watchers]) w();
  };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (s: string) => {
    out += s;
    notify();
  });
  child.stderr.on('data', (s: string) => {
    err += s;
  });
  child.stdin.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const exited = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      ended = true;
      notify();
      resolve({ status, stdout: Buffer.from(out), stderr: err });
    });
  });
  return {
    exited,
    stdout: () => out,
    stderr: () => err,
    kill: (signal = 'SIGKILL') => {
      if (!ended) child.kill(signal);
    },
    waitForLine(re, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          // Only complete lines: a partial one may still grow.
          for (const line of out.split('\n').slice(0, -1)) {
            const m = re.exec(line);
            if (m !== null) return finish(() => resolve(m));
          }
          if (ended)
            finish(() => reject(new Error(`dialtone ended before printing a line matching ${re}\nstdout: ${out}\nstderr: ${err}`)));
        };
        const timeout = setTimeout(
          () => finish(() => reject(new Error(`no line matching ${re} within ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`))),
          timeoutMs,
        );
        const finish = (settle: () => void): void => {
          clearTimeout(timeout);
          watchers.delete(check);
          settle();
        };
        watchers.add(check);
        check();
      });
    },
  };
}
