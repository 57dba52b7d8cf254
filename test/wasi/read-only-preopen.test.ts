// A read-only preopen (`--dir HOST:GUEST:ro`, `dirs: { G: { host, readOnly: true } }`):
// the guest reads files and lists directories in it, at any depth, and every
// write, create, remove, rename, link, truncate and set-times is refused
// with ENOTCAPABLE, leaving the host directory exactly as it was. A
// writable preopen beside it shows the same calls succeed there.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { SysError } from '../../src/internal/errno.ts';
import { OFlags } from '../../src/wasi/constants.ts';
import { E, makeHost, type TestHost } from '../helpers/host.ts';
import { tempDir } from '../helpers/paths.ts';
import { Rights as R, fdRead, fdWrite, fdstat, oneIovec, pathOpen, rightNames, setRights } from '../helpers/wasi-fs.ts';

const ALL = (1n << 30n) - 1n;
const RO = 3; // the read-only preopen
const RW = 4; // a writable one beside it
const enc = new TextEncoder();

let ro: ReturnType<typeof tempDir>;
let rw: ReturnType<typeof tempDir>;
let t: TestHost;

/** Host-side snapshot of the read-only tree: names, sizes, contents and mtimes. */
function snapshot(root: string): string {
  const lines: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p);
      lines.push(`${rel}${name} ${st.isDirectory() ? 'dir' : readFileSync(p, 'utf8')} ${st.mtimeMs}`);
      if (st.isDirectory()) walk(p, `${rel}${name}/`);
    }
  };
  walk(root, '');
  return lines.join('\n');
}

/** Writes `s` at `at` in guest memory and returns [ptr, len]. */
function str(s: string, at = 1000): [number, number] {
  const b = enc.encode(s);
  t.memory.write(at, b);
  return [at, b.length];
}

beforeEach(() => {
  ro = tempDir();
  rw = tempDir();
  writeFileSync(join(ro.path, 'file.txt'), 'data');
  mkdirSync(join(ro.path, 'sub'));
  writeFileSync(join(ro.path, 'sub', 'inner.txt'), 'inner');
  writeFileSync(join(rw.path, 'mine.txt'), 'mine');
  t = makeHost({
    preopens: [
      { host: ro.path, guest: '/ro', readOnly: true },
      { host: rw.path, guest: '/rw' },
    ],
  });
});

afterEach(async () => {
  await t.host.close();
  ro.cleanup();
  rw.cleanup();
});

test('a read-only preopen reads files, lists and stats, also in directories below it', () => {
  const f = pathOpen(t, RO, 'file.txt', { base: R.FD_READ | R.FD_SEEK | R.FD_FILESTAT_GET });
  assert.equal(f.errno, E.SUCCESS);
  assert.equal(fdRead(t, f.fd), E.SUCCESS);
  assert.equal(t.memory.getU32(2200), 4);
  assert.equal(new TextDecoder().decode(t.memory.bytes(3000, 4)), 'data');
  assert.equal(t.callSync('fd_readdir', RO, 3000, 200, 0n, 2200), E.SUCCESS);
  assert.ok(t.memory.getU32(2200) > 0);
  assert.equal(t.callSync('path_filestat_get', RO, 0, ...str('sub/inner.txt'), 3000), E.SUCCESS);
  const sub = pathOpen(t, RO, 'sub', { oflags: OFlags.DIRECTORY, base: ALL & ~R.FD_WRITE, inheriting: ALL });
  assert.equal(sub.errno, E.SUCCESS);
  const inner = pathOpen(t, sub.fd, 'inner.txt', { base: R.FD_READ });
  assert.equal(inner.errno, E.SUCCESS);
  assert.equal(fdRead(t, inner.fd), E.SUCCESS);
  assert.equal(new TextDecoder().decode(t.memory.bytes(3000, 5)), 'inner');
});

