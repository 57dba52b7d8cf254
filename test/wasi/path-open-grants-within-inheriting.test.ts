// path_open grants the rights asked for, narrowed to what the opened kind
// can have and to what the directory may hand down (its inheriting rights).
// A directory asked for with file rights opens (they simply do not apply);
// only FD_WRITE makes it EISDIR, as open(2) with O_RDWR does.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Filetype, OFlags } from '../../src/wasi/constants.ts';
import { E, makeHost, type TestHost } from '../helpers/host.ts';
import { tempDir } from '../helpers/paths.ts';
import { Rights as R, fdRead, fdstat, pathOpen, rightNames, setRights } from '../helpers/wasi-fs.ts';

const ALL = (1n << 30n) - 1n;
let dir: ReturnType<typeof tempDir>;
let t: TestHost;

before(() => {
  dir = tempDir();
  mkdirSync(join(dir.path, 'sub'));
  writeFileSync(join(dir.path, 'sub', 'file.txt'), 'data');
  t = makeHost({ preopens: [{ host: dir.path, guest: '/' }] });
});

after(async () => {
  await t.host.close();
  dir.cleanup();
});

test('a directory opened with file rights (FD_SEEK, FD_READ) opens, and reports no file rights', () => {
  const o = pathOpen(t, 3, 'sub', { oflags: OFlags.DIRECTORY, base: R.FD_SEEK | R.FD_READ | R.FD_READDIR });
  assert.equal(o.errno, E.SUCCESS);
  const st = fdstat(t, o.fd);
  assert.equal(st.filetype, Filetype.DIRECTORY);
  assert.deepEqual(rightNames(st.base), ['FD_READDIR']);
  assert.equal(t.callSync('fd_seek', o.fd, 0n, 1, 2200), E.ISDIR);
  t.callSync('fd_close', o.fd);
});

test('a directory opened with FD_WRITE is EISDIR', () => {
  assert.equal(pathOpen(t, 3, 'sub', { oflags: OFlags.DIRECTORY, base: R.FD_READ | R.FD_WRITE }).errno, E.ISDIR);
  assert.equal(pathOpen(t, 3, 'sub', { base: R.FD_WRITE }).errno, E.ISDIR);
});

test('what a directory may not hand down, a file opened from it does not get', () => {
  const d = pathOpen(t, 3, 'sub', { oflags: OFlags.DIRECTORY, base: fdstat(t, 3).base, inheriting: ALL });
  assert.equal(d.errno, E.SUCCESS);
  const st = fdstat(t, d.fd);
  assert.equal(setRights(t, d.fd, st.base, st.inheriting & ~R.FD_READ), E.SUCCESS);
  const f = pathOpen(t, d.fd, 'file.txt', { base: R.FD_READ | R.FD_SEEK });
  assert.equal(f.errno, E.SUCCESS);
  assert.deepEqual(rightNames(fdstat(t, f.fd).base), ['FD_SEEK']);
  assert.equal(fdRead(t, f.fd), E.NOTCAPABLE);
  t.callSync('fd_close', f.fd);
  t.callSync('fd_close', d.fd);
});

test('a directory opened below another inherits at most its inheriting rights, for its own calls and to hand down', () => {
  const d = pathOpen(t, 3, 'sub', {
    oflags: OFlags.DIRECTORY,
    base: R.PATH_OPEN | R.FD_READDIR,
    inheriting: R.PATH_OPEN | R.FD_READ,
  });
  assert.equal(d.errno, E.SUCCESS);
  const st = fdstat(t, d.fd);
  assert.deepEqual(rightNames(st.base), ['PATH_OPEN', 'FD_READDIR']);
  assert.deepEqual(rightNames(st.inheriting), ['FD_READ', 'PATH_OPEN']);
  // It cannot stat a path: PATH_FILESTAT_GET was not asked for.
  t.memory.write(1000, new TextEncoder().encode('file.txt'));
  assert.equal(t.callSync('path_filestat_get', d.fd, 0, 1000, 8, 3000), E.NOTCAPABLE);
  t.callSync('fd_close', d.fd);
});
