// The in-memory filesystem (src/wasi/fs/memory-fs.ts) driven through the
// real preview 1 host functions, as a guest would: files, directories,
// links, symlinks, listings, limits and the sandbox.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SysError } from '../../src/internal/errno.ts';
import { FdFlags, Filetype, OFlags, Whence } from '../../src/wasi/constants.ts';
import { MemoryFs, type MemoryFiles, type MemoryFsOptions } from '../../src/wasi/fs/memory-fs.ts';
import { makeHost, type TestHost } from '../helpers/host.ts';
import {
  close,
  fstat,
  link,
  mkdir,
  open,
  pread,
  pwrite,
  read,
  readdir,
  readlink,
  rename,
  rmdir,
  seek,
  stat,
  symlink,
  tell,
  unlink,
  write,
} from '../helpers/wasi-calls.ts';
import { Rights as R } from '../helpers/wasi-fs.ts';
import { tempDir } from '../helpers/paths.ts';

/** WASI errno numbers (preview 1 spec). */
const E = {
  SUCCESS: 0,
  AFNOSUPPORT: 5,
  BADF: 8,
  BUSY: 10,
  EXIST: 20,
  FBIG: 22,
  INVAL: 28,
  ISDIR: 31,
  LOOP: 32,
  NAMETOOLONG: 37,
  NOENT: 44,
  NOSPC: 51,
  NOTDIR: 54,
  NOTEMPTY: 55,
  PERM: 63,
  XDEV: 75,
  NOTCAPABLE: 76,
} as const;

const DATA = 3; // the preopen's fd

/** A host with `fs` preopened as /data (fd 3); closed after `fn`. */
async function withFs(
  files: MemoryFiles,
  fn: (t: TestHost, fs: MemoryFs) => void | Promise<void>,
  options?: MemoryFsOptions,
): Promise<MemoryFs> {
  const fs = new MemoryFs(files, options);
  const t = makeHost({ preopens: [{ guest: '/data', dir: fs.preopen('/data') }] });
  try {
    await fn(t, fs);
    assert.deepEqual(t.internalErrors, []);
  } finally {
    await t.host.close();
  }
  return fs;
}

/** Opens `path` for reading and returns its contents (or the errno). */
function cat(t: TestHost, path: string, dir = DATA): string | number {
  const o = open(t, dir, path);
  if (o.errno !== E.SUCCESS) return o.errno;
  const r = read(t, o.fd);
  close(t, o.fd);
  return r.errno === E.SUCCESS ? r.text : r.errno;
}

test('the preopen is listed under its guest name, and two preopens of one MemoryFs share the tree', async () => {
  const fs = new MemoryFs({ 'in.txt': 'hi' });
  const t = makeHost({
    preopens: [
      { guest: '/a', dir: fs.preopen('/a') },
      { guest: '/b', dir: fs.preopen('/b') },
    ],
  });
  try {
    assert.equal(t.callSync('fd_prestat_get', 3, 100), E.SUCCESS);
    assert.equal(t.memory.getU32(104), 2);
    assert.equal(t.callSync('fd_prestat_dir_name', 4, 200, 2), E.SUCCESS);
    assert.equal(new TextDecoder().decode(t.memory.bytes(200, 2)), '/b');
    const o = open(t, 3, 'new.txt', { oflags: OFlags.CREAT });
    assert.equal(write(t, o.fd, 'shared').errno, E.SUCCESS);
    close(t, o.fd);
    assert.equal(cat(t, 'new.txt', 4), 'shared');
    assert.equal(cat(t, 'in.txt', 4), 'hi');
    assert.equal(stat(t, 3, 'new.txt').ino, stat(t, 4, 'new.txt').ino);
    assert.equal(fs.readText('new.txt'), 'shared');
  } finally {
    await t.host.close();
  }
});

test('initial files, implied directories and empty directories are there; files() and readFile() read back copies', async () => {
  const bytes = new Uint8Array([1, 2, 3]);
  const fs = await withFs({ 'a.txt': 'ä', 'dir/b.bin': bytes, 'dir/sub/c': '', 'empty/': '' }, (t) => {
    assert.equal(cat(t, 'a.txt'), 'ä');
    assert.equal(stat(t, DATA, 'dir').filetype, Filetype.DIRECTORY);
    assert.equal(stat(t, DATA, 'dir/sub').filetype, Filetype.DIRECTORY);
    assert.equal(stat(t, DATA, 'empty').filetype, Filetype.DIRECTORY);
    assert.equal(stat(t, DATA, 'dir/b.bin').size, 3n);
  });
  bytes[0] = 99; // the MemoryFs took a copy
  assert.deepEqual(
    [...fs.files()],
    [
      ['a.txt', new Uint8Array([0xc3, 0xa4])],
      ['dir/b.bin', new Uint8Array([1, 2, 3])],
      ['dir/sub/c', new Uint8Array(0)],
    ],
  );
  const copy = fs.readFile('dir/b.bin') as Uint8Array;
  copy[0] = 42;
  assert.deepEqual(fs.readFile('/dir/b.bin'), new Uint8Array([1, 2, 3]));
  assert.equal(fs.readFile('dir'), undefined);
  assert.equal(fs.readFile('missing'), undefined);
  assert.equal(fs.readFile('../a.txt'), undefined);
  assert.equal(fs.readText('a.txt'), 'ä');
});