test('fd_fdstat_get shows no write right on the preopen, nor among what it hands down; none can be taken back', () => {
  const st = fdstat(t, RO);
  const writes = [
    'FD_WRITE',
    'FD_ALLOCATE',
    'FD_FILESTAT_SET_SIZE',
    'FD_FILESTAT_SET_TIMES',
    'PATH_CREATE_DIRECTORY',
    'PATH_CREATE_FILE',
    'PATH_LINK_SOURCE',
    'PATH_LINK_TARGET',
    'PATH_RENAME_SOURCE',
    'PATH_RENAME_TARGET',
    'PATH_FILESTAT_SET_SIZE',
    'PATH_FILESTAT_SET_TIMES',
    'PATH_SYMLINK',
    'PATH_REMOVE_DIRECTORY',
    'PATH_UNLINK_FILE',
  ];
  for (const name of writes) {
    assert.ok(!rightNames(st.base).includes(name), `base has ${name}`);
    assert.ok(!rightNames(st.inheriting).includes(name), `inheriting has ${name}`);
  }
  assert.ok(rightNames(st.base).includes('PATH_OPEN'));
  assert.ok(rightNames(st.inheriting).includes('FD_READ'));
  assert.equal(setRights(t, RO, ALL, ALL), E.NOTCAPABLE);
  // The writable preopen beside it has them all.
  assert.ok(rightNames(fdstat(t, RW).base).includes('PATH_CREATE_FILE'));
});

test('each kind of write is refused with ENOTCAPABLE and the host tree does not change; the writable preopen allows each', () => {
  const before = snapshot(ro.path);
  // Each case runs against a directory fd: the read-only preopen, a
  // directory opened below it, then the writable preopen (which must allow it).
  const cases: [string, (dir: number) => number][] = [
    ['create a file (O_CREAT)', (d) => pathOpen(t, d, 'new.txt', { oflags: OFlags.CREAT, base: R.FD_READ }).errno],
    ['open for writing', (d) => pathOpen(t, d, d === RW ? 'mine.txt' : 'file.txt', { base: R.FD_WRITE }).errno],
    ['open for reading and writing', (d) => pathOpen(t, d, d === RW ? 'mine.txt' : 'file.txt', { base: R.FD_READ | R.FD_WRITE }).errno],
    [
      'truncate at open (O_TRUNC)',
      (d) => pathOpen(t, d, d === RW ? 'mine.txt' : 'file.txt', { oflags: OFlags.TRUNC, base: R.FD_READ | R.FD_FILESTAT_SET_SIZE }).errno,
    ],
    ['mkdir', (d) => t.callSync('path_create_directory', d, ...str('newdir'))],
    [
      'rmdir',
      (d) => (d === RW ? t.callSync('path_remove_directory', d, ...str('newdir')) : t.callSync('path_remove_directory', d, ...str('sub'))),
    ],
    ['unlink', (d) => t.callSync('path_unlink_file', d, ...str(d === RW ? 'new.txt' : 'file.txt'))],
    ['symlink', (d) => t.callSync('path_symlink', ...str('file.txt'), d, ...str('ln', 1100))],
    ['set times by path', (d) => t.callSync('path_filestat_set_times', d, 0, ...str(d === RW ? 'mine.txt' : 'file.txt'), 0n, 0n, 2)],
    ['set times of the directory itself', (d) => t.callSync('fd_filestat_set_times', d, 0n, 0n, 2)],
    ['rename within', (d) => t.callSync('path_rename', d, ...str(d === RW ? 'mine.txt' : 'file.txt'), d, ...str('moved.txt', 1100))],
    [
      'rename out to the writable preopen',
      (d) => t.callSync('path_rename', d, ...str(d === RW ? 'moved.txt' : 'file.txt'), RW, ...str('out.txt', 1100)),
    ],
    ['rename in from the writable preopen', (d) => t.callSync('path_rename', RW, ...str('out.txt'), d, ...str('in.txt', 1100))],
    [
      'hard link out to the writable preopen',
      (d) => t.callSync('path_link', d, 0, ...str(d === RW ? 'in.txt' : 'file.txt'), RW, ...str('hl.txt', 1100)),
    ],
    ['hard link in from the writable preopen', (d) => t.callSync('path_link', RW, 0, ...str('hl.txt'), d, ...str('hl2.txt', 1100))],
  ];
  const sub = pathOpen(t, RO, 'sub', { oflags: OFlags.DIRECTORY, base: ALL & ~R.FD_WRITE, inheriting: ALL });
  assert.equal(sub.errno, E.SUCCESS);
  for (const [what, call] of cases) {
    assert.equal(call(RO), E.NOTCAPABLE, `${what} in the read-only preopen`);
    assert.equal(call(sub.fd), E.NOTCAPABLE, `${what} in a directory below it`);
    assert.equal(call(RW), E.SUCCESS, `${what} in the writable preopen`);
  }
  assert.equal(snapshot(ro.path), before);
});

