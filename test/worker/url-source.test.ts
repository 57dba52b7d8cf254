// A guest given as a URL: file: URLs load in a worker as in run(); other
// schemes are refused with a clear error (dialtone never fetches a module).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { DialtoneError, run, spawnWorker } from '../../src/index.ts';
import { guest, tempDir } from '../helpers/paths.ts';

test('spawnWorker() and run() load a guest from a file: URL', { timeout: 60_000 }, async () => {
  const d = tempDir();
  try {
    writeFileSync(join(d.path, 'input.txt'), 'x');
    const url = pathToFileURL(guest('fileio'));
    const options = { args: ['/data', '9'], dirs: { '/data': d.path } };
    const g = spawnWorker(url, { ...options, stdio: { stdout: 2 } });
    assert.deepEqual(await g.exited, { exitCode: 9, terminated: false });
    assert.deepEqual(await run(url, { ...options, stdio: { stdout: () => {}, stderr: () => {} } }), { exitCode: 9 });
  } finally {
    d.cleanup();
  }
});

test('a file: URL that names no file is ERR_MODULE_NOT_FOUND in a worker', async () => {
  const g = spawnWorker(new URL('file:///no/such/module.wasm'));
  await assert.rejects(g.exited, (err: unknown) => err instanceof DialtoneError && err.code === 'ERR_MODULE_NOT_FOUND');
});

test('a URL that is not file: is refused with ERR_MODULE_NOT_FOUND, by run() and spawnWorker()', async () => {
  const url = new URL('http://127.0.0.1:9/app.wasm');
  const notFile = (err: unknown): boolean =>
    err instanceof DialtoneError && err.code === 'ERR_MODULE_NOT_FOUND' && /only file: URLs/.test(err.message);
  await assert.rejects(run(url), notFile);
  await assert.rejects(spawnWorker(url).exited, notFile);
});
