// GuestPool: many guests on one event loop, each stopped and failing alone.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DialtoneError, GuestPool, type PooledGuest } from '../../src/index.ts';
import { guestOutput } from '../helpers/guest-output.ts';
import { guest, tempDir } from '../helpers/paths.ts';
import { buildModule, op } from '../helpers/wasm-builder.ts';

interface Server {
  guest: PooledGuest;
  url: string;
}

/** Starts `n` HTTP server guests (test/guests/httpserver) in `pool`, each on its own port, allowed to listen only on loopback. */
async function startServers(pool: GuestPool, n: number): Promise<Server[]> {
  const module = await WebAssembly.compile(readFileSync(guest('httpserver')));
  return Promise.all(
    Array.from({ length: n }, async () => {
      const out = guestOutput();
      const g = pool.run(module, {
        args: ['127.0.0.1:0'],
        net: { policy: { allowListen: ['127.0.0.1'] } },
        stdio: { stdout: out.sink, stderr: () => {} },
      });
      const [, addr] = await Promise.race([out.line(/listening on (\S+)\n/), g.exited.then(() => assert.fail('ended before listening'))]);
      return { guest: g, url: `http://${addr}` };
    }),
  );
}

/** GETs `path` from a server guest with a fresh connection, within 10 s. */
async function hello(server: Server, path: string): Promise<string> {
  const res = await fetch(`${server.url}${path}`, { signal: AbortSignal.timeout(10_000), headers: { connection: 'close' } });
  return res.text();
}

test('four HTTP guests serve at once, each on its own port, from one event loop', async () => {
  const pool = new GuestPool();
  try {
    const servers = await startServers(pool, 4);
    assert.equal(pool.size, 4);
    assert.equal(new Set(servers.map((s) => s.url)).size, 4);
    // Requests to all four in flight together.
    const answers = await Promise.all(servers.flatMap((s, i) => [hello(s, `/a${i}`), hello(s, `/b${i}`)]));
    assert.deepEqual(
      answers,
      servers.flatMap((_, i) => [`hello from wasm: GET /a${i} (0 bytes)\n`, `hello from wasm: GET /b${i} (0 bytes)\n`]),
    );
  } finally {
    await pool.stopAll();
  }
  assert.equal(pool.size, 0);
});

test('stopping one guest ends it (its port closes) and leaves the others serving', async () => {
  const pool = new GuestPool();
  try {
    const servers = await startServers(pool, 4);
    const [victim, ...others] = servers as [Server, ...Server[]];
    assert.deepEqual(await victim.guest.stop(), { exitCode: null, stopped: true });
    assert.deepEqual(await victim.guest.exited, { exitCode: null, stopped: true });
    await assert.rejects(hello(victim, '/gone'), 'a stopped guest still accepted a connection');
    assert.equal(pool.size, 3);
    assert.deepEqual(
      pool.guests,
      others.map((s) => s.guest),
    );
    for (const [i, s] of others.entries()) assert.equal(await hello(s, `/still${i}`), `hello from wasm: GET /still${i} (0 bytes)\n`);
  } finally {
    await pool.stopAll();
  }
});

test('a guest that traps, one that runs out of memory and one that cannot link fail alone; the others keep serving', async () => {
  const pool = new GuestPool();
  try {
    const servers = await startServers(pool, 3);
    const trap = pool.run(
      buildModule({ functions: [{ sig: { params: 0, result: false }, body: op.unreachable, export: '_start' }], memory: true }),
    );
    await assert.rejects(trap.exited, (e: unknown) => e instanceof DialtoneError && e.code === 'ERR_GUEST_TRAP');
    const unlinked = pool.run(buildModule({ imports: [{ module: 'env', name: 'nope', sig: { params: 0, result: false } }], memory: true }));
    await assert.rejects(unlinked.exited, (e: unknown) => e instanceof DialtoneError && e.code === 'ERR_UNKNOWN_IMPORT');
    // Its own memory cap: Go's "out of memory", exit 2, for this guest only.
    const err = guestOutput();
    const hog = pool.run(guest('memhog'), { args: ['256'], maxMemory: 32 * 2 ** 20, stdio: { stdout: () => {}, stderr: err.sink } });
    assert.deepEqual(await hog.exited, { exitCode: 2, stopped: false });
    assert.match(err.text(), /^fatal error: out of memory$/m);
    for (const [i, s] of servers.entries()) assert.equal(await hello(s, `/after${i}`), `hello from wasm: GET /after${i} (0 bytes)\n`);
    assert.equal(pool.size, 3);
  } finally {
    await pool.stopAll();
  }
});

test('a guest asleep (suspended in poll_oneoff for an hour) stops at once, and leaves no timer behind', async () => {
  const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  const pool = new GuestPool();
  const out = guestOutput();
  const sleeper = pool.run(guest('spin'), { args: ['sleep'], stdio: { stdout: out.sink } });
  await out.line(/spinning\n/);
  await new Promise((r) => setTimeout(r, 100));
  const t0 = performance.now();
  assert.deepEqual(await sleeper.stop(), { exitCode: null, stopped: true });
  assert.ok(performance.now() - t0 < 2000, 'stop took too long');
  assert.equal(pool.size, 0);
  // An hour-long poll_oneoff timer left armed would keep the process alive for that hour.
  assert.equal(timers(), before);
});

test('a guest runs under its own caps: one pool, two maxOpenFiles', async () => {
  const pool = new GuestPool();
  const small = guestOutput();
  const large = guestOutput();
  const d = tempDir();
  const dir = { '/data': d.path };
  const a = pool.run(guest('fdhog'), { args: ['files', '/data'], dirs: dir, maxOpenFiles: 8, stdio: { stdout: small.sink } });
  const b = pool.run(guest('fdhog'), { args: ['files', '/data'], dirs: dir, maxOpenFiles: 20, stdio: { stdout: large.sink } });
  assert.deepEqual(await a.exited, { exitCode: 0, stopped: false });
  assert.deepEqual(await b.exited, { exitCode: 0, stopped: false });
  assert.match(small.text(), /^opened 4: .*too many open files/i);
  assert.match(large.text(), /^opened 16: .*too many open files/i);
  d.cleanup();
});