test('a file opened for reading cannot be written, truncated, grown or touched', () => {
  const before = snapshot(ro.path);
  // Asking for these rights without FD_WRITE opens the file; the rights are not granted.
  const f = pathOpen(t, RO, 'file.txt', {
    base: R.FD_READ | R.FD_SEEK | R.FD_FILESTAT_SET_SIZE | R.FD_FILESTAT_SET_TIMES | R.FD_ALLOCATE,
  });
  assert.equal(f.errno, E.SUCCESS);
  assert.deepEqual(rightNames(fdstat(t, f.fd).base), ['FD_READ', 'FD_SEEK']);
  assert.equal(fdWrite(t, f.fd), E.NOTCAPABLE);
  assert.equal(t.callSync('fd_pwrite', f.fd, oneIovec(t), 1, 0n, 2200), E.NOTCAPABLE);
  assert.equal(t.callSync('fd_filestat_set_size', f.fd, 0n), E.NOTCAPABLE);
  assert.equal(t.callSync('fd_allocate', f.fd, 0n, 100n), E.NOTCAPABLE);
  assert.equal(t.callSync('fd_filestat_set_times', f.fd, 0n, 0n, 2), E.NOTCAPABLE);
  assert.equal(snapshot(ro.path), before);
});

test('binding a Unix socket in a read-only preopen is refused; connecting is not judged here', () => {
  assert.throws(
    () => t.host.unixSocketPath('/ro/app.sock', 'bind'),
    (err: unknown) => err instanceof SysError && err.errno === 'ENOTCAPABLE',
  );
  const inRw = t.host.unixSocketPath('/rw/app.sock', 'bind');
  inRw.release();
  // connect resolves the path (ENOENT: no socket there), rather than refusing it as a write
  assert.throws(
    () => t.host.unixSocketPath('/ro/app.sock', 'connect'),
    (err: unknown) => err instanceof SysError && err.errno === 'ENOENT',
  );
});

test('with / preopened read-only, the virtual /etc in front of the host /etc is read-only too', async () => {
  const root = makeHost({ preopens: [{ host: '/', guest: '/', readOnly: true }] });
  try {
    root.host.addEtc();
    const etc = 4;
    assert.equal(fdstat(root, etc).errno, E.SUCCESS);
    assert.ok(!rightNames(fdstat(root, etc).inheriting).includes('FD_WRITE'));
    root.memory.write(1000, enc.encode('hostname'));
    assert.equal(root.callSync('path_unlink_file', etc, 1000, 8), E.NOTCAPABLE);
    root.memory.write(1000, enc.encode('new.conf'));
    assert.equal(pathOpen(root, etc, 'new.conf', { oflags: OFlags.CREAT, base: R.FD_READ }).errno, E.NOTCAPABLE);
    assert.equal(pathOpen(root, etc, 'hosts', { base: R.FD_READ }).errno, E.SUCCESS);
  } finally {
    await root.host.close();
  }
});