test('files() lists in code point order (UTF-8 byte order), not UTF-16 order', () => {
  const fs = new MemoryFs({ '\u{1F600}': '', '\uFF21': '', b: '', 'a/z': '', 'a.txt': '' });
  assert.deepEqual([...fs.files().keys()], ['a.txt', 'a/z', 'b', '\uFF21', '\u{1F600}']);
});

test('the constructor rejects malformed paths, contents and options with a TypeError', () => {
  const bad: [MemoryFiles | unknown, MemoryFsOptions?][] = [
    [null],
    [['a']],
    [{ '/abs': '' }],
    [{ '': '' }],
    [{ 'a//b': '' }],
    [{ 'a/../b': '' }],
    [{ './a': '' }],
    [{ 'a\0b': '' }],
    [{ ['x'.repeat(256)]: '' }],
    [{ a: 42 }],
    [{ a: '', 'a/b': '' }],
    [{ 'a/b': '', a: '' }],
    [{}, { maxBytes: -1 }],
    [{}, { maxNodes: 1.5 }],
    [{}, { maxBytes: Number.POSITIVE_INFINITY }],
    [{ a: 'too long' }, { maxBytes: 4 }],
    [{ a: '', b: '' }, { maxNodes: 1 }],
  ];
  for (const [files, options] of bad) {
    assert.throws(() => new MemoryFs(files as MemoryFiles, options), TypeError, JSON.stringify([files, options]));
  }
  assert.throws(() => new MemoryFs().preopen(''), TypeError);
});

test('read, write, pread, pwrite, seek (SET/CUR/END) and tell move and report the position as on a host file', async () => {
  await withFs({ 'f.txt': 'hello world' }, (t) => {
    const { fd } = open(t, DATA, 'f.txt', { base: R.FD_READ | R.FD_WRITE | R.FD_SEEK | R.FD_TELL });
    assert.equal(read(t, fd, 5).text, 'hello');
    assert.deepEqual(tell(t, fd), { errno: E.SUCCESS, offset: 5n });
    assert.deepEqual(seek(t, fd, 1n, Whence.CUR), { errno: E.SUCCESS, offset: 6n });
    assert.equal(read(t, fd).text, 'world');
    assert.equal(read(t, fd).text, '', 'end of file');
    assert.deepEqual(seek(t, fd, -5n, Whence.END), { errno: E.SUCCESS, offset: 6n });
    assert.equal(write(t, fd, 'WORLD!').n, 6);
    assert.deepEqual(seek(t, fd, 0n, Whence.SET), { errno: E.SUCCESS, offset: 0n });
    assert.equal(read(t, fd).text, 'hello WORLD!');
    assert.equal(seek(t, fd, -1n, Whence.SET).errno, E.INVAL);
    assert.equal(seek(t, fd, 0n, 3).errno, E.INVAL);
    assert.deepEqual(pwrite(t, fd, 'J', 0n), { errno: E.SUCCESS, n: 1 });
    assert.deepEqual(pread(t, fd, 4, 0n), { errno: E.SUCCESS, text: 'Jell' });
    assert.deepEqual(pread(t, fd, 4, 100n), { errno: E.SUCCESS, text: '' });
    assert.deepEqual(tell(t, fd), { errno: E.SUCCESS, offset: 12n }, 'pread and pwrite leave the position alone');
    // Writing past the end leaves a hole of zeros.
    assert.equal(pwrite(t, fd, 'x', 14n).n, 1);
    assert.deepEqual(pread(t, fd, 10, 10n), { errno: E.SUCCESS, text: 'D!\0\0x' });
  });
});

test('APPEND writes at the end whatever the position; pwrite still writes where asked; the flag can be switched off', async () => {
  const fs = await withFs({ log: 'a\n' }, (t) => {
    const { fd } = open(t, DATA, 'log', { base: R.FD_READ | R.FD_WRITE | R.FD_SEEK | R.FD_FDSTAT_SET_FLAGS, fdflags: FdFlags.APPEND });
    assert.equal(t.callSync('fd_fdstat_get', fd, 2000), E.SUCCESS);
    assert.equal(t.memory.getU16(2002), FdFlags.APPEND);
    assert.equal(write(t, fd, 'b\n').n, 2);
    seek(t, fd, 0n, Whence.SET);
    assert.equal(write(t, fd, 'c\n').n, 2);
    pwrite(t, fd, 'A', 0n);
    assert.equal(t.callSync('fd_fdstat_set_flags', fd, 0), E.SUCCESS);
    seek(t, fd, 0n, Whence.SET);
    write(t, fd, 'Z');
  });
  assert.equal(fs.readText('log'), 'Z\nb\nc\n');
});

