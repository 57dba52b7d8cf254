import { Worker } from 'node:worker_threads';
import { DialtoneError, type DialtoneErrorCode } from '../errors.ts';
import { toPolicyRules } from '../policy/portable.ts';
import type { PortablePolicy } from '../policy/policy.ts';
import type { RulePolicyOptions } from '../policy/rules.ts';
import type { NetOptions, RunOptions } from '../run.ts';
import type { WorkerReply, WorkerRequest } from './protocol.ts';

/** Options for {@link spawnWorker}: those of `run()`, limited to what crosses a thread. */
export interface WorkerRunOptions extends Omit<RunOptions, 'stdio' | 'trace' | 'net' | 'signal'> {
  /** Host fds for stdout / stderr (default 1, 2); stdin may also be fixed input. */
  stdio?: { stdin?: number | Uint8Array | string; stdout?: number; stderr?: number };
  /** Write one line per host call to stderr. */
  trace?: boolean;
  /** The guest's network, as for `run()` but with the policy given as rules. */
  net?: WorkerNetOptions;
}

/**
 * Network options for {@link spawnWorker}: those of `run()`, with a policy
 * that can cross into a worker thread, where a policy object's methods
 * cannot.
 *
 * @example
 * spawnWorker('client.wasm', { net: { policy: { allowNet: ['api.example.com:443'], denyNet: ['10.0.0.0/8'] } } });
 */
export interface WorkerNetOptions extends Omit<NetOptions, 'policy' | 'driver'> {
  /**
   * What the guest may reach (default: nothing): rules as the
   * `--allow-net`, `--allow-listen` and `--deny-net` flags take them, or a
   * policy that carries its rules (`RulePolicy`, `ALLOW_ALL`, `DENY_ALL`).
   * The worker builds a `RulePolicy` from the rules. Any other policy
   * object makes `spawnWorker` throw `ERR_WORKER_OPTIONS`.
   */
  policy?: RulePolicyOptions | PortablePolicy;
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
 * A URL source must be a `file:` URL.
 *
 * Throws `DialtoneError` at once for options that cannot work in a worker:
 * `ERR_WORKER_OPTIONS` for what cannot cross a thread (a policy object, a
 * callback), `ERR_USAGE` for a bad policy entry. Everything else (a missing
 * module included) rejects {@link WorkerGuest.exited}.
 *
 * @example
 * const guest = spawnWorker('loop.wasm');
 * setTimeout(() => guest.terminate(), 1000);
 * const { terminated } = await guest.exited;
 */
export function spawnWorker(source: string | URL | Uint8Array | WebAssembly.Module, options: WorkerRunOptions = {}): WorkerGuest {
  const net = options.net === undefined ? undefined : { ...options.net, policy: toPolicyRules(options.net.policy) };
  const request: WorkerRequest = { source: source instanceof URL ? { url: source.href } : source, options: { ...options, net } };
  let worker: Worker;
  try {
    worker = new Worker(ENTRY, { workerData: request });
  } catch (err) {
    if ((err as Error | undefined)?.name !== 'DataCloneError') throw err;
    throw new DialtoneError(
      'ERR_WORKER_OPTIONS',
      `spawnWorker: an option cannot cross into a worker thread (${(err as Error).message}): pass host fds, strings and plain data`,
      { cause: err },
    );
  }
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
