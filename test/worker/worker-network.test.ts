// A guest in a worker thread gets the network its rules allow: the rules
// cross the thread as plain data (the --allow-net / --allow-listen /
// --deny-net lists) and the worker builds its RulePolicy from them.
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ALLOW_ALL, DENY_ALL, DialtoneError, RulePolicy, spawnWorker, type WorkerRunOptions } from '../../src/index.ts';
import { guest, tempDir } from '../helpers/paths.ts';

/** Echoes each line back; counts the connections it accepted. */
let echoPort: number;
let accepted = 0;
let server: net.Server;

before(async () => {
  server = net.createServer((s) => {
    accepted++;
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  echoPort = (server.address() as net.AddressInfo).port;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Runs `wasinetapp dial tcp ADDR MSG` in a worker; resolves with its exit code and stdout. */
async function dialInWorker(net: WorkerRunOptions['net']): Promise<{ exitCode: number | null; stdout: string }> {
  const d = tempDir();
  const fd = openSync(join(d.path, 'stdout'), 'w');
  try {
    const g = spawnWorker(guest('wasinetapp'), { args: ['dial', 'tcp', `127.0.0.1:${echoPort}`, 'hi'], net, stdio: { stdout: fd } });
    const { exitCode } = await g.exited;
    return { exitCode, stdout: readFileSync(join(d.path, 'stdout'), 'utf8') };
  } finally {
    closeSync(fd);
    d.cleanup();
  }
}

const DENIED = /^dial error after <1s=true: .*permission denied\n$/i;

test('a worker guest connects where its rules allow and is refused (permission denied) elsewhere', { timeout: 60_000 }, async () => {
  const before = accepted;
  const [allowed, notListed, denied] = await Promise.all([
    dialInWorker({ policy: { allowNet: [`127.0.0.1:${echoPort}`] } }),
    dialInWorker({ policy: { allowNet: [`127.0.0.1:${echoPort === 65535 ? 1 : echoPort + 1}`] } }),
    dialInWorker({ policy: { allowNet: ['127.0.0.0/8'], denyNet: [`127.0.0.1:${echoPort}`] } }),
  ]);
  assert.deepEqual(allowed, { exitCode: 0, stdout: 'reply: hi\n' });
  assert.equal(notListed.exitCode, 3);
  assert.match(notListed.stdout, DENIED);
  assert.equal(denied.exitCode, 3);
  assert.match(denied.stdout, DENIED);
  // Only the allowed dial reached the server.
  assert.equal(accepted - before, 1);
});

test('ALLOW_ALL, DENY_ALL and a RulePolicy cross into a worker as their rules', { timeout: 60_000 }, async () => {
  const [all, none, rules] = await Promise.all([
    dialInWorker({ policy: ALLOW_ALL }),
    dialInWorker({ policy: DENY_ALL }),
    dialInWorker({ policy: new RulePolicy({ allowNet: [`127.0.0.1:${echoPort}`] }) }),
  ]);
  assert.deepEqual(all, { exitCode: 0, stdout: 'reply: hi\n' });
  assert.equal(none.exitCode, 3);
  assert.match(none.stdout, DENIED);
  assert.deepEqual(rules, { exitCode: 0, stdout: 'reply: hi\n' });
});

test('a policy object without rules, which cannot cross into a worker, is refused with ERR_WORKER_OPTIONS', () => {
  const custom = { check: () => ({ allowed: true }) as const, checkLookup: () => ({ allowed: true }) as const, learn: () => {} };
  assert.throws(
    // The type asks for rules; a JavaScript caller may still pass any object.
    () => spawnWorker(guest('wasinetapp'), { net: { policy: custom as never } }),
    (err: unknown) => err instanceof DialtoneError && err.code === 'ERR_WORKER_OPTIONS' && /allowNet/.test(err.message),
  );
});

test('any other option that cannot cross into a worker is refused with ERR_WORKER_OPTIONS, not DataCloneError', () => {
  assert.throws(
    () => spawnWorker(guest('wasinetapp'), { stdio: { stdout: (() => {}) as never } }),
    (err: unknown) => err instanceof DialtoneError && err.code === 'ERR_WORKER_OPTIONS',
  );
});

test('a bad rule is refused when the worker is spawned, naming the entry', () => {
  assert.throws(
    () => spawnWorker(guest('wasinetapp'), { net: { policy: { allowNet: ['127.0.0.1:99999'] } } }),
    (err: unknown) => err instanceof DialtoneError && err.code === 'ERR_USAGE' && /127\.0\.0\.1:99999/.test(err.message),
  );
});

test('a worker guest gets the virtual /etc and preopened sockets, as run() gives them', { timeout: 60_000 }, async () => {
  const d = tempDir();
  const fd = openSync(join(d.path, 'stdout'), 'w');
  try {
    const lookup = spawnWorker(guest('lookup'), {
      args: ['localhost'],
      net: { policy: { allowNet: ['localhost'] } },
      stdio: { stdout: fd },
    });
    assert.deepEqual(await lookup.exited, { exitCode: 0, terminated: false });
    const conn = spawnWorker(guest('filelistener'), {
      args: ['fileconn', '3', 'preopened'],
      net: { dial: [`127.0.0.1:${echoPort}`] },
      stdio: { stdout: fd },
    });
    assert.deepEqual(await conn.exited, { exitCode: 0, terminated: false });
    assert.equal(readFileSync(join(d.path, 'stdout'), 'utf8'), 'localhost 127.0.0.1 ::1\nreply: preopened\n');
  } finally {
    closeSync(fd);
    d.cleanup();
  }
});