test('fd_filestat_set_size truncates and extends with zeros, fd_allocate only grows, fd_sync succeeds', async () => {
  const fs = await withFs({ f: 'abcdef' }, (t) => {
    const { fd } = open(t, DATA, 'f', {
      base: R.FD_READ | R.FD_WRITE | R.FD_FILESTAT_SET_SIZE | R.FD_ALLOCATE | R.FD_SYNC | R.FD_DATASYNC,
    });
    assert.equal(t.callSync('fd_filestat_set_size', fd, 3n), E.SUCCESS);
    assert.equal(t.callSync('fd_filestat_set_size', fd, 5n), E.SUCCESS);
    assert.equal(t.callSync('fd_allocate', fd, 0n, 2n), E.SUCCESS);
    assert.equal(stat(t, DATA, 'f').size, 5n);
    assert.equal(t.callSync('fd_allocate', fd, 4n, 3n), E.SUCCESS);
    assert.equal(stat(t, DATA, 'f').size, 7n);
    assert.equal(t.callSync('fd_sync', fd), E.SUCCESS);
    assert.equal(t.callSync('fd_datasync', fd), E.SUCCESS);
  });
  assert.deepEqual(fs.readFile('f'), new Uint8Array([0x61, 0x62, 0x63, 0, 0, 0, 0]));
});

test('a file opened without FD_WRITE cannot be truncated even with FD_FILESTAT_SET_SIZE: EINVAL, as ftruncate(2) on the host', async () => {
  const fs = await withFs({ f: 'data' }, (t) => {
    const ro = open(t, DATA, 'f', { base: R.FD_READ | R.FD_FILESTAT_SET_SIZE }).fd;
    assert.equal(t.callSync('fd_filestat_set_size', ro, 0n), E.INVAL);
    assert.equal(t.callSync('fd_allocate', ro, 0n, 10n), E.NOTCAPABLE);
    assert.equal(write(t, ro, 'x').errno, E.NOTCAPABLE);
    const wo = open(t, DATA, 'f', { base: R.FD_WRITE }).fd;
    assert.equal(read(t, wo).errno, E.NOTCAPABLE);
  });
  assert.equal(fs.readText('f'), 'data');
});

test('stat reports size, filetype, nlink, unique inodes, one device and times from the clock', async () => {
  let now = 1_000_000_000_000n;
  await withFs(
    { 'a/b': 'xyz', c: '' },
    (t) => {
      const a = stat(t, DATA, 'a');
      const b = stat(t, DATA, 'a/b');
      const c = stat(t, DATA, 'c');
      const root = stat(t, DATA, '.');
      assert.equal(a.filetype, Filetype.DIRECTORY);
      assert.equal(a.nlink, 2n);
      assert.equal(root.nlink, 3n, '2 + one subdirectory');
      assert.equal(b.filetype, Filetype.REGULAR_FILE);
      assert.equal(b.size, 3n);
      assert.equal(b.nlink, 1n);
      assert.equal(new Set([a.ino, b.ino, c.ino, root.ino]).size, 4);
      assert.equal(new Set([a.dev, b.dev, c.dev, root.dev]).size, 1);
      assert.equal(b.mtim, 1_000_000_000_000n);
      now = 2_000_000_000_000n;
      const { fd } = open(t, DATA, 'a/b', { base: R.FD_WRITE | R.FD_FILESTAT_GET });
      write(t, fd, 'X');
      const after = fstat(t, fd);
      assert.equal(after.mtim, now);
      assert.equal(after.ctim, now);
      assert.equal(after.atim, 1_000_000_000_000n);
      assert.equal(stat(t, DATA, 'a').mtim, 1_000_000_000_000n, 'writing a file leaves its directory alone');
      open(t, DATA, 'a/new', { oflags: OFlags.CREAT });
      assert.equal(stat(t, DATA, 'a').mtim, now, 'creating an entry changes the directory');
    },
    { clock: () => now },
  );
});

