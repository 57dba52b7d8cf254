// Rights are enforced: once fd_fdstat_set_rights drops a right, every call
// that needs it fails ENOTCAPABLE, and a dropped right cannot be taken back.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { OFlags, Whence } from '../../src/wasi/constants.ts';
import { E, makeHost, type TestHost } from '../helpers/host.ts';
import { tempDir } from '../helpers/paths.ts';
import { Rights as R, dropRights, fdRead, fdWrite, fdstat, oneIovec, pathOpen, setRights } from '../helpers/wasi-fs.ts';

const ALL = (1n << 30n) - 1n;
let dir: ReturnType<typeof tempDir>;
let t: TestHost;
let file: number;

beforeEach(() => {
  dir = tempDir();
  writeFileSync(join(dir.path, 'file.txt'), 'data');
  t = makeHost({ preopens: [{ host: dir.path, guest: '/' }] });
  file = pathOpen(t, 3, 'file.txt', { base: ALL }).fd;
  assert.ok(file > 3);
});

afterEach(async () => {
  await t.host.close();
  dir.cleanup();
});

test('after FD_READ and FD_WRITE are dropped, reads and writes are ENOTCAPABLE; FD_SEEK still works', () => {
  assert.equal(fdRead(t, file), E.SUCCESS);
  assert.equal(dropRights(t, file, R.FD_READ | R.FD_WRITE), E.SUCCESS);
  assert.equal(fdRead(t, file), E.NOTCAPABLE);
  assert.equal(fdWrite(t, file), E.NOTCAPABLE);
  assert.equal(t.callSync('fd_pread', file, oneIovec(t), 1, 0n, 2200), E.NOTCAPABLE);
  assert.equal(t.callSync('fd_pwrite', file, oneIovec(t), 1, 0n, 2200), E.NOTCAPABLE);
  assert.equal(t.callSync('fd_seek', file, 0n, Whence.SET, 2200), E.SUCCESS);
});

test('a dropped right cannot be granted again', () => {
  const before = fdstat(t, file);
  assert.equal(dropRights(t, file, R.FD_READ), E.SUCCESS);
  assert.equal(setRights(t, file, before.base, before.inheriting), E.NOTCAPABLE);
  assert.equal(fdstat(t, file).base, before.base & ~R.FD_READ);
});

test('each fd_* call needs its own right', () => {
  const cases: [bigint, () => number][] = [
    [R.FD_ADVISE, () => t.callSync('fd_advise', file, 0n, 0n, 0)],
    [R.FD_ALLOCATE, () => t.callSync('fd_allocate', file, 0n, 1n)],
    [R.FD_DATASYNC, () => t.callSync('fd_datasync', file)],
    [R.FD_SYNC, () => t.callSync('fd_sync', file)],
    [R.FD_FDSTAT_SET_FLAGS, () => t.callSync('fd_fdstat_set_flags', file, 0)],
    [R.FD_FILESTAT_GET, () => t.callSync('fd_filestat_get', file, 3000)],
    [R.FD_FILESTAT_SET_SIZE, () => t.callSync('fd_filestat_set_size', file, 0n)],
    [R.FD_FILESTAT_SET_TIMES, () => t.callSync('fd_filestat_set_times', file, 0n, 0n, 2)],
    [R.FD_TELL, () => t.callSync('fd_tell', file, 2200)],
  ];
  for (const [right, call] of cases) {
    const full = fdstat(t, file).base;
    assert.equal(call(), E.SUCCESS, `with right 0x${right.toString(16)}`);
    assert.equal(dropRights(t, file, right), E.SUCCESS);
    assert.equal(call(), E.NOTCAPABLE, `without right 0x${right.toString(16)}`);
    // Rights cannot come back: reopen for the next case.
    t.callSync('fd_close', file);
    file = pathOpen(t, 3, 'file.txt', { base: full }).fd;
  }
});

