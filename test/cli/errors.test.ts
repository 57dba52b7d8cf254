// One-line errors and exit codes of the CLI for what it cannot run.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dialtone } from '../helpers/cli.ts';
import { guest, tempDir } from '../helpers/paths.ts';
import { buildModule } from '../helpers/wasm-builder.ts';

function oneLine(stderr: string): string {
  assert.equal(stderr.split('\n').filter(Boolean).length, 1, `expected one line, got:\n${stderr}`);
  return stderr.trim();
}

test('a missing module file', async () => {
  const r = await dialtone(['run', 'no/such/app.wasm']);
  assert.equal(r.status, 1);
  assert.equal(oneLine(r.stderr), 'dialtone: cannot read no/such/app.wasm: no such file');
});

test('a file that is not WebAssembly', async () => {
  const d = tempDir();
  try {
    const f = join(d.path, 'notes.wasm');
    writeFileSync(f, 'just text\n');
    const r = await dialtone(['run', f]);
    assert.equal(r.status, 1);
    assert.equal(oneLine(r.stderr), `dialtone: ${f} is not a WebAssembly module (no \\0asm header)`);
  } finally {
    d.cleanup();
  }
});

test('a module importing a function dialtone does not provide names the module and function', async () => {
  const d = tempDir();
  try {
    const f = join(d.path, 'odd.wasm');
    writeFileSync(
      f,
      buildModule({
        imports: [{ module: 'wasi_snapshot_preview1', name: 'fd_frobnicate', sig: { params: 1, result: true } }],
        functions: [{ sig: { params: 0, result: false }, body: [], export: '_start' }],
        memory: true,
      }),
    );
    const r = await dialtone(['run', f]);
    assert.equal(r.status, 1);
    assert.equal(
      oneLine(r.stderr),
      'dialtone: module imports wasi_snapshot_preview1.fd_frobnicate (function), which dialtone does not provide',
    );
  } finally {
    d.cleanup();
  }
});

test('a --dir that does not exist', async () => {
  const r = await dialtone(['run', '--dir', '/no/such/dir:/data', guest('fileio'), '/data', '0']);
  assert.equal(r.status, 1);
  assert.equal(oneLine(r.stderr), 'dialtone: --dir /no/such/dir: no such directory');
});

test('usage errors exit 2 with a pointer to --help', async () => {
  for (const [args, message] of [
    [['run'], 'no module given'],
    [['run', '--bogus', 'x.wasm'], 'unknown option --bogus'],
    [['run', '--env', 'NOEQUALS', 'x.wasm'], '--env NOEQUALS: expected KEY=VALUE'],
    [['frob'], 'unknown command "frob"'],
  ] as const) {
    const r = await dialtone(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(oneLine(r.stderr), `dialtone: ${message} (see dialtone --help)`);
  }
});

test('--help shows usage and exits 0', async () => {
  const r = await dialtone(['--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout.toString(), /^Usage: dialtone run \[options\] module\.wasm/);
  assert.match(r.stdout.toString(), /--dir HOST\[:GUEST\]/);
});

test('a trapping guest is reported in one line and exits 1', async () => {
  const d = tempDir();
  try {
    const f = join(d.path, 'trap.wasm');
    writeFileSync(f, buildModule({ functions: [{ sig: { params: 0, result: false }, body: [0x00], export: '_start' }], memory: true }));
    const r = await dialtone(['run', f]);
    assert.equal(r.status, 1);
    assert.equal(oneLine(r.stderr), 'dialtone: guest trapped: unreachable');
  } finally {
    d.cleanup();
  }
});
