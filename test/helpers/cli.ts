// Runs the real `dialtone` command in a child process.
import { spawn } from 'node:child_process';
import { dialtoneBin, repoRoot } from './paths.ts';

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
  return runProcess(process.execPath, ['--stack-size=7800', dialtoneBin, ...args], options);
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
