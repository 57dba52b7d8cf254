// The in-memory backend answers every path operation as the host backend
// (NodeDirectory over a real directory) does: the same sequence of preview 1
// calls, run against each, must give the same errnos, kinds, sizes and link
// counts, and leave the same files behind. Inode numbers, devices, times and
// directory sizes are left out: they legitimately differ.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FdFlags, Filetype, OFlags, Whence } from '../../src/wasi/constants.ts';
import { MemoryFs } from '../../src/wasi/fs/memory-fs.ts';
import { makeHost, type TestHost } from '../helpers/host.ts';
import { hostFiles } from '../helpers/host-files.ts';
import { tempDir } from '../helpers/paths.ts';
import {
  close,
  fstat,
  link,
  mkdir,
  open,
  pread,
  read,
  readdir,
  readlink,
  rename,
  rmdir,
  seek,
  stat,
  symlink,
  unlink,
  write,
  type Stat,
} from '../helpers/wasi-calls.ts';
import { Rights as R } from '../helpers/wasi-fs.ts';

const ROOT = 3;

/** A step's observable outcome: an errno and whatever the call produced. */
type Outcome = number | (number | string | bigint)[];
type Step = [name: string, run: (t: TestHost) => Outcome];

/** What a stat shows that must match: errno, kind, size (not for directories) and link count. */
function shown(st: Stat): Outcome {
  if (st.errno !== 0) return st.errno;
  return [0, st.filetype, st.filetype === Filetype.DIRECTORY ? '-' : st.size, st.nlink];
}

/** Opens, reports the errno and the kind opened, and closes again. */
function tryOpen(t: TestHost, path: string, o: Parameters<typeof open>[3]): Outcome {
  const r = open(t, ROOT, path, o);
  if (r.errno !== 0) return r.errno;
  const kind = fstat(t, r.fd).filetype;
  const got = kind === Filetype.REGULAR_FILE ? read(t, r.fd) : undefined;
  close(t, r.fd);
  return got === undefined ? [0, kind] : [0, kind, got.errno, got.text];
}

function writeFile(t: TestHost, path: string, text: string): Outcome {
  const r = open(t, ROOT, path, { oflags: OFlags.CREAT | OFlags.TRUNC, base: R.FD_WRITE });
  if (r.errno !== 0) return r.errno;
  const w = write(t, r.fd, text);
  close(t, r.fd);
  return [w.errno, w.n];
}

// Paths every probe is tried on, covering files, directories, symlinks
// (to files, to directories, looping, dangling, escaping), trailing
// slashes, dot segments and paths that leave the preopen.
const PATHS = [
  'f',
  'f/',
  'f/x',
  'd',
  'd/',
  'd/sub',
  'd/sub/',
  'd/back',
  'd/../f',
  'd/..',
  'd/../..',
  'lf',
  'lf/',
  'ld',
  'ld/',
  'ld/g',
  'ldslash',
  'ldslash/',
  'loop',
  'loop/',
  'dangling',
  'dangling/',
  'up',
  'missing',
  'missing/',
  'missing/x',
  '../f',
  '/f',
  '.',
  './',
  'empty',
  'x'.repeat(256),
];

const SETUP: Step[] = [
  ['mkdir d', (t) => mkdir(t, ROOT, 'd')],
  ['mkdir d/sub', (t) => mkdir(t, ROOT, 'd/sub')],
  ['mkdir empty', (t) => mkdir(t, ROOT, 'empty')],
  ['write f', (t) => writeFile(t, 'f', 'hello')],
  ['write d/g', (t) => writeFile(t, 'd/g', 'gee')],
  ['symlink lf', (t) => symlink(t, 'f', ROOT, 'lf')],
  ['symlink ld', (t) => symlink(t, 'd', ROOT, 'ld')],
  ['symlink ldslash', (t) => symlink(t, 'd/', ROOT, 'ldslash')],
  ['symlink loop', (t) => symlink(t, 'loop', ROOT, 'loop')],
  ['symlink dangling', (t) => symlink(t, 'nope', ROOT, 'dangling')],
  ['symlink up', (t) => symlink(t, '../outside', ROOT, 'up')],
  ['symlink d/back', (t) => symlink(t, '../f', ROOT, 'd/back')],
  ['symlink abs', (t) => symlink(t, '/f', ROOT, 'abs')],
  ['symlink NUL', (t) => symlink(t, 'a\0b', ROOT, 'nul')],
];

