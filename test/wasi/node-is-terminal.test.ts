// isTerminal (src/wasi/fs/node-is-terminal.ts) answers as isatty(3), while
// loading node:tty only for character devices that may be terminals.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isTerminal } from '../../src/wasi/fs/node-is-terminal.ts';
import { repoRoot, tempDir } from '../helpers/paths.ts';

test('a file, /dev/null, /dev/zero and a closed fd are not terminals', () => {
  const dir = tempDir();
  const file = join(dir.path, 'f');
  writeFileSync(file, 'x');
  for (const path of [file, '/dev/null', '/dev/zero']) {
    const fd = openSync(path, 'r');
    try {
      assert.equal(isTerminal(fd), false, path);
    } finally {
      closeSync(fd);
    }
  }
  const fd = openSync(file, 'r');
  closeSync(fd);
  assert.equal(isTerminal(fd), false, 'a closed fd');
  dir.cleanup();
});

test('a pipe is not a terminal, and asking did not load node:tty', () => {
  const script = `
    const { isTerminal } = await import(${JSON.stringify(join(repoRoot, 'src/wasi/fs/node-is-terminal.ts'))});
    const nul = (await import('node:fs')).openSync('/dev/null', 'r');
    const answers = [isTerminal(0), isTerminal(1), isTerminal(nul)];
    console.log(JSON.stringify({ answers, tty: process.moduleLoadList.includes('NativeModule tty') }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  assert.deepEqual(JSON.parse(out.toString()), { answers: [false, false, false], tty: false });
});

test('a pseudo-terminal is a terminal (util-linux script gives the child one)', (t) => {
  const script = `
    const { isTerminal } = await import(${JSON.stringify(join(repoRoot, 'src/wasi/fs/node-is-terminal.ts'))});
    console.log('answers ' + isTerminal(0) + ' ' + isTerminal(1));`;
  const command = [process.execPath, '--input-type=module', '-e', script].map((w) => `'${w.replaceAll("'", "'\\''")}'`).join(' ');
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error !== undefined && (r.error as { code?: string }).code === 'ENOENT') return t.skip('no script(1) on this machine');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /answers true true/);
});
