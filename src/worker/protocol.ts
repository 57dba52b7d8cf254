import type { WorkerRunOptions } from './spawn.ts';

/** What the parent sends a guest worker (as workerData). */
export interface WorkerRequest {
  source: string | Uint8Array | WebAssembly.Module;
  options: WorkerRunOptions;
}

/** What a guest worker posts back, once, before it exits. */
export type WorkerReply = { type: 'exit'; exitCode: number } | { type: 'error'; code: string; message: string };