test('path_filestat_set_times and fd_filestat_set_times set given times or now, and leave the others alone', async () => {
  let now = 5_000n;
  await withFs(
    { f: '' },
    (t) => {
      now = 7_000n;
      // ATIM (1) with a time, MTIM_NOW (8)
      assert.equal(t.callSync('path_filestat_set_times', DATA, 1, 1000, put(t, 'f'), 123n, 0n, 1 | 8), E.SUCCESS);
      const st = stat(t, DATA, 'f');
      assert.deepEqual([st.atim, st.mtim, st.ctim], [123n, 7_000n, 7_000n]);
      const { fd } = open(t, DATA, 'f');
      now = 9_000n;
      // MTIM (4) only
      assert.equal(t.callSync('fd_filestat_set_times', fd, 0n, 456n, 4), E.SUCCESS);
      const st2 = fstat(t, fd);
      assert.deepEqual([st2.atim, st2.mtim, st2.ctim], [123n, 456n, 9_000n]);
      assert.equal(t.callSync('fd_filestat_set_times', DATA, 0n, 0n, 2), E.SUCCESS, 'a directory too');
      assert.equal(stat(t, DATA, '.').atim, 9_000n);
      assert.equal(t.callSync('path_filestat_set_times', DATA, 1, 1000, put(t, 'missing'), 0n, 0n, 2), E.NOENT);
    },
    { clock: () => now },
  );
});

function put(t: TestHost, s: string): number {
  const b = new TextEncoder().encode(s);
  t.memory.write(1000, b);
  return b.length;
}

test('path_open: CREAT, EXCL, TRUNC and DIRECTORY behave as open(2)', async () => {
  const fs = await withFs({ f: 'data', 'd/x': '' }, (t) => {
    assert.equal(open(t, DATA, 'f', { oflags: OFlags.CREAT | OFlags.EXCL }).errno, E.EXIST);
    assert.equal(open(t, DATA, 'd', { oflags: OFlags.CREAT | OFlags.EXCL }).errno, E.EXIST);
    assert.equal(open(t, DATA, 'missing').errno, E.NOENT);
    assert.equal(open(t, DATA, 'nodir/new', { oflags: OFlags.CREAT }).errno, E.NOENT, 'missing parent');
    assert.equal(open(t, DATA, 'f/x').errno, E.NOTDIR);
    assert.equal(open(t, DATA, 'f/').errno, E.NOTDIR);
    assert.equal(open(t, DATA, 'f', { oflags: OFlags.DIRECTORY }).errno, E.NOTDIR);
    assert.equal(open(t, DATA, 'missing', { oflags: OFlags.DIRECTORY }).errno, E.NOENT);
    assert.equal(open(t, DATA, 'd', { oflags: OFlags.DIRECTORY | OFlags.CREAT }).errno, E.INVAL);
    assert.equal(open(t, DATA, 'd', { base: R.FD_WRITE }).errno, E.ISDIR, 'a directory opened for writing');
    assert.equal(open(t, DATA, 'd', { base: R.FD_READ, oflags: OFlags.TRUNC }).errno, E.ISDIR);
    assert.equal(open(t, DATA, 'd', { base: R.FD_READ, oflags: OFlags.CREAT }).errno, E.ISDIR);
    assert.equal(open(t, DATA, 'new/', { oflags: OFlags.CREAT }).errno, E.ISDIR, 'O_CREAT cannot make a directory');
    const d = open(t, DATA, 'd', { base: R.FD_READ | R.PATH_OPEN });
    assert.equal(d.errno, E.SUCCESS, 'a directory opened with file rights in the request');
    assert.equal(t.callSync('fd_fdstat_get', d.fd, 2000), E.SUCCESS);
    assert.equal(t.memory.getU8(2000), Filetype.DIRECTORY);
    assert.equal(open(t, DATA, 'd/', { oflags: OFlags.DIRECTORY }).errno, E.SUCCESS);
    assert.equal(open(t, DATA, '.', { oflags: OFlags.DIRECTORY }).errno, E.SUCCESS);
    const trunc = open(t, DATA, 'f', { oflags: OFlags.TRUNC, base: R.FD_WRITE });
    assert.equal(trunc.errno, E.SUCCESS);
    assert.equal(stat(t, DATA, 'f').size, 0n);
    assert.equal(open(t, DATA, 'created', { oflags: OFlags.CREAT | OFlags.EXCL }).errno, E.SUCCESS);
  });
  assert.deepEqual([...fs.files().keys()], ['created', 'd/x', 'f']);
});