/** Probes that change nothing, per path. */
const PROBES: [string, (t: TestHost, p: string) => Outcome][] = [
  ['stat', (t, p) => shown(stat(t, ROOT, p, true))],
  ['lstat', (t, p) => shown(stat(t, ROOT, p, false))],
  ['readlink', (t, p) => ((r) => (r.errno === 0 ? [0, r.target] : r.errno))(readlink(t, ROOT, p))],
  ['open', (t, p) => tryOpen(t, p, { base: R.FD_READ })],
  ['open nofollow', (t, p) => tryOpen(t, p, { base: R.FD_READ, follow: false })],
  ['open dir', (t, p) => tryOpen(t, p, { oflags: OFlags.DIRECTORY, base: R.FD_READDIR })],
  ['open dir nofollow', (t, p) => tryOpen(t, p, { oflags: OFlags.DIRECTORY, base: R.FD_READDIR, follow: false })],
  ['open for writing', (t, p) => tryOpen(t, p, { base: R.FD_READ | R.FD_WRITE })],
  ['open creat|dir', (t, p) => tryOpen(t, p, { oflags: OFlags.CREAT | OFlags.DIRECTORY, base: R.FD_READ })],
  ['set times', (t, p) => t.callSync('path_filestat_set_times', ROOT, 0, 1000, put(t, p), 1n, 2n, 1 | 4)],
];

/** Operations that may change the tree, per path, run in this order on each. */
const CHANGES: [string, (t: TestHost, p: string) => Outcome][] = [
  ['link f to it', (t, p) => link(t, ROOT, 'f', ROOT, p)],
  ['link it to nl', (t, p) => seq(link(t, ROOT, p, ROOT, 'nl'), unlink(t, ROOT, 'nl'))],
  ['link it followed to nl', (t, p) => seq(link(t, ROOT, p, ROOT, 'nl', true), unlink(t, ROOT, 'nl'))],
  ['rename it away and back', (t, p) => seq(rename(t, ROOT, p, ROOT, 'moved'), rename(t, ROOT, 'moved', ROOT, p))],
  ['rename a file over it', (t, p) => seq(writeFile(t, 'spare', 's'), rename(t, ROOT, 'spare', ROOT, p), unlink(t, ROOT, 'spare'))],
  ['rename an empty dir over it', (t, p) => seq(mkdir(t, ROOT, 'spared'), rename(t, ROOT, 'spared', ROOT, p), rmdir(t, ROOT, 'spared'))],
  ['symlink there', (t, p) => symlink(t, 'f', ROOT, p)],
  ['unlink', (t, p) => unlink(t, ROOT, p)],
  ['rmdir', (t, p) => rmdir(t, ROOT, p)],
  ['mkdir', (t, p) => mkdir(t, ROOT, p)],
  ['open creat', (t, p) => tryOpen(t, p, { oflags: OFlags.CREAT, base: R.FD_READ | R.FD_WRITE })],
  ['open creat|excl', (t, p) => tryOpen(t, p, { oflags: OFlags.CREAT | OFlags.EXCL, base: R.FD_READ | R.FD_WRITE })],
  ['open trunc', (t, p) => tryOpen(t, p, { oflags: OFlags.TRUNC, base: R.FD_READ | R.FD_WRITE })],
  ['stat after', (t, p) => shown(stat(t, ROOT, p, false))],
];

