import * as fs from 'node:fs';
import { SysError, toSysError } from '../../internal/errno.ts';

/** Symlink expansions allowed in one lookup before ELOOP (Linux uses 40). */
const MAX_SYMLINKS = 40;

/**
 * Linux's `O_PATH` (not in Node's `fs.constants`): a handle on a place in the
 * tree that needs only search permission and reads nothing.
 */
export const O_PATH = 0o10000000;

/**
 * Whether directories can be held as fds and their children named through
 * `/proc/self/fd/N/name` (Linux). The kernel starts such a lookup at the held
 * directory itself (a "magic link"), so no rename or symlink swap of any
 * ancestor can redirect it: this is dialtone's `openat(2)`, which Node lacks.
 */
export const ANCHORED = process.platform === 'linux' && fs.existsSync('/proc/self/fd');

/**
 * A directory held for path resolution: an `O_PATH` fd on Linux (see
 * {@link ANCHORED}), a host path elsewhere (check-then-use there, so not
 * race-free; docs/compatibility.md says so). Reference-counted, because a
 * resolution, a directory descriptor and the views made from it may share
 * one: the fd is closed only when the last holder releases it, so its number
 * can never be reused for something else while a path still names it.
 */
export class DirHandle {
  /** The held fd (Linux), or undefined. */
  readonly fd: number | undefined;
  /** A path that names this directory itself. */
  readonly self: string;
  #refs = 1;

  private constructor(fd: number | undefined, self: string) {
    this.fd = fd;
    this.self = self;
  }

  /** Holds the host directory `hostPath` (a preopen, chosen by the host: symlinks in it are followed). */
  static open(hostPath: string): DirHandle {
    if (!ANCHORED) return new DirHandle(undefined, hostPath);
    const fd = wrapFs(() => fs.openSync(hostPath, O_PATH | fs.constants.O_DIRECTORY));
    return new DirHandle(fd, `/proc/self/fd/${fd}`);
  }

  /** A path naming entry `name` of this directory (one component, never followed by the lookup before it). */
  child(name: string): string {
    return this.self === '/' ? `/${name}` : `${this.self}/${name}`;
  }

  /**
   * Holds child directory `name` without following a symlink: ENOTDIR when
   * it is a symlink or not a directory, ENOENT when it is missing.
   */
  openChild(name: string): DirHandle {
    const path = this.child(name);
    if (ANCHORED) {
      const fd = wrapFs(() => fs.openSync(path, O_PATH | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW));
      return new DirHandle(fd, `/proc/self/fd/${fd}`);
    }
    const st = wrapFs(() => fs.lstatSync(path));
    if (!st.isDirectory()) throw new SysError('ENOTDIR');
    return new DirHandle(undefined, path);
  }

  /** Where the directory is now on the host (for messages and the policy). */
  realPath(): string {
    if (this.fd === undefined) return this.self;
    return fs.readlinkSync(this.self);
  }

  retain(): this {
    this.#refs++;
    return this;
  }