test('mkdir, rmdir and unlink answer EEXIST, ENOTEMPTY, ENOTDIR, EISDIR and ENOENT as Linux does', async () => {
  const fs = await withFs({ f: '', 'd/x': '', 'e/': '' }, (t) => {
    assert.equal(mkdir(t, DATA, 'd'), E.EXIST);
    assert.equal(mkdir(t, DATA, 'f'), E.EXIST);
    assert.equal(mkdir(t, DATA, '.'), E.EXIST);
    assert.equal(mkdir(t, DATA, 'nodir/x'), E.NOENT);
    assert.equal(mkdir(t, DATA, 'new'), E.SUCCESS);
    assert.equal(mkdir(t, DATA, 'new/deeper/'), E.SUCCESS);
    assert.equal(rmdir(t, DATA, 'd'), E.NOTEMPTY);
    assert.equal(rmdir(t, DATA, 'f'), E.NOTDIR);
    assert.equal(rmdir(t, DATA, 'missing'), E.NOENT);
    assert.equal(rmdir(t, DATA, 'e/.'), E.INVAL);
    assert.equal(rmdir(t, DATA, 'e/..'), E.NOTEMPTY);
    assert.equal(rmdir(t, DATA, 'e'), E.SUCCESS);
    assert.equal(unlink(t, DATA, 'd'), E.ISDIR);
    assert.equal(unlink(t, DATA, '.'), E.ISDIR);
    assert.equal(unlink(t, DATA, 'f/'), E.NOTDIR);
    assert.equal(unlink(t, DATA, 'missing'), E.NOENT);
    assert.equal(unlink(t, DATA, 'd/x'), E.SUCCESS);
    assert.equal(rmdir(t, DATA, 'd/'), E.SUCCESS);
    assert.equal(stat(t, DATA, 'd').errno, E.NOENT);
    assert.equal(stat(t, DATA, '.').nlink, 3n, 'only new is left');
  });
  assert.deepEqual([...fs.files().keys()], ['f']);
});

test('rename replaces a file, refuses a non-empty directory, a move into itself, and kinds that do not match', async () => {
  const fs = await withFs({ a: 'A', b: 'B', 'd/x': 'x', 'e/': '', 'f/': '' }, (t) => {
    assert.equal(rename(t, DATA, 'a', DATA, 'b'), E.SUCCESS);
    assert.equal(cat(t, 'b'), 'A');
    assert.equal(stat(t, DATA, 'a').errno, E.NOENT);
    assert.equal(rename(t, DATA, 'e', DATA, 'd'), E.NOTEMPTY);
    assert.equal(rename(t, DATA, 'd', DATA, 'd/sub'), E.INVAL);
    assert.equal(rename(t, DATA, 'd', DATA, 'd/x/y'), E.NOTDIR);
    assert.equal(rename(t, DATA, 'b', DATA, 'e'), E.ISDIR);
    assert.equal(rename(t, DATA, 'e', DATA, 'b'), E.NOTDIR);
    assert.equal(rename(t, DATA, 'b', DATA, 'c/'), E.NOTDIR);
    assert.equal(rename(t, DATA, 'missing', DATA, 'c'), E.NOENT);
    assert.equal(rename(t, DATA, '.', DATA, 'c'), E.BUSY);
    assert.equal(rename(t, DATA, 'd', DATA, 'e'), E.SUCCESS, 'a directory over an empty one');
    assert.equal(cat(t, 'e/x'), 'x');
    assert.equal(rename(t, DATA, 'e', DATA, 'f/e'), E.SUCCESS);
    assert.equal(stat(t, DATA, 'f').nlink, 3n);
    assert.equal(stat(t, DATA, '.').nlink, 3n);
    assert.equal(rename(t, DATA, 'b', DATA, 'b'), E.SUCCESS);
  });
  assert.deepEqual(
    [...fs.files()],
    [
      ['b', new Uint8Array([0x41])],
      ['f/e/x', new Uint8Array([0x78])],
    ],
  );
});

test('rename and link across two MemoryFs, or to a host directory, are EXDEV', async () => {
  const one = new MemoryFs({ a: '' });
  const two = new MemoryFs();
  const host = tempDir();
  const t = makeHost({
    preopens: [
      { guest: '/one', dir: one.preopen('/one') },
      { guest: '/two', dir: two.preopen('/two') },
      { guest: '/host', host: host.path },
    ],
  });
  try {
    assert.equal(rename(t, 3, 'a', 4, 'a'), E.XDEV);
    assert.equal(link(t, 3, 'a', 4, 'a'), E.XDEV);
    assert.equal(rename(t, 3, 'a', 5, 'a'), E.XDEV);
    assert.equal(link(t, 3, 'a', 5, 'a'), E.XDEV);
    assert.equal(rename(t, 5, 'x', 3, 'a'), E.XDEV, 'and from the host side');
  } finally {
    await t.host.close();
    host.cleanup();
  }
});

