// One-line errors and exit codes of the CLI for what it cannot run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { dialtone, runProcess } from '../helpers/cli.ts';
import { dialtoneBin, guest, tempDir } from '../helpers/paths.ts';
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
  assert.match(r.stdout.toString(), /--dir HOST\[:GUEST\[:ro\]\]/);
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

/** A loopback port nothing listens on (a listener was just closed there). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('a --dial to a refused address exits 1 (not the usage code 2) with one line', async () => {
  const port = await closedPort();
  const r = await dialtone(['run', `--dial=127.0.0.1:${port}`, guest('hello')]);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(oneLine(r.stderr), `dialtone: --dial 127.0.0.1:${port}: ECONNREFUSED (connection refused)`);
});

test('a --listen on an address in use exits 1 (not the usage code 2) with one line', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const r = await dialtone(['run', `--listen=127.0.0.1:${port}`, guest('hello')]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(oneLine(r.stderr), new RegExp(`^dialtone: --listen 127\\.0\\.0\\.1:${port}: .*address already in use`));
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('a --dial that is not an address is still a usage error (exit 2)', async () => {
  const r = await dialtone(['run', '--dial=example:80', guest('hello')]);
  assert.equal(r.status, 2, r.stderr);
  assert.equal(oneLine(r.stderr), 'dialtone: example:80: the host must be an IP address (or localhost)');
});

test('an engine without JSPI (Node < 24) exits 1 with one line naming Node 24 and the fix', async () => {
  // Node 24 always has JSPI: take it away before dialtone loads, as on Node 20.
  const noJspi = 'data:text/javascript,delete WebAssembly.Suspending;';
  const r = await runProcess(process.execPath, ['--stack-size=7800', '--import', noJspi, dialtoneBin, 'run', guest('hello')]);
  assert.equal(r.status, 1, r.stderr);
  const line = oneLine(r.stderr);
  assert.match(line, /^dialtone: this JavaScript engine has no WebAssembly JSPI \(Node [0-9.]+\); dialtone needs Node 24 or later: /);
  assert.match(line, /npm install --save-dev node@24/);
});

/** A real Node older than 24 on this machine, if there is one. */
function olderNode(): string | undefined {
  for (const file of ['/usr/bin/node', '/usr/local/bin/node']) {
    if (!existsSync(file) || realpathSync(file) === realpathSync(process.execPath)) continue;
    const r = spawnSync(file, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (r.status === 0 && Number(r.stdout.split('.')[0]) < 24) return file;
  }
  return undefined;
}

const oldNode = olderNode();
test(
  'a real Node older than 24 gets the same ERR_NO_JSPI line, not a load error',
  { skip: oldNode === undefined && 'no Node < 24 here' },
  async () => {
    const r = await runProcess(oldNode as string, ['--stack-size=7800', dialtoneBin, 'run', guest('hello')]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      oneLine(r.stderr),
      /^dialtone: this JavaScript engine has no WebAssembly JSPI \(Node [0-9.]+\); dialtone needs Node 24 or later: /,
    );
  },
);