test('fd_seek needs FD_SEEK, except asking for the offset (0 from CUR), which FD_TELL allows', () => {
  assert.equal(dropRights(t, file, R.FD_SEEK), E.SUCCESS);
  assert.equal(t.callSync('fd_seek', file, 0n, Whence.CUR, 2200), E.SUCCESS);
  assert.equal(t.callSync('fd_seek', file, 1n, Whence.SET, 2200), E.NOTCAPABLE);
  assert.equal(t.callSync('fd_seek', file, 0n, Whence.END, 2200), E.NOTCAPABLE);
});

test('a directory without PATH_OPEN opens nothing, without PATH_CREATE_FILE creates nothing', () => {
  const sub = pathOpen(t, 3, '.', { oflags: OFlags.DIRECTORY, base: fdstat(t, 3).base, inheriting: ALL });
  assert.equal(sub.errno, E.SUCCESS);
  assert.equal(dropRights(t, sub.fd, R.PATH_CREATE_FILE), E.SUCCESS);
  assert.equal(pathOpen(t, sub.fd, 'new.txt', { oflags: OFlags.CREAT, base: R.FD_WRITE }).errno, E.NOTCAPABLE);
  assert.equal(pathOpen(t, sub.fd, 'file.txt', { base: R.FD_READ }).errno, E.SUCCESS);
  assert.equal(dropRights(t, sub.fd, R.PATH_OPEN), E.SUCCESS);
  assert.equal(pathOpen(t, sub.fd, 'file.txt', { base: R.FD_READ }).errno, E.NOTCAPABLE);
});

test('each path_* call needs its own right on the directory (and link and rename on both)', () => {
  const enc = new TextEncoder();
  /** Writes `s` at `at` and returns [ptr, len]. */
  const str = (s: string, at = 1000): [number, number] => {
    t.memory.write(at, enc.encode(s));
    return [at, s.length];
  };
  // Each call is made first through a copy of the preopen lacking the right
  // (ENOTCAPABLE, nothing happens), then through the preopen itself (it
  // happens, and later cases build on it).
  const cases: [bigint, (fd: number) => number][] = [
    [R.PATH_CREATE_DIRECTORY, (fd) => t.callSync('path_create_directory', fd, ...str('d'))],
    [R.PATH_FILESTAT_GET, (fd) => t.callSync('path_filestat_get', fd, 0, ...str('file.txt'), 3000)],
    [R.PATH_FILESTAT_SET_TIMES, (fd) => t.callSync('path_filestat_set_times', fd, 0, ...str('file.txt'), 0n, 0n, 2)],
    [R.PATH_SYMLINK, (fd) => t.callSync('path_symlink', ...str('file.txt'), fd, ...str('ln', 1100))],
    [R.PATH_READLINK, (fd) => t.callSync('path_readlink', fd, ...str('ln'), 3000, 100, 2200)],
    [R.PATH_UNLINK_FILE, (fd) => t.callSync('path_unlink_file', fd, ...str('ln'))],
    [R.PATH_LINK_SOURCE, (fd) => t.callSync('path_link', fd, 0, ...str('file.txt'), 3, ...str('hl1', 1100))],
    [R.PATH_LINK_TARGET, (fd) => t.callSync('path_link', 3, 0, ...str('file.txt'), fd, ...str('hl2', 1100))],
    [R.PATH_RENAME_SOURCE, (fd) => t.callSync('path_rename', fd, ...str('hl1'), 3, ...str('r1', 1100))],
    [R.PATH_RENAME_TARGET, (fd) => t.callSync('path_rename', 3, ...str('hl2'), fd, ...str('r2', 1100))],
    [R.PATH_REMOVE_DIRECTORY, (fd) => t.callSync('path_remove_directory', fd, ...str('d'))],
  ];
  const full = fdstat(t, 3);
  for (const [right, call] of cases) {
    const copy = pathOpen(t, 3, '.', { oflags: OFlags.DIRECTORY, base: full.base, inheriting: full.inheriting });
    assert.equal(copy.errno, E.SUCCESS);
    assert.equal(dropRights(t, copy.fd, right), E.SUCCESS);
    assert.equal(call(copy.fd), E.NOTCAPABLE, `without right 0x${right.toString(16)}`);
    assert.equal(call(3), E.SUCCESS, `with right 0x${right.toString(16)}`);
    t.callSync('fd_close', copy.fd);
  }
});