test('hard links share contents and count in nlink; the contents live until the last name and descriptor go', async () => {
  const fs = await withFs({ a: 'shared', 'd/': '' }, (t, fs) => {
    assert.equal(link(t, DATA, 'a', DATA, 'd/b'), E.SUCCESS);
    assert.equal(stat(t, DATA, 'a').nlink, 2n);
    assert.equal(stat(t, DATA, 'a').ino, stat(t, DATA, 'd/b').ino);
    const { fd } = open(t, DATA, 'd/b', { fdflags: FdFlags.APPEND });
    write(t, fd, '!');
    assert.equal(cat(t, 'a'), 'shared!');
    assert.equal(link(t, DATA, 'a', DATA, 'd/b'), E.EXIST);
    assert.equal(link(t, DATA, 'd', DATA, 'dl'), E.PERM);
    assert.equal(link(t, DATA, 'missing', DATA, 'm'), E.NOENT);
    assert.equal(link(t, DATA, 'a', DATA, '.'), E.EXIST);
    assert.equal(unlink(t, DATA, 'a'), E.SUCCESS);
    assert.equal(stat(t, DATA, 'd/b').nlink, 1n);
    assert.equal(unlink(t, DATA, 'd/b'), E.SUCCESS);
    assert.equal(fstat(t, fd).nlink, 0n);
    assert.equal(fs.usage().bytes, 7, 'an open unlinked file still counts');
    write(t, fd, '?');
    assert.deepEqual(pread(t, fd, 20, 0n), { errno: E.SUCCESS, text: 'shared!?' });
    close(t, fd);
    assert.equal(fs.usage().bytes, 0);
  });
  assert.deepEqual(fs.files(), new Map());
});

test('symlinks are created, read and followed; loops and long chains are ELOOP; not following one is ELOOP for open', async () => {
  await withFs({ 'f.txt': 'target', 'd/g': 'g' }, (t) => {
    assert.equal(symlink(t, 'f.txt', DATA, 'l'), E.SUCCESS);
    assert.equal(symlink(t, 'd/', DATA, 'ld'), E.SUCCESS);
    assert.equal(symlink(t, '../f.txt', DATA, 'd/up'), E.SUCCESS);
    assert.equal(symlink(t, 'nowhere', DATA, 'dangling'), E.SUCCESS);
    assert.equal(symlink(t, 'loop', DATA, 'loop'), E.SUCCESS);
    assert.deepEqual(readlink(t, DATA, 'l'), { errno: E.SUCCESS, target: 'f.txt' });
    assert.equal(readlink(t, DATA, 'f.txt').errno, E.INVAL);
    assert.equal(readlink(t, DATA, '.').errno, E.INVAL);
    assert.equal(readlink(t, DATA, 'missing').errno, E.NOENT);
    assert.equal(cat(t, 'l'), 'target');
    assert.equal(cat(t, 'ld/g'), 'g');
    assert.equal(cat(t, 'd/up'), 'target');
    assert.equal(stat(t, DATA, 'l', false).filetype, Filetype.SYMBOLIC_LINK);
    assert.equal(stat(t, DATA, 'l', false).size, 5n);
    assert.equal(stat(t, DATA, 'l', true).filetype, Filetype.REGULAR_FILE);
    assert.equal(stat(t, DATA, 'ld/', false).filetype, Filetype.DIRECTORY, 'a trailing slash follows');
    assert.equal(open(t, DATA, 'l', { follow: false }).errno, E.LOOP);
    assert.equal(open(t, DATA, 'l', { follow: false, oflags: OFlags.DIRECTORY }).errno, E.NOTDIR);
    assert.equal(open(t, DATA, 'loop').errno, E.LOOP);
    assert.equal(stat(t, DATA, 'loop/x').errno, E.LOOP);
    assert.equal(open(t, DATA, 'dangling').errno, E.NOENT);
    assert.equal(open(t, DATA, 'dangling', { oflags: OFlags.CREAT | OFlags.EXCL }).errno, E.EXIST);
    assert.equal(open(t, DATA, 'dangling', { oflags: OFlags.CREAT }).errno, E.SUCCESS);
    assert.equal(stat(t, DATA, 'nowhere').filetype, Filetype.REGULAR_FILE, 'created through the dangling link');
    assert.equal(symlink(t, 'x', DATA, 'l'), E.EXIST);
    assert.equal(symlink(t, 'x', DATA, 'new/'), E.NOENT);
    assert.equal(symlink(t, '', DATA, 'empty'), E.NOENT);
    assert.equal(symlink(t, 'x', DATA, '.'), E.EXIST);
    // 40 expansions resolve, 41 do not.
    symlink(t, 'f.txt', DATA, 'c1');
    for (let i = 2; i <= 41; i++) symlink(t, `c${i - 1}`, DATA, `c${i}`);
    assert.equal(cat(t, 'c40'), 'target');
    assert.equal(cat(t, 'c41'), E.LOOP);
    // Removing a symlink removes the link, not its target.
    assert.equal(unlink(t, DATA, 'ld'), E.SUCCESS);
    assert.equal(stat(t, DATA, 'd').filetype, Filetype.DIRECTORY);
    assert.equal(unlink(t, DATA, 'l/'), E.NOTDIR);
    assert.equal(rmdir(t, DATA, 'l'), E.NOTDIR);
  });
});

