// The acceptance test of the preview 1 host: one Go program, built for
// wasip1 and natively, must behave byte for byte the same.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dialtone, runProcess } from '../helpers/cli.ts';
import { guest, nativeGuest, tempDir } from '../helpers/paths.ts';

test('fileio prints args and env, reads and writes a preopened file, sleeps and exits with its code, as natively', async () => {
  const wasmDir = tempDir();
  const nativeDir = tempDir();
  try {
    for (const d of [wasmDir, nativeDir]) writeFileSync(join(d.path, 'input.txt'), 'hello, dialtone\nsecond line ünïcode\n');
    const words = ['plain', 'with space', 'ünï', ''];
    const wasm = await dialtone([
      'run',
      '--dir',
      `${wasmDir.path}:/data`,
      '--env',
      'GREETING=héllo',
      guest('fileio'),
      '/data',
      '7',
      ...words,
    ]);
    const native = await runProcess(nativeGuest('fileio'), [nativeDir.path, '7', ...words], {
      env: { GREETING: 'héllo' },
    });
    assert.equal(wasm.status, 7, wasm.stderr);
    assert.equal(native.status, 7);
    assert.equal(wasm.stdout.toString(), native.stdout.toString());
    assert.ok(wasm.stdout.equals(native.stdout), 'stdout differs in bytes');
    assert.equal(wasm.stderr, native.stderr);
    assert.equal(readFileSync(join(wasmDir.path, 'output.txt'), 'utf8'), readFileSync(join(nativeDir.path, 'output.txt'), 'utf8'));
    assert.match(wasm.stdout.toString(), /slept>=50ms: true/);
  } finally {
    wasmDir.cleanup();
    nativeDir.cleanup();
  }
});

test('exit code 0 and a missing input file behave as natively', async () => {
  const d = tempDir();
  try {
    const wasm = await dialtone(['run', '--dir', `${d.path}:/data`, guest('fileio'), '/data', '0']);
    const native = await runProcess(nativeGuest('fileio'), [d.path, '0'], { env: {} });
    assert.equal(wasm.status, 3);
    assert.equal(native.status, 3);
    assert.equal(wasm.stdout.toString(), native.stdout.toString());
    // The guest names the path as it sees it; the text is Go's wasip1 errno table.
    assert.equal(wasm.stderr, 'read: open /data/input.txt: No such file or directory\n');
  } finally {
    d.cleanup();
  }
});

test('stdin piped through a Go guest arrives whole (non-blocking stdin via poll_oneoff)', async () => {
  const input = Buffer.alloc(3 * 1024 * 1024 + 17);
  for (let i = 0; i < input.length; i++) input[i] = (i * 31 + (i >> 10)) & 0xff;
  const r = await dialtone(['run', guest('cat')], { input });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.equals(input), `stdout has ${r.stdout.length} bytes, want ${input.length}`);
  assert.equal(r.stderr, `copied ${input.length} bytes\n`);
});