  release(): void {
    if (--this.#refs === 0 && this.fd !== undefined) fs.closeSync(this.fd);
  }
}

/** Where a lookup starts, and how far it may climb. */
export interface LookupScope {
  /**
   * Held directories from the boundary (index 0) down to the directory the
   * lookup starts in. `..` never climbs above the boundary.
   */
  readonly chain: readonly DirHandle[];
  /** The boundary is a preopen: an absolute symlink target restarts there (chroot semantics). */
  readonly boundaryIsPreopen: boolean;
  /** The boundary is the host's `/`: `..` there stays there, as the kernel answers. */
  readonly boundaryIsHostRoot: boolean;
}

/** The outcome of {@link resolveGuestPath}: an entry `name` in the held directory `dir`. */
export interface Resolved {
  /** The directory holding the entry (the last of {@link chain}). */
  readonly dir: DirHandle;
  /** The entry's name in `dir`; undefined when the path names `dir` itself (".", "a/..", "d/"). */
  readonly name: string | undefined;
  /** The held directories from the boundary to `dir`. */
  readonly chain: readonly DirHandle[];
  /** Releases the held directories. Call exactly once. */
  release(): void;
}

/** How the last component is treated. */
export interface LookupMode {
  /** Expand a symlink in the last component (the entry then never is one, unless swapped since). */
  followFinal: boolean;
  /**
   * The path names an entry to create, remove or rename: its last component
   * is never followed, even with a trailing slash (as mkdir, rmdir, unlink
   * and rename treat "link/"). Without it a trailing slash expands a final
   * symlink, as lstat("link/") does.
   */
  entry?: boolean;
}

/**
 * Resolves a guest path inside a directory descriptor's scope, component by
 * component, expanding symbolic links itself and holding every directory it
 * passes through (see {@link DirHandle}), so that neither `..`, a symlink nor
 * a concurrent rename or swap can take it outside:
 * - `..` above the scope's boundary is ENOTCAPABLE (WASI: a lookup may not
 *   climb above the descriptor it starts from);
 * - an absolute symlink target restarts at a preopen boundary and is
 *   ENOTCAPABLE anywhere else;
 * - an absolute guest path is ENOTCAPABLE (WASI paths are relative).
 *
 * The last component need not exist (for create). The caller performs its
 * operation on `dir.child(name)` with a call that does not follow a final
 * symlink (lstat, O_NOFOLLOW, ...), so a swap after this returns is seen,
 * not followed.
 */
export function resolveGuestPath(scope: LookupScope, path: string, mode: LookupMode): Resolved {
  if (path.length === 0) throw new SysError('ENOENT', 'empty path');
  if (path.includes('\0')) throw new SysError('EINVAL', 'path contains NUL');
  if (path.startsWith('/')) throw new SysError('ENOTCAPABLE', `absolute path ${path}`);
  const stack = scope.chain.map((h) => h.retain());
  const release = (): void => {
    for (const h of stack) h.release();
  };
  try {
    const name = walk(scope, stack, path, mode);
    const dir = stack[stack.length - 1] as DirHandle;
    return { dir, name, chain: stack, release };
  } catch (err) {
    release();
    throw err;
  }
}

/** The walk itself: moves `stack` to the entry's directory and returns the entry's name. */
function walk(scope: LookupScope, stack: DirHandle[], path: string, mode: LookupMode): string | undefined {
  let mustBeDir = path.endsWith('/');
  // Components still to walk, last one first (so the next is at the end).
  const pending = components(path).reverse();
  let expansions = 0;
  while (pending.length > 0) {
    const part = pending.pop() as string;
    const isLast = pending.length === 0;
    if (part === '..') {
      if (stack.length === 1) {
        if (scope.boundaryIsHostRoot) continue;
        throw new SysError('ENOTCAPABLE', `${path} climbs above the directory it is resolved from`);
      }
      (stack.pop() as DirHandle).release();
      continue;
    }
    const top = stack[stack.length - 1] as DirHandle;
    if (isLast && !mode.followFinal && (!mustBeDir || mode.entry === true)) return part;
    if (!isLast || mustBeDir) {
      // Must be a directory: step into it (the common case costs one open).
      try {
        stack.push(top.openChild(part));
        continue;
      } catch (err) {
        const e = toSysError(err);
        if (e.errno === 'ENOENT' && isLast) return part;
        if (e.errno === 'ENOENT') throw new SysError('ENOENT', `${path}: ${part} does not exist`);
        if (e.errno !== 'ENOTDIR') throw e;
        // A symlink, or not a directory: look below.
      }
    }
    const st = wrapFs(() => fs.lstatSync(top.child(part), { throwIfNoEntry: false }));
    if (st === undefined) {
      if (isLast) return part;
      throw new SysError('ENOENT', `${path}: ${part} does not exist`);
    }
    const mustStep = !isLast || mustBeDir;
    if (mustStep || st.isSymbolicLink()) {
      // Each symlink expanded, and each look again after a swap, counts towards ELOOP.
      if (++expansions > MAX_SYMLINKS) throw new SysError('ELOOP', `${path}: too many symbolic links`);
    }
    if (!st.isSymbolicLink()) {
      if (!mustStep) return part;
      if (!st.isDirectory()) throw new SysError('ENOTDIR', `${path}: ${part} is not a directory`);
      // A directory after all: swapped back since openChild failed. Step into it again.
      pending.push(part);
      continue;
    }
    let target: string;
    try {
      target = fs.readlinkSync(top.child(part), 'utf8');
    } catch (err) {
      // EINVAL: no longer a symlink (swapped since the lstat): look again.
      if (toSysError(err).errno === 'EINVAL') {
        pending.push(part);
        continue;
      }
      throw toSysError(err);
    }
    if (target === '') throw new SysError('ENOENT', `${path}: ${part} is an empty symbolic link`);
    if (target.startsWith('/')) {
      if (!scope.boundaryIsPreopen) throw new SysError('ENOTCAPABLE', `${path}: ${part} points to an absolute path`);
      while (stack.length > 1) (stack.pop() as DirHandle).release();
    }
    if (isLast && target.endsWith('/')) mustBeDir = true;
    const more = components(target);
    for (let i = more.length - 1; i >= 0; i--) pending.push(more[i] as string);
  }
  return undefined;
}

/** The path's components without empty ones and ".". */
function components(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

/** Runs a host fs call, translating Node errors to SysError. */
export function wrapFs<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toSysError(err);
  }
}
