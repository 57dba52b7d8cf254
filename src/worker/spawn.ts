import { Worker } from 'node:worker_threads';
import { DialtoneError, type DialtoneErrorCode } from '../errors.ts';
import type { RunOptions } from '../run.ts';
import type { WorkerReply, WorkerRequest } from './protocol.ts';

/** Options for {@link spawnWorker}: those of `run()`, limited to what crosses a thread. */
export interface WorkerRunOptions extends Omit<RunOptions, 'stdio' | 'trace'> {
  /** Host fds for stdout / stderr (default 1, 2); stdin may also be fixed input. */
  stdio?: { stdin?: number | Uint8Array | string; stdout?: number; stderr?: number };
  /** Write one line per host call to stderr. */
  trace?: boolean;
}

/** How a worker guest ended: its exit code, or terminated by the caller. */
export type WorkerExit = { exitCode: number; terminated: false } | { exitCode: null; terminated: true };

/** A guest running in its own worker thread. */
export interface WorkerGuest {
  /** Settles when the guest ends; rejects with a DialtoneError as `run()` does. */
  readonly exited: Promise<WorkerExit>;
  /** Stops the guest at once, wherever it is (a runaway loop included). */
  terminate(): Promise<void>;
}

const ENTRY = new URL(`./entry.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url);

/**
 * Runs a guest in a new worker thread, so that a runaway guest can be
 * terminated without harming the host. Stdio goes straight to the host fds.
 *
 * @example
 * const guest = spawnWorker('loop.wasm');
 * setTimeout(() => guest.terminate(), 1000);
 * const { terminated } = await guest.exited;
 */
export function spawnWorker(source: string | URL | Uint8Array | WebAssembly.Module, options: WorkerRunOptions = {}): WorkerGuest {
  const request: WorkerRequest = { source: source instanceof URL ? source.href : source, options };
  const worker = new Worker(ENTRY, { workerData: request });
  let terminated = false;
  const exited = new Promise<WorkerExit>((resolve, reject) => {
    let reply: WorkerReply | undefined;
    worker.on('message', (m: WorkerReply) => (reply = m));
    worker.on('error', (err) => reject(err));
    worker.on('exit', () => {
      if (terminated) resolve({ exitCode: null, terminated: true });
      else if (reply?.type === 'exit') resolve({ exitCode: reply.exitCode, terminated: false });
      else if (reply?.type === 'error') reject(new DialtoneError(reply.code as DialtoneErrorCode, reply.message));
      else reject(new Error('dialtone worker ended without a result'));
    });
  });
  return {
    exited,
    async terminate() {
      terminated = true;
      await worker.terminate();
    },
  };
}