test('nothing leaves the preopen: .., absolute paths and symlinks pointing out are ENOTCAPABLE', async () => {
  await withFs({ 'f.txt': 'x', 'd/g': '' }, (t) => {
    assert.equal(open(t, DATA, '../f.txt').errno, E.NOTCAPABLE);
    assert.equal(open(t, DATA, 'd/../../f.txt').errno, E.NOTCAPABLE);
    assert.equal(open(t, DATA, '/f.txt').errno, E.NOTCAPABLE);
    assert.equal(cat(t, 'd/../f.txt'), 'x', '.. inside the preopen is fine');
    assert.equal(symlink(t, '/f.txt', DATA, 'abs'), E.NOTCAPABLE, 'absolute targets are refused, as on the host backend');
    assert.equal(symlink(t, '../../etc/passwd', DATA, 'd/out'), E.SUCCESS, 'creating a link is fine...');
    assert.equal(open(t, DATA, 'd/out').errno, E.NOTCAPABLE, '...following it out is not');
    assert.equal(mkdir(t, DATA, '../x'), E.NOTCAPABLE);
    assert.equal(rename(t, DATA, 'f.txt', DATA, '../f.txt'), E.NOTCAPABLE);
    // A directory the guest opens is a boundary of its own.
    const d = open(t, DATA, 'd', { oflags: OFlags.DIRECTORY });
    assert.equal(cat(t, 'g', d.fd), '');
    assert.equal(open(t, d.fd, '../f.txt').errno, E.NOTCAPABLE);
    assert.equal(symlink(t, '../f.txt', d.fd, 'up'), E.SUCCESS);
    assert.equal(open(t, d.fd, 'up').errno, E.NOTCAPABLE);
    assert.equal(cat(t, 'd/up'), 'x', 'the same link from the preopen stays inside it');
  });
});

test('a path component over 255 bytes is ENAMETOOLONG, and so is any path from the root of 4096 bytes or more', async () => {
  await withFs({}, (t) => {
    assert.equal(open(t, DATA, 'x'.repeat(256), { oflags: OFlags.CREAT }).errno, E.NAMETOOLONG);
    assert.equal(mkdir(t, DATA, 'x'.repeat(255)), E.SUCCESS);
    // Nest 200-byte names through directory fds until the path from the root would pass 4095 bytes.
    let fd = DATA;
    let depth = 0;
    let failed = false;
    for (; depth < 100; depth++) {
      const r = mkdir(t, fd, 'y'.repeat(200));
      if (r !== E.SUCCESS) {
        assert.equal(r, E.NAMETOOLONG);
        failed = true;
        break;
      }
      fd = open(t, fd, 'y'.repeat(200), { oflags: OFlags.DIRECTORY }).fd;
    }
    assert.ok(failed, 'mkdir still succeeding 100 levels deep');
    assert.equal(depth, 20, '20 × 201 bytes fit in 4095, 21 do not');
  });
});

test('fd_readdir lists ".", "..", then the names in byte order, with cookies that resume the listing', async () => {
  await withFs({ b: '', a: '', 'c/x': '' }, (t) => {
    symlink(t, 'a', DATA, 'l');
    const all = readdir(t, DATA);
    assert.equal(all.errno, E.SUCCESS);
    assert.deepEqual(
      all.entries.map((e) => [e.name, e.filetype, e.next]),
      [
        ['.', Filetype.DIRECTORY, 1n],
        ['..', Filetype.DIRECTORY, 2n],
        ['a', Filetype.REGULAR_FILE, 3n],
        ['b', Filetype.REGULAR_FILE, 4n],
        ['c', Filetype.DIRECTORY, 5n],
        ['l', Filetype.SYMBOLIC_LINK, 6n],
      ],
    );
    assert.equal(all.entries[0]?.ino, stat(t, DATA, '.').ino);
    assert.equal(all.entries[2]?.ino, stat(t, DATA, 'a').ino);
    const rest = readdir(t, DATA, 3n);
    assert.deepEqual(
      rest.entries.map((e) => e.name),
      ['b', 'c', 'l'],
    );
    // A buffer too small for everything is filled to the brim (the last record cut short).
    const small = readdir(t, DATA, 0n, 60);
    assert.equal(small.used, 60);
    const c = open(t, DATA, 'c', { oflags: OFlags.DIRECTORY });
    const sub = readdir(t, c.fd);
    assert.deepEqual(
      sub.entries.map((e) => [e.name, e.ino]),
      [
        ['.', stat(t, DATA, 'c').ino],
        ['..', stat(t, DATA, '.').ino],
        ['x', stat(t, DATA, 'c/x').ino],
      ],
    );
    assert.equal(readdir(t, DATA, 1000n).entries.length, 0);
  });
});

