// Random sequences of path and file operations on a MemoryFs, from inside a
// directory the guest opened (its own sandbox boundary): nothing may throw
// but a SysError, nothing outside that directory may be read, created or
// changed, and the byte and entry accounting must always match the tree.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SysError } from '../../src/internal/errno.ts';
import { FdFlags, Filetype, OFlags, Rights, Whence } from '../../src/wasi/constants.ts';
import type { Descriptor, DirectoryOps } from '../../src/wasi/descriptor.ts';
import { MemoryFs } from '../../src/wasi/fs/memory-fs.ts';

const OUTSIDE = { 'outside/secret.txt': 'SECRET', 'top.txt': 'TOP' };
const MAX_BYTES = 1500;
const MAX_NODES = 48;

// Paths made of a few names, dot segments, an over-long name, with a
// leading or trailing slash now and then.
const component = fc.oneof(
  { arbitrary: fc.constantFrom('a', 'b', 'sub', 'f.txt', 'ln'), weight: 12 },
  { arbitrary: fc.constantFrom('..', '.', '', 'x'.repeat(256)), weight: 2 },
);
const path = fc
  .tuple(fc.nat(20), fc.array(component, { minLength: 1, maxLength: 3 }), fc.nat(5))
  .map(([abs, parts, slash]) => (abs === 0 ? '/' : '') + parts.join('/') + (slash === 0 ? '/' : ''));
