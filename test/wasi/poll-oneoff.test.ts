import assert from 'node:assert/strict';
import { openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { E, makeHost, type TestHost } from '../helpers/host.ts';
import { tempDir } from '../helpers/paths.ts';

// Layout of the test's guest memory.
const SUBS = 0;
const EVENTS = 4096;
const NEVENTS = 8192;

type Sub = { userdata: bigint } & ({ clock: bigint; id?: number; abs?: boolean } | { read: number } | { write: number });

function writeSubs(t: TestHost, subs: Sub[]): void {
  t.memory.bytes(SUBS, subs.length * 48).fill(0);
  subs.forEach((s, i) => {
    const p = SUBS + i * 48;
    t.memory.setU64(p, s.userdata);
    if ('clock' in s) {
      t.memory.setU8(p + 8, 0);
      t.memory.setU32(p + 16, s.id ?? 1);
      t.memory.setU64(p + 24, s.clock);
      t.memory.setU16(p + 40, s.abs ? 1 : 0);
    } else if ('read' in s) {
      t.memory.setU8(p + 8, 1);
      t.memory.setU32(p + 16, s.read);
    } else {
      t.memory.setU8(p + 8, 2);
      t.memory.setU32(p + 16, s.write);
    }
  });
}

function readEvents(t: TestHost): { userdata: bigint; error: number; type: number; nbytes: bigint; flags: number }[] {
  const n = t.memory.getU32(NEVENTS);
  return Array.from({ length: n }, (_, i) => {
    const p = EVENTS + i * 32;
    return {
      userdata: t.memory.getU64(p),
      error: t.memory.getU16(p + 8),
      type: t.memory.getU8(p + 10),
      nbytes: t.memory.getU64(p + 16),
      flags: t.memory.getU16(p + 24),
    };
  });
}

test('a zero-timeout clock is a non-blocking probe answered at once with its userdata', async () => {
  const t = makeHost();
  writeSubs(t, [{ userdata: 0xdead_beef_cafen, clock: 0n }]);
  // A probe yields one macrotask when the event loop has not turned for a
  // millisecond (the Scheduler's fairness rule); right after a turn it must
  // answer without suspending. A loaded machine can pause longer than that
  // between two calls, so the probe gets a few chances; one that always
  // suspends fails every time.
  let answeredAtOnce = false;
  for (let attempt = 0; attempt < 20 && !answeredAtOnce; attempt++) {
    assert.equal(await t.call('poll_oneoff', SUBS, EVENTS, 1, NEVENTS), E.SUCCESS);
    const r = t.call('poll_oneoff', SUBS, EVENTS, 1, NEVENTS);
    answeredAtOnce = typeof r === 'number';
    assert.equal(await r, E.SUCCESS);
  }
  assert.ok(answeredAtOnce, 'a zero-timeout probe right after an event-loop turn must not suspend');
  assert.deepEqual(readEvents(t), [{ userdata: 0xdead_beef_cafen, error: 0, type: 0, nbytes: 0n, flags: 0 }]);
});

test('a relative clock suspends the guest until the timeout has passed', async () => {
  const t = makeHost();
  writeSubs(t, [{ userdata: 1n, clock: 30_000_000n }]);
  const start = process.hrtime.bigint();
  const r = t.call('poll_oneoff', SUBS, EVENTS, 1, NEVENTS);
  assert.ok(r instanceof Promise, 'a 30 ms sleep must suspend, not block the thread');
  assert.equal(await r, E.SUCCESS);
  assert.ok(process.hrtime.bigint() - start >= 30_000_000n);
  assert.equal(readEvents(t)[0]?.userdata, 1n);
});

test('an absolute realtime clock in the past fires at once', async () => {
  const t = makeHost();
  writeSubs(t, [{ userdata: 2n, clock: 1_000_000_000n, id: 0, abs: true }]);
  assert.equal(await t.call('poll_oneoff', SUBS, EVENTS, 1, NEVENTS), E.SUCCESS);
  assert.equal(readEvents(t).length, 1);
});

test('per-fd problems go in the event, and the call itself succeeds (Go throws on any other errno)', async () => {
  const t = makeHost();
  writeSubs(t, [
    { userdata: 1n, read: 99 },
    { userdata: 2n, clock: 0n, id: 77 },
  ]);
  assert.equal(await t.call('poll_oneoff', SUBS, EVENTS, 2, NEVENTS), E.SUCCESS);
  const events = readEvents(t);
  assert.deepEqual(
    events.map((e) => [e.userdata, e.error]),
    [
      [1n, E.BADF],
      [2n, E.INVAL],
    ],
  );
});

test('a regular file is always ready to read', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir.path, 'f'), 'twelve bytes');
    const t = makeHost({ preopens: [{ host: dir.path, guest: '/d' }] });
    const path = new TextEncoder().encode('f');
    t.memory.write(9000, path);
    assert.equal(t.callSync('path_open', 3, 1, 9000, path.length, 0, 0x1ffffffn, 0x1ffffffn, 0, 9100), E.SUCCESS);
    const fd = t.memory.getU32(9100);
    writeSubs(t, [{ userdata: 5n, read: fd }]);
    assert.equal(await t.call('poll_oneoff', SUBS, EVENTS, 1, NEVENTS), E.SUCCESS);
    assert.deepEqual(
      readEvents(t).map((e) => [e.userdata, e.type, e.error]),
      [[5n, 1, 0]],
    );
    await t.host.close();
  } finally {
    dir.cleanup();
  }
});

test('a read subscription on a pipe wakes the guest when data arrives, not before', async () => {
  const dir = tempDir();
  // A FIFO gives a host fd that is a real pipe with nothing in it yet.
  const { execFileSync } = await import('node:child_process');
  const fifo = join(dir.path, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const readFd = openSync(fifo, 'r+'); // r+ so opening does not wait for a writer
  const t = makeHost({ stdin: readFd });
  try {
    writeSubs(t, [{ userdata: 9n, read: 0 }]);
    const r = t.call('poll_oneoff', SUBS, EVENTS, 1, NEVENTS);
    assert.ok(r instanceof Promise, 'an empty pipe must not be reported readable');
    let settled = false;
    void r.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(settled, false);
    writeFileSync(fifo, 'ping');
    assert.equal(await r, E.SUCCESS);
    const [ev] = readEvents(t);
    assert.equal(ev?.userdata, 9n);
    assert.equal(ev?.nbytes, 4n);
  } finally {
    await t.host.close();
    dir.cleanup();
  }
});

test('bad subscription arrays are EFAULT and an empty one is EINVAL', () => {
  const t = makeHost();
  assert.equal(t.callSync('poll_oneoff', SUBS, EVENTS, 0, NEVENTS), E.INVAL);
  assert.equal(t.callSync('poll_oneoff', 65536 - 40, EVENTS, 1, NEVENTS), E.FAULT);
  assert.equal(t.callSync('poll_oneoff', SUBS, 65536 - 8, 1, NEVENTS), E.FAULT);
  assert.equal(t.callSync('poll_oneoff', SUBS, EVENTS, 1, 65536), E.FAULT);
});
