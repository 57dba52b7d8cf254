// fd_fdstat_get reports, for each kind of descriptor, the rights that kind
// can have (as wasmtime and wazero do), and those rights can be asked for
// again: reopening "." with what the preopen reports must work, which
// wasi-libc and the Rust standard library do at start-up.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Filetype, OFlags } from '../../src/wasi/constants.ts';
import { preopenSockets } from '../../src/wasi/sockets/preopened.ts';
import { E, makeHost, type TestHost } from '../helpers/host.ts';
import { tempDir } from '../helpers/paths.ts';
import { Rights as R, fdstat, pathOpen, rightNames } from '../helpers/wasi-fs.ts';

let dir: ReturnType<typeof tempDir>;
let t: TestHost;
/** fd of the preopened listening socket (after the directory at 3). */
const SOCKET_FD = 5;
/** fd of the preopened host /dev. */
const DEV_FD = 4;

/** What wasi-libc and Rust expect of every directory (wasi-testsuite's path_open_preopen). */
const USERLAND_DIR_BASE =
  R.PATH_CREATE_DIRECTORY |
  R.PATH_CREATE_FILE |
  R.PATH_LINK_SOURCE |
  R.PATH_LINK_TARGET |
  R.PATH_OPEN |
  R.FD_READDIR |
  R.PATH_READLINK |
  R.PATH_RENAME_SOURCE |
  R.PATH_RENAME_TARGET |
  R.PATH_SYMLINK |
  R.PATH_REMOVE_DIRECTORY |
  R.PATH_UNLINK_FILE |
  R.PATH_FILESTAT_GET |
  R.PATH_FILESTAT_SET_TIMES |
  R.FD_FILESTAT_GET |
  R.FD_FILESTAT_SET_TIMES;
const FILE_IO =
  R.FD_DATASYNC |
  R.FD_READ |
  R.FD_SEEK |
  R.FD_FDSTAT_SET_FLAGS |
  R.FD_SYNC |
  R.FD_TELL |
  R.FD_WRITE |
  R.FD_ADVISE |
  R.FD_ALLOCATE |
  R.FD_FILESTAT_GET |
  R.FD_FILESTAT_SET_SIZE |
  R.FD_FILESTAT_SET_TIMES |
  R.POLL_FD_READWRITE;
const ALL = (1n << 30n) - 1n;

before(async () => {
  dir = tempDir();
  mkdirSync(join(dir.path, 'sub'));
  writeFileSync(join(dir.path, 'file.txt'), 'data');
  execFileSync('mkfifo', [join(dir.path, 'fifo')]);
  t = makeHost({
    preopens: [
      { host: dir.path, guest: '/' },
      { host: '/dev', guest: '/dev' },
    ],
  });
  await preopenSockets(t.host, ['127.0.0.1:0'], []);
});

after(async () => {
  await t.host.close();
  dir.cleanup();
});

function hasAll(have: bigint, want: bigint, what: string): void {
  assert.deepEqual(rightNames(want & ~have), [], `${what} lacks rights`);
}
function hasNone(have: bigint, unwanted: bigint, what: string): void {
  assert.deepEqual(rightNames(have & unwanted), [], `${what} has rights it cannot use`);
}

test('a preopened directory reports directory rights, never FD_READ, FD_WRITE, FD_SEEK or FD_FILESTAT_SET_SIZE', () => {
  const st = fdstat(t, 3);
  assert.equal(st.errno, E.SUCCESS);
  assert.equal(st.filetype, Filetype.DIRECTORY);
  hasAll(st.base, USERLAND_DIR_BASE, 'preopen base');
  hasNone(
    st.base,
    R.FD_READ | R.FD_WRITE | R.FD_SEEK | R.FD_TELL | R.FD_FILESTAT_SET_SIZE | R.SOCK_ACCEPT | R.SOCK_SHUTDOWN,
    'preopen base',
  );
  // It hands down what files and directories below it can have.
  hasAll(st.inheriting, USERLAND_DIR_BASE | FILE_IO, 'preopen inheriting');
});

test('reopening "." with the rights the preopen reports succeeds, with and without O_DIRECTORY', () => {
  const st = fdstat(t, 3);
  for (const oflags of [0, OFlags.DIRECTORY]) {
    const o = pathOpen(t, 3, '.', { oflags, base: st.base, inheriting: st.inheriting });
    assert.equal(o.errno, E.SUCCESS, `oflags ${oflags}`);
    const again = fdstat(t, o.fd);
    assert.equal(again.filetype, Filetype.DIRECTORY);
    assert.equal(again.base, st.base);
    assert.equal(again.inheriting, st.inheriting);
    assert.equal(t.callSync('fd_close', o.fd), E.SUCCESS);
  }
});

test('a regular file reports file rights (what it was opened with, within them) and hands nothing down', () => {
  const o = pathOpen(t, 3, 'file.txt', { base: ALL, inheriting: ALL });
  assert.equal(o.errno, E.SUCCESS);
  const st = fdstat(t, o.fd);
  assert.equal(st.filetype, Filetype.REGULAR_FILE);
  assert.equal(st.base, FILE_IO, `got ${rightNames(st.base).join(' ')}`);
  assert.equal(st.inheriting, 0n);
  t.callSync('fd_close', o.fd);
});

test('stdio that is not a terminal reports file rights, FD_SEEK and FD_TELL included (so isatty says no)', () => {
  for (const fd of [0, 1, 2]) {
    const st = fdstat(t, fd);
    assert.equal(st.errno, E.SUCCESS);
    assert.equal(st.filetype, Filetype.CHARACTER_DEVICE);
    assert.equal(st.base, FILE_IO, `fd ${fd}: ${rightNames(st.base).join(' ')}`);
    assert.equal(st.inheriting, 0n);
  }
});

test('a FIFO reports stream rights: read, write, flags, stat, poll; no seek, no path calls', () => {
  const o = pathOpen(t, 3, 'fifo', { base: R.FD_READ | R.FD_SEEK | R.FD_TELL | R.PATH_OPEN, fdflags: 4 });
  assert.equal(o.errno, E.SUCCESS);
  const st = fdstat(t, o.fd);
  assert.equal(st.base, R.FD_READ, `got ${rightNames(st.base).join(' ')}`);
  t.callSync('fd_close', o.fd);
});

test('a socket reports socket rights: read, write, flags, stat, poll, accept, shutdown', () => {
  const st = fdstat(t, SOCKET_FD);
  assert.equal(st.filetype, Filetype.SOCKET_STREAM);
  assert.equal(
    st.base,
    R.FD_READ | R.FD_WRITE | R.FD_FDSTAT_SET_FLAGS | R.FD_FILESTAT_GET | R.POLL_FD_READWRITE | R.SOCK_SHUTDOWN | R.SOCK_ACCEPT,
    `got ${rightNames(st.base).join(' ')}`,
  );
  assert.equal(st.inheriting, 0n);
});

test('a character device that is no terminal (/dev/null) keeps FD_SEEK and FD_TELL, so isatty says no', () => {
  const o = pathOpen(t, DEV_FD, 'null', { base: ALL });
  assert.equal(o.errno, E.SUCCESS);
  const st = fdstat(t, o.fd);
  assert.equal(st.filetype, Filetype.CHARACTER_DEVICE);
  assert.equal(st.base, FILE_IO, `got ${rightNames(st.base).join(' ')}`);
  t.callSync('fd_close', o.fd);
});
