import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dialtone } from '../helpers/cli.ts';
import { guest, tempDir } from '../helpers/paths.ts';

test('--trace prints every host call with decoded arguments and its result, one line each', async () => {
  const d = tempDir();
  try {
    writeFileSync(join(d.path, 'input.txt'), 'x');
    const r = await dialtone(['run', '--trace', '--dir', `${d.path}:/data`, guest('fileio'), '/data', '5']);
    assert.equal(r.status, 5);
    const lines = r.stderr.split('\n');
    // Start-up: the preopen scan ends with EBADF on the first fd after the preopens.
    assert.ok(
      lines.some((l) => /^fd_prestat_get\(fd=3, prestat=0x[0-9a-f]+\) => SUCCESS$/.test(l)),
      'no fd 3 prestat line',
    );
    assert.ok(
      lines.some((l) => /^fd_prestat_get\(fd=4, prestat=0x[0-9a-f]+\) => EBADF$/.test(l)),
      'no EBADF line ending the preopen scan',
    );
    // Paths are decoded, results named.
    assert.ok(lines.some((l) => /^path_open\(fd=3, dirflags=0x1, path="input\.txt", oflags=0x0, .* => SUCCESS$/.test(l)));
    assert.ok(lines.some((l) => /^path_open\(fd=3, dirflags=0x1, path="output\.txt", oflags=0x9, .* => SUCCESS$/.test(l)));
    // A sleep reaches the host as poll_oneoff.
    assert.ok(
      lines.some((l) => /^poll_oneoff\(in=0x[0-9a-f]+, out=0x[0-9a-f]+, nsubscriptions=1, nevents=0x[0-9a-f]+\) => SUCCESS$/.test(l)),
    );
    assert.ok(lines.includes('proc_exit(rval=5) => exit 5'));
    // The guest's own stderr is still there, in between.
    assert.ok(lines.includes('exiting with 5'));
  } finally {
    d.cleanup();
  }
});
