import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DialtoneError, spawnWorker } from '../../src/index.ts';
import { guest, tempDir } from '../helpers/paths.ts';

test('a guest spinning in a busy loop is terminated without harming the host', async () => {
  const g = spawnWorker(guest('spin'), { stdio: { stdout: 2 } });
  // The host thread stays responsive while the guest burns its own thread.
  const ticks = await new Promise<number>((resolve) => {
    let n = 0;
    const iv = setInterval(() => {
      if (++n === 10) {
        clearInterval(iv);
        resolve(n);
      }
    }, 10);
  });
  assert.equal(ticks, 10);
  await g.terminate();
  assert.deepEqual(await g.exited, { exitCode: null, terminated: true });
});

test('a worker guest reports its exit code', async () => {
  const d = tempDir();
  try {
    writeFileSync(join(d.path, 'input.txt'), 'x');
    const g = spawnWorker(guest('fileio'), { args: ['/data', '9'], dirs: { '/data': d.path }, stdio: { stdout: 2 } });
    assert.deepEqual(await g.exited, { exitCode: 9, terminated: false });
  } finally {
    d.cleanup();
  }
});

test('load errors cross the thread as DialtoneError with their code', async () => {
  const g = spawnWorker('/no/such/module.wasm');
  await assert.rejects(g.exited, (err: unknown) => err instanceof DialtoneError && err.code === 'ERR_MODULE_NOT_FOUND');
});
