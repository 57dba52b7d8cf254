// Truncating needs a right to change the size: fd_filestat_set_size needs
// FD_FILESTAT_SET_SIZE on the file, and path_open with O_TRUNC needs
// PATH_FILESTAT_SET_SIZE on the directory (or a new fd granted
// FD_FILESTAT_SET_SIZE, which could truncate the file anyway). A refused
// truncation leaves the file as it was.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { OFlags } from '../../src/wasi/constants.ts';
import { E, makeHost, type TestHost } from '../helpers/host.ts';
import { tempDir } from '../helpers/paths.ts';
import { Rights as R, dropRights, fdstat, pathOpen, setRights } from '../helpers/wasi-fs.ts';

let dir: ReturnType<typeof tempDir>;
let t: TestHost;
let sub: number;
const contents = (): string => readFileSync(join(dir.path, 'file.txt'), 'utf8');

beforeEach(() => {
  dir = tempDir();
  writeFileSync(join(dir.path, 'file.txt'), 'data');
  t = makeHost({ preopens: [{ host: dir.path, guest: '/' }] });
  const st = fdstat(t, 3);
  sub = pathOpen(t, 3, '.', { oflags: OFlags.DIRECTORY, base: st.base, inheriting: st.inheriting }).fd;
  assert.ok(sub > 3);
});

afterEach(async () => {
  await t.host.close();
  dir.cleanup();
});

test('fd_filestat_set_size without FD_FILESTAT_SET_SIZE is ENOTCAPABLE and the file keeps its size', () => {
  const f = pathOpen(t, sub, 'file.txt', { base: R.FD_WRITE | R.FD_FILESTAT_SET_SIZE }).fd;
  assert.equal(dropRights(t, f, R.FD_FILESTAT_SET_SIZE), E.SUCCESS);
  assert.equal(t.callSync('fd_filestat_set_size', f, 0n), E.NOTCAPABLE);
  assert.equal(contents(), 'data');
});

test('O_TRUNC works with PATH_FILESTAT_SET_SIZE on the directory, even when asking for no rights', () => {
  assert.equal(pathOpen(t, sub, 'file.txt', { oflags: OFlags.TRUNC }).errno, E.SUCCESS);
  assert.equal(contents(), '');
});

test('O_TRUNC without PATH_FILESTAT_SET_SIZE is ENOTCAPABLE and the file is untouched', () => {
  assert.equal(dropRights(t, sub, R.PATH_FILESTAT_SET_SIZE), E.SUCCESS);
  assert.equal(pathOpen(t, sub, 'file.txt', { oflags: OFlags.TRUNC, base: R.FD_WRITE }).errno, E.NOTCAPABLE);
  assert.equal(contents(), 'data');
});

test('O_TRUNC without PATH_FILESTAT_SET_SIZE is allowed when the new fd is granted FD_FILESTAT_SET_SIZE (as Go asks)', () => {
  assert.equal(dropRights(t, sub, R.PATH_FILESTAT_SET_SIZE), E.SUCCESS);
  const o = pathOpen(t, sub, 'file.txt', { oflags: OFlags.TRUNC, base: R.FD_WRITE | R.FD_FILESTAT_SET_SIZE });
  assert.equal(o.errno, E.SUCCESS);
  assert.equal(contents(), '');
  // ...but not when the directory may not hand that right down.
  writeFileSync(join(dir.path, 'file.txt'), 'data');
  const st = fdstat(t, sub);
  assert.equal(setRights(t, sub, st.base, st.inheriting & ~R.FD_FILESTAT_SET_SIZE), E.SUCCESS);
  assert.equal(pathOpen(t, sub, 'file.txt', { oflags: OFlags.TRUNC, base: R.FD_WRITE | R.FD_FILESTAT_SET_SIZE }).errno, E.NOTCAPABLE);
  assert.equal(contents(), 'data');
});
