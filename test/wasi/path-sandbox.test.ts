import assert from 'node:assert/strict';
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { E, makeHost, type TestHost } from '../helpers/host.ts';
import { tempDir } from '../helpers/paths.ts';

// Layout: OUTSIDE/secret.txt next to ROOT (the preopen, fd 3):
//   ROOT/inside.txt, ROOT/sub/, ROOT/etc/hosts
//   ROOT/up       -> ../outside/secret.txt   (relative escape)
//   ROOT/abs      -> /etc/hosts              (absolute: taken inside ROOT)
//   ROOT/sub/back -> ../inside.txt           (relative, stays inside)
//   ROOT/loop     -> loop
let dir: ReturnType<typeof tempDir>;
let t: TestHost;
const RIGHTS = (1n << 30n) - 1n;
const enc = new TextEncoder();

before(() => {
  dir = tempDir();
  const root = join(dir.path, 'root');
  mkdirSync(join(root, 'sub'), { recursive: true });
  mkdirSync(join(root, 'etc'));
  mkdirSync(join(dir.path, 'outside'));
  writeFileSync(join(dir.path, 'outside', 'secret.txt'), 'secret');
  writeFileSync(join(root, 'inside.txt'), 'inside');
  writeFileSync(join(root, 'etc', 'hosts'), 'sandboxed hosts');
  symlinkSync('../outside/secret.txt', join(root, 'up'));
  symlinkSync('/etc/hosts', join(root, 'abs'));
  symlinkSync('../inside.txt', join(root, 'sub', 'back'));
  symlinkSync('loop', join(root, 'loop'));
  t = makeHost({ preopens: [{ host: root, guest: '/root' }] });
});

after(async () => {
  await t.host.close();
  dir.cleanup();
});

/** path_open(3, path) following symlinks; returns [errno, contents read]. */
function open(path: string, follow = true): [number, string | undefined] {
  const p = enc.encode(path);
  t.memory.write(1000, p);
  const errno = t.callSync('path_open', 3, follow ? 1 : 0, 1000, p.length, 0, RIGHTS, RIGHTS, 0, 2000);
  if (errno !== E.SUCCESS) return [errno, undefined];
  const fd = t.memory.getU32(2000);
  // one iovec {3000, 100} at 2100
  t.memory.setU32(2100, 3000);
  t.memory.setU32(2104, 100);
  const r = t.callSync('fd_read', fd, 2100, 1, 2200);
  const text = r === E.SUCCESS ? new TextDecoder().decode(t.memory.bytes(3000, t.memory.getU32(2200))) : undefined;
  t.callSync('fd_close', fd);
  return [errno, text];
}

test('a preopen is listed with its guest name at fd 3, and fd 4 ends the scan with EBADF', () => {
  assert.equal(t.callSync('fd_prestat_get', 3, 100), E.SUCCESS);
  assert.equal(t.memory.getU32(104), '/root'.length);
  assert.equal(t.callSync('fd_prestat_dir_name', 3, 200, 5), E.SUCCESS);
  assert.equal(new TextDecoder().decode(t.memory.bytes(200, 5)), '/root');
  assert.equal(t.callSync('fd_prestat_get', 4, 100), E.BADF);
});

test('files inside the preopen open normally, also through an inner relative symlink', () => {
  assert.deepEqual(open('inside.txt'), [E.SUCCESS, 'inside']);
  assert.deepEqual(open('sub/back'), [E.SUCCESS, 'inside']);
  assert.deepEqual(open('sub/../inside.txt'), [E.SUCCESS, 'inside']);
});

test('.. above the preopen is ENOTCAPABLE', () => {
  assert.equal(open('../outside/secret.txt')[0], E.NOTCAPABLE);
  assert.equal(open('sub/../../outside/secret.txt')[0], E.NOTCAPABLE);
});

