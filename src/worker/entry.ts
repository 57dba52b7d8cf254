import { parentPort, workerData } from 'node:worker_threads';
import { DialtoneError } from '../errors.ts';
import { run } from '../run.ts';
import type { WorkerReply, WorkerRequest } from './protocol.ts';

// The body of a guest worker thread: run the guest, post how it ended.
const { source, options } = workerData as WorkerRequest;
let reply: WorkerReply;
try {
  const { exitCode } = await run(typeof source === 'object' && 'url' in source ? new URL(source.url) : source, options);
  reply = { type: 'exit', exitCode };
} catch (err) {
  reply =
    err instanceof DialtoneError
      ? { type: 'error', code: err.code, message: err.message }
      : { type: 'error', code: 'ERR_GUEST_TRAP', message: String(err) };
}
parentPort?.postMessage(reply);
// Stdin may have a read in flight that would keep this thread alive.
process.exit(0);
