// Waiting on a driver socket's readiness, and reading a SysError's errno,
// as the socket and driver tests do.
import assert from 'node:assert/strict';
import { SysError, type Errno } from '../../src/internal/errno.ts';
import type { PollKind } from '../../src/internal/readiness.ts';
import type { NetSocket } from '../../src/netdev/socket.ts';

/** Resolves once `sock.poll(kind)` is ready, waiting through onReady; rejects after `ms`. */
export async function ready(sock: NetSocket, kind: PollKind, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!sock.poll(kind).ready) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`not ${kind}-ready within ${ms} ms`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left);
      sock.onReady(kind, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** The errno `fn` throws (it must be a SysError), or undefined when it returns. */
export function errnoOf(fn: () => unknown): Errno | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    assert.ok(err instanceof SysError, `expected a SysError, got ${String(err)}`);
    return err.errno;
  }
}
