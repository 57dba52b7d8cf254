// `--max-open-files N`: the guest's descriptor cap on the command line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommandLine, type RunCommand } from '../../src/cli/options.ts';
import { dialtone } from '../helpers/cli.ts';
import { guest, tempDir } from '../helpers/paths.ts';

test('--max-open-files takes a whole number from 1 to 32767', () => {
  const parsed = (...args: string[]) => (parseCommandLine(['run', ...args, 'app.wasm']) as RunCommand).maxOpenFiles;
  assert.equal(parsed('--max-open-files', '64'), 64);
  assert.equal(parsed('--max-open-files=32767'), 32767);
  assert.equal(parsed(), undefined);
  for (const bad of ['0', '-1', '32768', '1.5', '1e3', 'ten', '']) {
    assert.throws(
      () => parseCommandLine(['run', `--max-open-files=${bad}`, 'app.wasm']),
      /--max-open-files .*whole number from 1 to 32767/,
      bad,
    );
  }
});

test('past --max-open-files the guest gets "too many open files", and --trace says which cap refused', async () => {
  const d = tempDir();
  try {
    const r = await dialtone(['run', '--trace', '--max-open-files', '9', '--dir', `${d.path}:/data`, guest('fdhog'), 'files', '/data']);
    assert.equal(r.status, 0, r.stderr);
    // 9 = stdio, /data and 5 files.
    assert.equal(r.stdout.toString(), 'opened 5: open /data/fdhog.txt: Too many open files\nafter close: ok\n');
    assert.match(r.stderr, /^limit: EMFILE: 9 descriptors open, the cap is 9 \(maxOpenFiles \/ --max-open-files\)$/m);
    assert.match(r.stderr, /^path_open\(.*path="fdhog\.txt".*\) => EMFILE$/m);
  } finally {
    d.cleanup();
  }
});

test('a --max-open-files below what the guest starts with is a usage error', async () => {
  const r = await dialtone(['run', '--max-open-files', '3', '--dir', '/tmp:/tmp', guest('hello')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^dialtone: maxOpenFiles 3 is fewer than the descriptors the guest starts with/);
});
