// `--dir HOST:GUEST:ro` on the command line: the guest reads the directory
// and its writes fail there (Go: "capabilities insufficient"), while the
// same guest and directory without `:ro` writes.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCommandLine, type RunCommand } from '../../src/cli/options.ts';
import { dialtone } from '../helpers/cli.ts';
import { guest, tempDir } from '../helpers/paths.ts';

const dirsOf = (...flags: string[]): RunCommand['dirs'] => (parseCommandLine(['run', ...flags, 'x.wasm']) as RunCommand).dirs;

test('--dir takes :ro only after a guest path', () => {
  assert.deepEqual(dirsOf('--dir', '/etc/ssl/certs:/etc/ssl/certs:ro'), [
    { host: '/etc/ssl/certs', guest: '/etc/ssl/certs', readOnly: true },
  ]);
  assert.deepEqual(dirsOf('--dir=data:/data:ro'), [{ host: 'data', guest: '/data', readOnly: true }]);
  assert.deepEqual(dirsOf('--dir', 'data:/data'), [{ host: 'data', guest: '/data', readOnly: false }]);
  assert.deepEqual(dirsOf('--dir', 'data'), [{ host: 'data', guest: 'data', readOnly: false }]);
  // "HOST:ro" is still HOST shown as "ro", as before :ro existed.
  assert.deepEqual(dirsOf('--dir', 'data:ro'), [{ host: 'data', guest: 'ro', readOnly: false }]);
  assert.throws(() => dirsOf('--dir', 'data:'), /expected HOST\[:GUEST\[:ro\]\]/);
});

test('a guest reads a --dir ...:ro directory and its write there fails; without :ro it writes', async () => {
  const d = tempDir();
  try {
    writeFileSync(join(d.path, 'input.txt'), 'hello');
    const ro = await dialtone(['run', '--dir', `${d.path}:/data:ro`, guest('fileio'), '/data', '0']);
    assert.match(ro.stdout.toString(), /^read 5 bytes: "hello"$/m);
    assert.equal(ro.status, 4, ro.stderr);
    assert.match(ro.stderr, /^write: open \/data\/output\.txt: Capabilities insufficient$/m);
    assert.deepEqual(readdirSync(d.path), ['input.txt']);

    const rw = await dialtone(['run', '--dir', `${d.path}:/data`, guest('fileio'), '/data', '0']);
    assert.equal(rw.status, 0, rw.stderr);
    assert.ok(existsSync(join(d.path, 'output.txt')));
  } finally {
    d.cleanup();
  }
});