test('a directory removed while open is empty for good: creating in it is ENOENT, listing it shows "." and ".."', async () => {
  await withFs({ 'd/': '' }, (t) => {
    const d = open(t, DATA, 'd', { oflags: OFlags.DIRECTORY });
    assert.equal(rmdir(t, DATA, 'd'), E.SUCCESS);
    assert.equal(open(t, d.fd, 'x', { oflags: OFlags.CREAT }).errno, E.NOENT);
    assert.equal(mkdir(t, d.fd, 'x'), E.NOENT);
    assert.deepEqual(
      readdir(t, d.fd).entries.map((e) => e.name),
      ['.', '..'],
    );
    assert.equal(stat(t, d.fd, '.').nlink, 0n);
    assert.equal(rename(t, DATA, '.', d.fd, 'x'), E.BUSY);
  });
});

test('maxBytes: a write that would pass it is cut short, then ENOSPC; a size past it is EFBIG; freeing makes room', async () => {
  const fs = await withFs(
    { seed: '12345' },
    (t, fs) => {
      const { fd } = open(t, DATA, 'f', { oflags: OFlags.CREAT, base: R.FD_WRITE | R.FD_SEEK | R.FD_FILESTAT_SET_SIZE | R.FD_ALLOCATE });
      assert.deepEqual(write(t, fd, 'abcdefghij'), { errno: E.SUCCESS, n: 10 });
      assert.deepEqual(write(t, fd, 'klmnopqrst'), { errno: E.SUCCESS, n: 5 }, 'cut short at 20 bytes in all');
      assert.equal(write(t, fd, 'x').errno, E.NOSPC);
      assert.equal(pwrite(t, fd, 'ABC', 0n).n, 3, 'overwriting needs no room');
      assert.equal(pwrite(t, fd, 'x', 20n).errno, E.FBIG, 'no file can reach offset 20');
      assert.equal(t.callSync('fd_filestat_set_size', fd, 21n), E.FBIG);
      assert.equal(t.callSync('fd_filestat_set_size', fd, 16n), E.NOSPC);
      assert.equal(t.callSync('fd_allocate', fd, 10n, 10n), E.NOSPC);
      assert.equal(symlink(t, 'x', DATA, 'l'), E.NOSPC, 'symlink targets count');
      assert.equal(unlink(t, DATA, 'seed'), E.SUCCESS);
      assert.equal(write(t, fd, 'uvwxyz').n, 5);
      assert.deepEqual(fs.usage(), { bytes: 20, nodes: 1, maxBytes: 20, maxNodes: 65536 });
    },
    { maxBytes: 20 },
  );
  assert.equal(fs.readText('f'), 'ABCdefghijklmnouvwxy');
});

test('maxNodes: creating entries past it is ENOSPC; removing some makes room', async () => {
  await withFs(
    { a: '' },
    (t) => {
      assert.equal(mkdir(t, DATA, 'b'), E.SUCCESS);
      assert.equal(symlink(t, 'a', DATA, 'c'), E.SUCCESS);
      assert.equal(open(t, DATA, 'd', { oflags: OFlags.CREAT }).errno, E.NOSPC);
      assert.equal(mkdir(t, DATA, 'd'), E.NOSPC);
      assert.equal(link(t, DATA, 'a', DATA, 'd'), E.NOSPC);
      assert.equal(rename(t, DATA, 'a', DATA, 'b/a'), E.SUCCESS, 'a rename takes no new entry');
      assert.equal(unlink(t, DATA, 'c'), E.SUCCESS);
      assert.equal(open(t, DATA, 'd', { oflags: OFlags.CREAT }).errno, E.SUCCESS);
    },
    { maxNodes: 3 },
  );
});

test('directory descriptors: poll is always ready, Unix socket paths are EAFNOSUPPORT, subdirectory resolves inside', () => {
  const fs = new MemoryFs({ 'etc/hosts': '127.0.0.1 x\n', 'etc/link': '' });
  const root = fs.preopen('/');
  assert.equal(root.poll('read').ready, true);
  assert.throws(
    () => root.unixSocketPath('sock', 'bind'),
    (e: unknown) => e instanceof SysError && e.errno === 'EAFNOSUPPORT' && /host filesystem/.test(e.message),
  );
  const etc = root.subdirectory('etc');
  assert.equal(etc.preopenName(), undefined);
  assert.equal(etc.statAt('hosts', true).size, 12n);
  assert.equal(etc.statAt('../etc/hosts', true).size, 12n, 'a subdirectory climbs within the preopen');
  assert.throws(
    () => root.subdirectory('etc/hosts'),
    (e: unknown) => e instanceof SysError && e.errno === 'ENOTDIR',
  );
  assert.throws(
    () => root.subdirectory('nope'),
    (e: unknown) => e instanceof SysError && e.errno === 'ENOENT',
  );
});