test('a symlink pointing out of the preopen is ENOTCAPABLE', () => {
  assert.equal(open('up')[0], E.NOTCAPABLE);
});

test('an absolute symlink target resolves inside the preopen (chroot semantics)', () => {
  assert.deepEqual(open('abs'), [E.SUCCESS, 'sandboxed hosts']);
});

test('absolute guest paths are ENOTCAPABLE', () => {
  assert.equal(open('/etc/hosts')[0], E.NOTCAPABLE);
});

test('a symlink loop is ELOOP, and opening a symlink without following it is ELOOP', () => {
  assert.equal(open('loop')[0], E.LOOP);
  assert.equal(open('sub/back', false)[0], E.LOOP);
});

test('a missing middle component is ENOENT, a file used as a directory ENOTDIR', () => {
  assert.equal(open('nope/x')[0], E.NOENT);
  assert.equal(open('inside.txt/x')[0], E.NOTDIR);
});

test('removing "." is EINVAL and removing the preopen itself is refused', () => {
  const dot = enc.encode('.');
  t.memory.write(1000, dot);
  assert.equal(t.callSync('path_remove_directory', 3, 1000, 1), E.INVAL);
  const sub = enc.encode('sub/..');
  t.memory.write(1000, sub);
  assert.equal(t.callSync('path_remove_directory', 3, 1000, sub.length), E.NOTEMPTY);
});

/** path_open of a directory below the preopen; returns its fd. */
function openDir(path: string): number {
  const p = enc.encode(path);
  t.memory.write(1000, p);
  // Read-only rights: a directory is not opened for writing.
  assert.equal(t.callSync('path_open', 3, 1, 1000, p.length, 2, RIGHTS & ~(1n << 6n), RIGHTS, 0, 2000), E.SUCCESS);
  return t.memory.getU32(2000);
}

/** path_filestat_get(fd, path) following symlinks; the errno. */
function statAt(fd: number, path: string): number {
  const p = enc.encode(path);
  t.memory.write(1000, p);
  return t.callSync('path_filestat_get', fd, 1, 1000, p.length, 2300);
}

test('.. above a directory descriptor is ENOTCAPABLE, even where it would stay inside the preopen', () => {
  const sub = openDir('sub');
  try {
    assert.equal(statAt(sub, '../inside.txt'), E.NOTCAPABLE);
    assert.equal(statAt(sub, 'back'), E.NOTCAPABLE, 'a symlink climbing above the descriptor');
    assert.equal(statAt(sub, '.'), E.SUCCESS);
    assert.equal(statAt(3, 'sub/back'), E.SUCCESS, 'from the preopen the same symlink stays inside');
  } finally {
    t.callSync('fd_close', sub);
  }
});

test('a directory descriptor follows its directory when it is renamed', () => {
  writeFileSync(join(dir.path, 'root', 'sub', 'here.txt'), 'here');
  const sub = openDir('sub');
  try {
    renameSync(join(dir.path, 'root', 'sub'), join(dir.path, 'root', 'moved'));
    assert.equal(statAt(sub, 'here.txt'), E.SUCCESS);
  } finally {
    renameSync(join(dir.path, 'root', 'moved'), join(dir.path, 'root', 'sub'));
    t.callSync('fd_close', sub);
  }
});

test('path_symlink with an absolute target is ENOTCAPABLE outside a preopen of the host root', () => {
  const target = enc.encode('/etc/passwd');
  const link = enc.encode('abs-new');
  t.memory.write(1000, target);
  t.memory.write(1100, link);
  assert.equal(t.callSync('path_symlink', 1000, target.length, 3, 1100, link.length), E.NOTCAPABLE);
  const rel = enc.encode('inside.txt');
  t.memory.write(1000, rel);
  assert.equal(t.callSync('path_symlink', 1000, rel.length, 3, 1100, link.length), E.SUCCESS);
  assert.deepEqual(open('abs-new'), [E.SUCCESS, 'inside']);
});
