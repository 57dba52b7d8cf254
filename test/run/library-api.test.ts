import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DialtoneError, run } from '../../src/index.ts';
import { guest, tempDir } from '../helpers/paths.ts';
import { buildModule, op } from '../helpers/wasm-builder.ts';

function capture(): { sink: (b: Uint8Array) => void; text: () => string } {
  const chunks: Uint8Array[] = [];
  return { sink: (b) => chunks.push(b), text: () => Buffer.concat(chunks).toString('utf8') };
}

test('run() resolves with the exit code and delivers output to callbacks', async () => {
  const d = tempDir();
  try {
    writeFileSync(join(d.path, 'input.txt'), 'abc');
    const out = capture();
    const err = capture();
    const { exitCode } = await run(guest('fileio'), {
      args: ['/in', '4', 'x'],
      env: { GREETING: 'hey' },
      dirs: { '/in': d.path },
      stdio: { stdout: out.sink, stderr: err.sink },
    });
    assert.equal(exitCode, 4);
    assert.match(out.text(), /^arg\[0\]="x"\nGREETING="hey"\nread 3 bytes: "abc"\n/);
    assert.equal(err.text(), 'exiting with 4\n');
    assert.equal(readFileSync(join(d.path, 'output.txt'), 'utf8'), 'ABC');
  } finally {
    d.cleanup();
  }
});

test('run() accepts bytes and fixed stdin', async () => {
  const out = capture();
  const { exitCode } = await run(readFileSync(guest('cat')), { stdio: { stdin: 'from a string', stdout: out.sink, stderr: () => {} } });
  assert.equal(exitCode, 0);
  assert.equal(out.text(), 'from a string');
});

test('a guest that returns from _start exits 0; proc_exit(n) exits n', async () => {
  const ret = buildModule({ functions: [{ sig: { params: 0, result: false }, body: [], export: '_start' }], memory: true });
  assert.deepEqual(await run(ret), { exitCode: 0 });
  const exit3 = buildModule({
    imports: [{ module: 'wasi_snapshot_preview1', name: 'proc_exit', sig: { params: 1, result: false } }],
    functions: [{ sig: { params: 0, result: false }, body: [...op.i32Const(3), ...op.call(0)], export: '_start' }],
    memory: true,
  });
  assert.deepEqual(await run(exit3), { exitCode: 3 });
});

test('errors carry stable codes', async () => {
  const code = (c: string) => (err: unknown) => err instanceof DialtoneError && err.code === c;
  await assert.rejects(run('/no/such.wasm'), code('ERR_MODULE_NOT_FOUND'));
  await assert.rejects(run(new Uint8Array([1, 2, 3, 4, 5])), code('ERR_NOT_WASM'));
  await assert.rejects(run(new Uint8Array([0, 0x61, 0x73, 0x6d, 9, 9, 9, 9])), code('ERR_NOT_WASM'));
  await assert.rejects(run(buildModule({ memory: true })), code('ERR_NOT_A_COMMAND'));
  await assert.rejects(
    run(buildModule({ imports: [{ module: 'env', name: 'f', sig: { params: 0, result: false } }], memory: true })),
    (err: unknown) => code('ERR_UNKNOWN_IMPORT')(err) && /env\.f/.test((err as Error).message),
  );
  await assert.rejects(
    run(buildModule({ functions: [{ sig: { params: 0, result: false }, body: op.unreachable, export: '_start' }], memory: true })),
    code('ERR_GUEST_TRAP'),
  );
  await assert.rejects(run(buildModule({ memory: true }), { dirs: { '/x': '/no/such/dir' } }), code('ERR_DIR_NOT_FOUND'));
});
