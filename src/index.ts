/**
 * dialtone: a WASI preview 1 host for Node.js.
 *
 * The public surface is what this file exports; everything under
 * `internal/` and `wasi/` is private and may change.
 * @module
 */
export { run, type RunOptions, type RunResult } from './run.ts';
export { spawnWorker, type WorkerGuest, type WorkerRunOptions, type WorkerExit } from './worker/spawn.ts';
export { DialtoneError, type DialtoneErrorCode } from './errors.ts';
export type { ModuleSource } from './module.ts';
export type { InputSource, OutputTarget } from './wasi/stdio.ts';