/** Directory operations with kinds that must not mix, and files opened in every mode. */
const SCENARIOS: Step[] = [
  ['mkdir a/b/c', (t) => seq(mkdir(t, ROOT, 'a'), mkdir(t, ROOT, 'a/b'), mkdir(t, ROOT, 'a/b/c'), writeFile(t, 'a/b/c/file', 'deep'))],
  ['rename a into itself', (t) => rename(t, ROOT, 'a', ROOT, 'a/b/c/a')],
  ['rename a/b over a', (t) => rename(t, ROOT, 'a/b', ROOT, 'a')],
  ['rename a over non-empty', (t) => seq(mkdir(t, ROOT, 'full'), writeFile(t, 'full/x', ''), rename(t, ROOT, 'a', ROOT, 'full'))],
  ['rename a over a file', (t) => rename(t, ROOT, 'a', ROOT, 'full/x')],
  ['rename a file over a', (t) => rename(t, ROOT, 'full/x', ROOT, 'a')],
  ['rename a file over itself', (t) => rename(t, ROOT, 'full/x', ROOT, 'full/x')],
  ['rename a/b/c to top', (t) => seq(rename(t, ROOT, 'a/b/c', ROOT, 'c'), shown(stat(t, ROOT, 'a/b')), shown(stat(t, ROOT, 'a')))],
  [
    'rename hard links of one file',
    (t) => seq(link(t, ROOT, 'c/file', ROOT, 'hl'), rename(t, ROOT, 'hl', ROOT, 'c/file'), shown(stat(t, ROOT, 'hl'))),
  ],
  [
    'append, seek, pread',
    (t) => {
      const o = open(t, ROOT, 'c/file', { base: R.FD_READ | R.FD_WRITE | R.FD_SEEK | R.FD_TELL, fdflags: FdFlags.APPEND });
      const out: Outcome = [o.errno, write(t, o.fd, '+1').n];
      out.push(seek(t, o.fd, 0n, Whence.SET).errno, write(t, o.fd, '+2').n);
      out.push(seek(t, o.fd, 0n, Whence.CUR).offset, seek(t, o.fd, -100n, Whence.END).errno, pread(t, o.fd, 100, 2n).text);
      close(t, o.fd);
      return out;
    },
  ],
  [
    'size changes',
    (t) => {
      const o = open(t, ROOT, 'c/file', { base: R.FD_READ | R.FD_WRITE | R.FD_FILESTAT_SET_SIZE | R.FD_ALLOCATE });
      const out: Outcome = [t.callSync('fd_filestat_set_size', o.fd, 3n), t.callSync('fd_filestat_set_size', o.fd, 6n)];
      out.push(t.callSync('fd_allocate', o.fd, 1n, 2n), fstat(t, o.fd).size, t.callSync('fd_allocate', o.fd, 7n, 1n), fstat(t, o.fd).size);
      close(t, o.fd);
      const ro = open(t, ROOT, 'c/file', { base: R.FD_READ | R.FD_FILESTAT_SET_SIZE });
      out.push(t.callSync('fd_filestat_set_size', ro.fd, 0n));
      close(t, ro.fd);
      return out;
    },
  ],
  [
    'unlinked while open',
    (t) => {
      const o = open(t, ROOT, 'tmp', { oflags: OFlags.CREAT, base: R.FD_READ | R.FD_WRITE | R.FD_FILESTAT_GET });
      const out: Outcome = [o.errno, unlink(t, ROOT, 'tmp'), write(t, o.fd, 'still').n, pread(t, o.fd, 10, 0n).text, fstat(t, o.fd).nlink];
      close(t, o.fd);
      return out;
    },
  ],
  [
    'removed while open',
    (t) => {
      mkdir(t, ROOT, 'gone');
      const d = open(t, ROOT, 'gone', { oflags: OFlags.DIRECTORY });
      const out: Outcome = [d.errno, rmdir(t, ROOT, 'gone'), mkdir(t, d.fd, 'x'), open(t, d.fd, 'y', { oflags: OFlags.CREAT }).errno];
      out.push(readdir(t, d.fd).errno, stat(t, d.fd, '.').nlink, stat(t, d.fd, '..').errno);
      close(t, d.fd);
      return out;
    },
  ],
  [
    'a guest-opened directory is a boundary',
    (t) => {
      const d = open(t, ROOT, 'c', { oflags: OFlags.DIRECTORY });
      const out = seq(
        d.errno,
        open(t, d.fd, '../f').errno,
        symlink(t, '../f', d.fd, 'up'),
        open(t, d.fd, 'up').errno,
        tryOpen(t, 'c/up', {}),
      );
      close(t, d.fd);
      return out;
    },
  ],
];

/** Several outcomes as one. */
function seq(...outcomes: Outcome[]): Outcome {
  return outcomes.flat();
}

function put(t: TestHost, s: string): number {
  const b = new TextEncoder().encode(s);
  t.memory.write(1000, b);
  return b.length;
}

/** Runs every step on `t`, returning the outcomes by step name. */
function runAll(t: TestHost): [string, Outcome][] {
  const out: [string, Outcome][] = [];
  for (const [name, run] of SETUP) out.push([name, run(t)]);
  for (const p of PATHS) for (const [name, run] of PROBES) out.push([`${name} ${p.slice(0, 20)}`, run(t, p)]);
  for (const [name, run] of SCENARIOS) out.push([name, run(t)]);
  for (const p of PATHS) for (const [name, run] of CHANGES) out.push([`${name} ${p.slice(0, 20)}`, run(t, p)]);
  // What the root lists in the end, without inode numbers.
  const names: string[] = [];
  for (let cookie = 0n; ;) {
    const r = readdir(t, ROOT, cookie, 200);
    if (r.entries.length === 0) break;
    for (const e of r.entries) names.push(`${e.name}:${e.filetype}`);
    cookie = (r.entries[r.entries.length - 1] as { next: bigint }).next;
  }
  out.push(['readdir', names]);
  return out;
}

test('every path operation gives the same errno and result on a MemoryFs as on a host directory', async () => {
  const dir = tempDir();
  const fs = new MemoryFs();
  const host = makeHost({ preopens: [{ host: dir.path, guest: '/data' }] });
  const mem = makeHost({ preopens: [{ dir: fs.preopen('/data'), guest: '/data' }] });
  try {
    const want = runAll(host);
    const got = runAll(mem);
    assert.equal(got.length, want.length);
    const differ = got.filter((g, i) => JSON.stringify(g, big) !== JSON.stringify(want[i], big));
    const wantByName = new Map(want);
    assert.deepEqual(
      differ.map(([name, outcome]) => `${name}: memory ${JSON.stringify(outcome, big)}, host ${JSON.stringify(wantByName.get(name), big)}`),
      [],
    );
    assert.deepEqual(fs.files(), hostFiles(dir.path));
    assert.deepEqual(mem.internalErrors, []);
    assert.deepEqual(host.internalErrors, []);
  } finally {
    await host.host.close();
    await mem.host.close();
    dir.cleanup();
  }
});

function big(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}