// Guest data: lower-case only, so that reading "SECRET" or "TOP" can only mean an escape.
const data = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'z'), maxLength: 600 }).map((s) => new TextEncoder().encode(s));
const offset = fc.oneof(fc.bigInt({ min: 0n, max: 5000n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
const delta = fc.oneof(fc.bigInt({ min: -100n, max: 5000n }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));

const op = fc.oneof(
  fc.record({
    k: fc.constant('open' as const),
    dir: fc.nat(),
    path,
    oflags: fc.oneof(fc.constant(OFlags.CREAT), fc.nat(15)),
    follow: fc.boolean(),
    read: fc.boolean(),
    write: fc.boolean(),
    append: fc.boolean(),
  }),
  fc.record({
    k: fc.constantFrom('stat', 'lstat', 'mkdir', 'rmdir', 'unlink', 'readlink', 'times', 'subdir' as const),
    dir: fc.nat(),
    path,
  }),
  fc.record({ k: fc.constantFrom('rename', 'link', 'linkFollow' as const), dir: fc.nat(), path, to: fc.nat(), path2: path }),
  fc.record({ k: fc.constant('symlink' as const), dir: fc.nat(), target: path, path }),
  fc.record({ k: fc.constant('readdir' as const), dir: fc.nat(), cookie: fc.bigInt({ min: 0n, max: 10n }) }),
  fc.record({ k: fc.constantFrom('write', 'pwrite' as const), file: fc.nat(), data, offset }),
  fc.record({ k: fc.constantFrom('read', 'pread' as const), file: fc.nat(), size: fc.nat(700), offset }),
  fc.record({ k: fc.constant('seek' as const), file: fc.nat(), delta, whence: fc.nat(3) }),
  fc.record({ k: fc.constantFrom('setSize', 'allocate' as const), file: fc.nat(), offset, len: offset }),
  fc.record({ k: fc.constantFrom('close', 'fstat', 'sync' as const), file: fc.nat() }),
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

/** Runs `fn`; a SysError is an answer, anything else a host bug. */
function answer(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof SysError)) throw err;
  }
}

/** Checks that bytes a guest read never came from outside its directory. */
function clean(bytes: Uint8Array): void {
  const text = new TextDecoder().decode(bytes);
  assert.ok(!text.includes('SECRET') && !text.includes('TOP'), `read ${JSON.stringify(text)} from outside the sandbox`);
}

/** Bytes and entries in the tree, counted by walking it from a root preopen (each inode's bytes once). */
function census(root: Descriptor & DirectoryOps): { bytes: number; nodes: number } {
  const seen = new Set<bigint>();
  let bytes = 0;
  let nodes = 0;
  const dec = new TextDecoder();
  const stack = ['.'];
  for (let dir = stack.pop(); dir !== undefined; dir = stack.pop()) {
    const d = root.openAt({ path: dir, followSymlinks: false, oflags: OFlags.DIRECTORY, fdflags: 0, rightsBase: 0n, rightsInheriting: 0n });
    for (const e of d.readdir(0n).slice(2)) {
      nodes++;
      const p = `${dir}/${dec.decode(e.name)}`;
      const st = root.statAt(p, false);
      if (st.filetype === Filetype.DIRECTORY) stack.push(p);
      else if (!seen.has(st.ino)) {
        seen.add(st.ino);
        bytes += Number(st.size);
      }
    }
    d.close();
  }
  return { bytes, nodes };
}

test('random path and file operations only ever throw SysError, never reach outside the directory, and keep the accounts', () => {
  fc.assert(
    fc.property(fc.array(op, { minLength: 20, maxLength: 150, size: 'max' }), (ops: Op[]) => {
      const fs = new MemoryFs({ ...OUTSIDE, 'jail/f.txt': 'inside', 'jail/sub/': '' }, { maxBytes: MAX_BYTES, maxNodes: MAX_NODES });
      const root = fs.preopen('/');
      const jail = root.openAt({
        path: 'jail',
        followSymlinks: true,
        oflags: OFlags.DIRECTORY,
        fdflags: 0,
        rightsBase: 0n,
        rightsInheriting: 0n,
      });
      const dirs: (Descriptor & DirectoryOps)[] = [jail as Descriptor & DirectoryOps];
      const files: Descriptor[] = [];
      const pick = <T>(list: T[], i: number): T | undefined => (list.length === 0 ? undefined : list[i % list.length]);
      for (const o of ops) {
        if ('dir' in o) {
          const d = pick(dirs, o.dir) as Descriptor & DirectoryOps;
          switch (o.k) {
            case 'open':
              answer(() => {
                const rightsBase = (o.read ? Rights.FD_READ : 0n) | (o.write ? Rights.FD_WRITE : 0n);
                const opened = d.openAt({
                  path: o.path,
                  followSymlinks: o.follow,
                  oflags: o.oflags,
                  fdflags: o.append ? FdFlags.APPEND : 0,
                  rightsBase,
                  rightsInheriting: 0n,
                });
                if (opened.filetype === Filetype.DIRECTORY) dirs.push(opened as Descriptor & DirectoryOps);
                else files.push(opened);
              });
              break;
            case 'stat':
              answer(() => d.statAt(o.path, true));
              break;
            case 'lstat':
              answer(() => d.statAt(o.path, false));
              break;
            case 'mkdir':
              answer(() => d.mkdirAt(o.path));
              break;
            case 'rmdir':
              answer(() => d.rmdirAt(o.path));
              break;
            case 'unlink':
              answer(() => d.unlinkAt(o.path));
              break;
            case 'readlink':
              answer(() => clean(d.readlinkAt(o.path)));
              break;
            case 'times':
              answer(() => d.setTimesAt(o.path, true, { atim: 'now', mtim: 5n }));
              break;
            case 'subdir':
              // Only the preopen has subdirectory(); from the jail it would be a new scope anyway.
              break;
            case 'rename':
              answer(() => d.renameAt(o.path, pick(dirs, o.to) as DirectoryOps, o.path2));
              break;
            case 'link':
            case 'linkFollow':
              answer(() => d.linkAt(o.path, o.k === 'linkFollow', pick(dirs, o.to) as DirectoryOps, o.path2));
              break;
            case 'symlink':
              answer(() => d.symlinkAt(o.target, o.path));
              break;
            case 'readdir':
              answer(() => {
                for (const e of d.readdir(o.cookie)) clean(e.name);
              });
              break;
          }
          continue;
        }
        const f = pick(files, o.file);
        if (f === undefined) continue;
        switch (o.k) {
          case 'write':
            answer(() => f.write([o.data]));
            break;
          case 'pwrite':
            answer(() => f.pwrite([o.data], o.offset));
            break;
          case 'read':
            answer(() => {
              const buf = new Uint8Array(o.size);
              clean(buf.subarray(0, f.read([buf])));
            });
            break;
          case 'pread':
            answer(() => {
              const buf = new Uint8Array(o.size);
              clean(buf.subarray(0, f.pread([buf], o.offset)));
            });
            break;
          case 'seek':
            answer(() => f.seek(o.delta, o.whence === 3 ? Whence.END + 1 : o.whence));
            break;
          case 'setSize':
            answer(() => f.setSize(o.offset));
            break;
          case 'allocate':
            answer(() => f.allocate(o.offset, o.len));
            break;
          case 'fstat':
            answer(() => f.stat());
            break;
          case 'sync':
            answer(() => f.sync());
            break;
          case 'close':
            f.close();
            files.splice(files.indexOf(f), 1);
            break;
        }
      }
      // Outside the jail, nothing changed.
      const all = fs.files();
      assert.deepEqual(
        [...all.keys()].filter((k) => !k.startsWith('jail/')),
        ['outside/secret.txt', 'top.txt'],
      );
      assert.equal(fs.readText('outside/secret.txt'), 'SECRET');
      assert.equal(fs.readText('top.txt'), 'TOP');
      assert.deepEqual(
        root.readdir(0n).map((e) => new TextDecoder().decode(e.name)),
        ['.', '..', 'jail', 'outside', 'top.txt'],
      );
      // The accounts match the tree, and once every descriptor is closed
      // nothing is counted that the tree does not hold.
      const usage = fs.usage();
      assert.ok(usage.bytes <= MAX_BYTES && usage.nodes <= MAX_NODES, JSON.stringify(usage));
      for (const f of files) f.close();
      assert.deepEqual(census(root), { bytes: fs.usage().bytes, nodes: fs.usage().nodes });
    }),
    { numRuns: 400 },
  );
});
