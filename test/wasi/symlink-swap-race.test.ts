// A directory inside the preopen is swapped for a symlink that points
// outside, over and over, by another thread, while the guest opens, creates,
// stats, removes and connects through it. Path resolution holds each
// directory it passes and never follows the final entry, so no lost race
// may reach outside: every call either acts inside or fails with an errno
// a lost race can give (ENOENT while the swap is half done, ENOTCAPABLE
// when it sees the symlink), never an internal error.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { ALLOW_ALL } from '../../src/policy/policy.ts';
import { E, makeHost, type TestHost } from '../helpers/host.ts';
import { tempDir } from '../helpers/paths.ts';

const RIGHTS = (1n << 30n) - 1n;
const O_CREAT = 1;
/** How long the guest races the swapper, and at most how many rounds. */
const RACE_MS = 1500;
const MAX_ROUNDS = 50_000;
/** Errnos a lost race may give. */
const LOST_RACE = new Set<number>([E.NOENT, E.NOTCAPABLE, E.LOOP]);

let dir: ReturnType<typeof tempDir>;
let root: string;
let outside: string;
let t: TestHost;
const servers: { inside: Server; outside: Server; hits: { inside: number; outside: number } } = {} as never;

function listen(path: string, onConnection: () => void): Promise<Server> {
  return new Promise((resolve) => {
    const s = createServer((c) => {
      onConnection();
      c.destroy();
    });
    s.listen(path, () => resolve(s));
  });
}

before(async () => {
  dir = tempDir('dt-race-');
  root = join(dir.path, 'root');
  outside = join(dir.path, 'outside');
  mkdirSync(join(root, 'd'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(root, 'd', 'secret.txt'), 'inside');
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  writeFileSync(join(outside, 'victim'), 'must survive');
  symlinkSync('../outside', join(root, 'alt'));
  servers.hits = { inside: 0, outside: 0 };
  servers.inside = await listen(join(root, 'd', 'sock'), () => servers.hits.inside++);
  servers.outside = await listen(join(outside, 'sock'), () => servers.hits.outside++);
  t = makeHost({ preopens: [{ host: root, guest: '/root' }], network: { policy: ALLOW_ALL } });
});

after(async () => {
  await t.host.close();
  servers.inside.close();
  servers.outside.close();
  dir.cleanup();
});

/** Starts a thread that keeps exchanging root/d (a directory) and root/alt (a symlink to ../outside). */
async function startSwapper(): Promise<{ stop: () => Promise<number> }> {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { renameSync } = require('node:fs');
     const { workerData: { root, stop }, parentPort } = require('node:worker_threads');
     let swaps = 0;
     parentPort.postMessage('started');
     while (Atomics.load(stop, 0) === 0) {
       renameSync(root + '/d', root + '/tmp');
       renameSync(root + '/alt', root + '/d');
       renameSync(root + '/tmp', root + '/alt');
       swaps++;
     }
     // Leave the directory at d.
     if (require('node:fs').lstatSync(root + '/d').isSymbolicLink()) {
       renameSync(root + '/d', root + '/tmp');
       renameSync(root + '/alt', root + '/d');
       renameSync(root + '/tmp', root + '/alt');
     }
     parentPort.postMessage(swaps);`,
    { eval: true, workerData: { root, stop } },
  );
  const started = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  await started;
  const done = new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    stop: async () => {
      Atomics.store(stop, 0, 1);
      return done;
    },
  };
}

function putPath(path: string): number {
  const bytes = new TextEncoder().encode(path);
  t.memory.write(1000, bytes);
  return bytes.length;
}

/** path_open + fd_read: the errno and what was read. */
function readThrough(path: string): [number, string | undefined] {
  const n = putPath(path);
  const errno = t.callSync('path_open', 3, 1, 1000, n, 0, RIGHTS, RIGHTS, 0, 2000);
  if (errno !== E.SUCCESS) return [errno, undefined];
  const fd = t.memory.getU32(2000);
  t.memory.setU32(2100, 3000);
  t.memory.setU32(2104, 100);
  const r = t.callSync('fd_read', fd, 2100, 1, 2200);
  t.callSync('fd_close', fd);
  assert.equal(r, E.SUCCESS);
  return [errno, new TextDecoder().decode(t.memory.bytes(3000, t.memory.getU32(2200)))];
}

function call(name: string, path: string, ...rest: (number | bigint)[]): number {
  const n = putPath(path);
  return name === 'path_open' || name === 'path_filestat_get'
    ? t.callSync(name, 3, 1, 1000, n, ...rest)
    : t.callSync(name, 3, 1000, n, ...rest);
}

test('a directory swapped for a symlink to outside never lets a call read, write, create, remove or connect outside', async () => {
  const secretIno = lstatSync(join(outside, 'secret.txt')).ino;
  const swapper = await startSwapper();
  const seen = new Map<number, number>();
  const note = (errno: number): void => {
    seen.set(errno, (seen.get(errno) ?? 0) + 1);
    assert.ok(errno === E.SUCCESS || errno === E.EXIST || LOST_RACE.has(errno), `unexpected errno ${errno}`);
  };
  let reads = 0;
  let swaps: number;
  const deadline = Date.now() + RACE_MS;
  try {
    for (let i = 0; i < MAX_ROUNDS && Date.now() < deadline; i++) {
      const [errno, text] = readThrough('d/secret.txt');
      note(errno);
      if (errno === E.SUCCESS) {
        reads++;
        assert.equal(text, 'inside', 'read a file outside the preopen');
      }
      note(call('path_open', `d/created-${i % 8}`, O_CREAT, RIGHTS, RIGHTS, 0, 2000));
      if (t.memory.getU32(2000) > 3) t.callSync('fd_close', t.memory.getU32(2000));
      t.memory.setU32(2000, 0);
      const statErrno = call('path_filestat_get', 'd/secret.txt', 2300);
      note(statErrno);
      if (statErrno === E.SUCCESS) assert.notEqual(t.memory.getU64(2308), BigInt(secretIno), 'stat saw the file outside');
      note(call('path_create_directory', 'd/newdir'));
      note(call('path_remove_directory', 'd/newdir'));
      note(call('path_unlink_file', 'd/victim'));
      if (i % 16 === 0) {
        const s = t.host.network.open('unix', 'stream');
        try {
          await s.connect({ kind: 'unix', path: '/root/d/sock' });
        } catch (err) {
          const errno = (err as { errno?: string }).errno;
          assert.ok(['EINPROGRESS', 'ENOENT', 'ENOTCAPABLE', 'ELOOP'].includes(errno ?? ''), `connect: ${String(err)}`);
        }
        s.close();
        await tick();
      }
    }
  } finally {
    swaps = await swapper.stop();
  }
  assert.ok(swaps > 100, `the swapper ran (${swaps} swaps)`);
  await tick();
  assert.deepEqual(t.internalErrors, [], 'lost races are errnos, never internal errors');
  assert.deepEqual(readdirSync(outside).sort(), ['secret.txt', 'sock', 'victim'], 'nothing was created or removed outside');
  assert.equal(readFileSync(join(outside, 'victim'), 'utf8'), 'must survive');
  assert.equal(servers.hits.outside, 0, 'no connection reached the socket outside');
  assert.ok(reads > 0 && servers.hits.inside > 0, `some calls won their race (reads ${reads}, connects ${servers.hits.inside})`);
  assert.ok((seen.get(E.NOTCAPABLE) ?? 0) > 0, 'some calls saw the symlink and were refused');
  assert.ok(existsSync(join(root, 'd', 'secret.txt')));
});
