// wasinet guests spin on EAGAIN (accept and read have no poll). SpinWait
// holds each spin for a bounded time: at most MAX_SPIN_WAIT_MS while the
// guest is busy, up to MAX_IDLE_SPIN_WAIT_MS once no spun call has succeeded
// for IDLE_AFTER_MS (so an idle server stays under 1% of a core), and never
// past the moment a spun descriptor becomes ready. Timers never fire early,
// so the long waits are checked from below; the short ones by their median,
// with room for a loaded machine.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EAGAIN, ETIMEDOUT, SysError } from '../../src/internal/errno.ts';
import type { SocketDescriptor } from '../../src/wasi/sockets/socket-descriptor.ts';
import { IDLE_AFTER_MS, MAX_IDLE_SPIN_WAIT_MS, MAX_SPIN_WAIT_MS, SpinWait } from '../../src/wasi/sockets/spin-wait.ts';

/**
 * A descriptor whose poll says not ready (its data never arrives); `ready`
 * wakes its waiters as a socket does when something happens.
 */
function fakeDescriptor(): { d: SocketDescriptor; ready(): void; pollSaysReady: { value: boolean } } {
  const wakes = new Set<() => void>();
  const pollSaysReady = { value: false };
  const d = {
    poll: () => ({ ready: pollSaysReady.value, nbytes: 0, hangup: false }),
    onReady(_kind: string, wake: () => void): () => void {
      wakes.add(wake);
      return () => wakes.delete(wake);
    },
  } as unknown as SocketDescriptor;
  return { d, ready: () => [...wakes].forEach((w) => w()), pollSaysReady };
}

const fail = (): never => {
  throw EAGAIN;
};

/** One spin: how long the call held the guest before answering EAGAIN (returned, not thrown), in ms. */
async function spinOnce(spin: SpinWait, d: SocketDescriptor, attempt: () => number = fail): Promise<number> {
  const t = performance.now();
  assert.equal(await spin.run(d, 'read', undefined, attempt), EAGAIN);
  return performance.now() - t;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

test('spins wait at most 10 ms while busy, up to 100 ms once the guest has been idle a second, and 10 ms again after a success', async () => {
  const spin = new SpinWait();
  const { d, pollSaysReady } = fakeDescriptor();
  const busy: number[] = [];
  const start = performance.now();
  while (performance.now() - start < IDLE_AFTER_MS * 0.8) busy.push(await spinOnce(spin, d));
  assert.ok(median(busy) < MAX_IDLE_SPIN_WAIT_MS / 2, `median busy wait ${median(busy).toFixed(1)} ms`);

  while (performance.now() - start < IDLE_AFTER_MS + 50) await spinOnce(spin, d);
  const idle = [await spinOnce(spin, d), await spinOnce(spin, d)];
  assert.ok(Math.max(...idle) >= MAX_IDLE_SPIN_WAIT_MS * 0.8, `idle waits ${idle.map((x) => x.toFixed(1)).join(', ')} ms`);

  pollSaysReady.value = true;
  assert.equal(await spin.run(d, 'read', undefined, () => 7), 7);
  pollSaysReady.value = false;
  const after: number[] = [];
  for (let i = 0; i < 12; i++) after.push(await spinOnce(spin, d));
  assert.ok(median(after) < MAX_IDLE_SPIN_WAIT_MS / 2, `median wait after a success ${median(after).toFixed(1)} ms`);
  assert.ok(Math.max(...after) >= MAX_SPIN_WAIT_MS, 'the busy cap is still reached');
});

test('a long idle wait ends as soon as a spun descriptor is ready', async () => {
  const spin = new SpinWait();
  const listener = fakeDescriptor();
  const conn = fakeDescriptor();
  const start = performance.now();
  while (performance.now() - start < IDLE_AFTER_MS + 50) {
    await spinOnce(spin, listener.d);
    await spinOnce(spin, conn.d);
  }
  const ends: number[] = [];
  for (let i = 0; i < 5; i++) {
    const timer = setTimeout(() => conn.ready(), 5);
    ends.push(await spinOnce(spin, listener.d));
    clearTimeout(timer);
  }
  assert.ok(median(ends) < MAX_IDLE_SPIN_WAIT_MS / 2, `median wait with the connection ready after 5 ms: ${median(ends).toFixed(1)} ms`);
});

test('a spinning socket that is not ready is not tried again: EAGAIN comes back without the attempt, and a deadline past is ETIMEDOUT', async () => {
  const spin = new SpinWait();
  const { d, pollSaysReady } = fakeDescriptor();
  let attempts = 0;
  const attempt = (): number => {
    attempts++;
    throw EAGAIN;
  };
  assert.equal(await spin.run(d, 'read', undefined, attempt), EAGAIN);
  assert.equal(attempts, 1, 'a descriptor not yet spinning is tried');
  assert.equal(await spin.run(d, 'read', undefined, attempt), EAGAIN);
  assert.equal(attempts, 1, 'spinning and not ready: not tried');
  assert.equal(await spin.run(d, 'read', performance.now() - 1, attempt), ETIMEDOUT);
  assert.equal(attempts, 1);
  pollSaysReady.value = true;
  assert.equal(await spin.run(d, 'read', undefined, attempt), EAGAIN);
  assert.equal(attempts, 3, 'a ready socket is tried (and, its third EAGAIN in a row, again after a wait)');
  // After a wait the call tries once more whatever poll says (a socket that
  // reported readiness wrongly would otherwise never be read).
  pollSaysReady.value = false;
  assert.equal(await spin.run(d, 'read', undefined, () => 9), 9);
});

test('failures other than EAGAIN are thrown at once, readiness or not, and end the spin', async () => {
  const spin = new SpinWait();
  const { d, pollSaysReady } = fakeDescriptor();
  const notConnected = new SysError('ENOTCONN');
  const failing = (): never => {
    throw notConnected;
  };
  // As a read on a listener: poll says "not ready", the call itself fails.
  assert.throws(
    () => spin.run(d, 'read', undefined, failing),
    (err) => err === notConnected,
  );
  // Spinning (EAGAIN), then the socket fails: poll reports a pending error as ready, so it is tried.
  assert.equal(await spin.run(d, 'read', undefined, fail), EAGAIN);
  pollSaysReady.value = true;
  assert.throws(
    () => spin.run(d, 'read', undefined, failing),
    (err) => err === notConnected,
  );
  pollSaysReady.value = false;
  assert.throws(
    () => spin.run(d, 'read', undefined, failing),
    (err) => err === notConnected,
    'the failure ended the spin: tried again at once',
  );
});
