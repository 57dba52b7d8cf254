// A call made on the wrong kind of descriptor fails with the errno Linux
// gives for it (not ENOTCAPABLE, which is for a right the fd could have had):
// file calls on a directory, directory calls on a file, socket calls on
// anything else.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Whence } from '../../src/wasi/constants.ts';
import { E, makeHost, type TestHost } from '../helpers/host.ts';
import { tempDir } from '../helpers/paths.ts';
import { Rights as R, fdRead, fdWrite, oneIovec, pathOpen } from '../helpers/wasi-fs.ts';

const ESPIPE = 70;
let dir: ReturnType<typeof tempDir>;
let t: TestHost;
let sub: number;
let file: number;

before(() => {
  dir = tempDir();
  mkdirSync(join(dir.path, 'sub'));
  writeFileSync(join(dir.path, 'file.txt'), 'data');
  t = makeHost({ preopens: [{ host: dir.path, guest: '/' }] });
  sub = pathOpen(t, 3, 'sub', { oflags: 2, base: (1n << 30n) - 1n - R.FD_WRITE, inheriting: (1n << 30n) - 1n }).fd;
  file = pathOpen(t, 3, 'file.txt', { base: (1n << 30n) - 1n }).fd;
  assert.ok(sub > 3 && file > 3);
});

after(async () => {
  await t.host.close();
  dir.cleanup();
});

test('reading, writing and seeking a directory is EISDIR, on the preopen and on an opened directory', () => {
  for (const fd of [3, sub]) {
    assert.equal(fdRead(t, fd), E.ISDIR, `fd_read ${fd}`);
    assert.equal(fdWrite(t, fd), E.ISDIR, `fd_write ${fd}`);
    assert.equal(t.callSync('fd_pread', fd, oneIovec(t), 1, 0n, 2200), E.ISDIR, `fd_pread ${fd}`);
    assert.equal(t.callSync('fd_pwrite', fd, oneIovec(t), 1, 0n, 2200), E.ISDIR, `fd_pwrite ${fd}`);
    for (const whence of [Whence.SET, Whence.CUR, Whence.END]) {
      assert.equal(t.callSync('fd_seek', fd, 0n, whence, 2200), E.ISDIR, `fd_seek ${fd} whence ${whence}`);
    }
    assert.equal(t.callSync('fd_tell', fd, 2200), E.ISDIR, `fd_tell ${fd}`);
  }
});

test('fd_allocate on a directory is EBADF and fd_filestat_set_size EINVAL, as fallocate(2) and ftruncate(2) answer', () => {
  for (const fd of [3, sub]) {
    assert.equal(t.callSync('fd_allocate', fd, 0n, 1n), E.BADF);
    assert.equal(t.callSync('fd_filestat_set_size', fd, 0n), E.INVAL);
  }
});

test('what a directory can do still works on it: stat, sync, flags, advice, readdir', () => {
  for (const fd of [3, sub]) {
    assert.equal(t.callSync('fd_filestat_get', fd, 2200), E.SUCCESS);
    assert.equal(t.callSync('fd_sync', fd), E.SUCCESS);
    assert.equal(t.callSync('fd_fdstat_set_flags', fd, 0), E.SUCCESS);
    assert.equal(t.callSync('fd_advise', fd, 0n, 0n, 0), E.SUCCESS);
    assert.equal(t.callSync('fd_readdir', fd, 3000, 200, 0n, 2200), E.SUCCESS);
  }
});

test('directory calls on a regular file are ENOTDIR', () => {
  const p = new TextEncoder().encode('x');
  t.memory.write(1000, p);
  assert.equal(pathOpen(t, file, 'x').errno, E.NOTDIR);
  assert.equal(t.callSync('path_create_directory', file, 1000, 1), E.NOTDIR);
  assert.equal(t.callSync('path_unlink_file', file, 1000, 1), E.NOTDIR);
  assert.equal(t.callSync('path_filestat_get', file, 0, 1000, 1, 3000), E.NOTDIR);
  assert.equal(t.callSync('fd_readdir', file, 3000, 200, 0n, 2200), E.NOTDIR);
});

test('socket calls on a file or a directory are ENOTSOCK', () => {
  for (const fd of [3, file]) {
    assert.equal(t.callSync('sock_shutdown', fd, 3), E.NOTSOCK, `sock_shutdown ${fd}`);
    assert.equal(t.call('sock_accept', fd, 0, 2200), E.NOTSOCK, `sock_accept ${fd}`);
    assert.equal(t.call('sock_recv', fd, oneIovec(t), 1, 0, 2200, 2204), E.NOTSOCK, `sock_recv ${fd}`);
    assert.equal(t.call('sock_send', fd, oneIovec(t), 1, 0, 2200), E.NOTSOCK, `sock_send ${fd}`);
  }
});

test('seeking stdio that is not a file is ESPIPE', () => {
  assert.equal(t.callSync('fd_seek', 1, 0n, Whence.SET, 2200), ESPIPE);
  assert.equal(t.callSync('fd_tell', 1, 2200), ESPIPE);
});
