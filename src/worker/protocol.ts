import type { WorkerRunOptions } from './spawn.ts';

/**
 * What the parent sends a guest worker (as workerData): only data that
 * survives a structured clone. A URL travels as `{ url: href }` (a URL object
 * does not clone, and a string would read as a path); the policy as rules.
 */
export interface WorkerRequest {
  source: string | { url: string } | Uint8Array | WebAssembly.Module;
  options: WorkerRunOptions;
}

/** What a guest worker posts back, once, before it exits. */
export type WorkerReply = { type: 'exit'; exitCode: number } | { type: 'error'; code: string; message: string };
