/**
 * Path lookup in a {@link MemoryTree}, with the rules of the host backend's
 * `resolveGuestPath` (src/wasi/fs/resolve.ts), so that a guest sees the same
 * answers from an in-memory directory as from a host one.
 */
import { SysError } from '../../internal/errno.ts';
import { encodeUtf8 } from '../memory.ts';
import { MAX_NAME_BYTES, type DirNode } from './memory-tree.ts';

/** Symlink expansions allowed in one lookup before ELOOP (Linux uses 40). */
export const MAX_SYMLINKS = 40;

/** Where a lookup starts, and how far it may climb. */
export interface MemoryScope {
  /** Directories from the boundary (index 0) down to the one the lookup starts in; `..` never climbs above index 0. */
  readonly chain: readonly DirNode[];
  /** The boundary is a preopen: an absolute symlink target restarts there, and is ENOTCAPABLE anywhere else. */
  readonly boundaryIsPreopen: boolean;
}

/** The outcome of {@link resolveMemoryPath}: entry `name` (which may not exist) of directory `dir`. */
export interface MemoryResolved {
  /** The directory holding the entry (the last of {@link chain}). */
  readonly dir: DirNode;
  /** The entry's name in `dir`; undefined when the path names `dir` itself (".", "a/..", "d/"). */
  readonly name: string | undefined;
  /** The directories from the boundary to `dir`, as `..` would climb back through them. */
  readonly chain: readonly DirNode[];
}

/** How the last component is treated (as in resolve.ts's `LookupMode`). */
export interface MemoryLookupMode {
  /** Expand a symlink in the last component. */
  followFinal: boolean;
  /**
   * The path names an entry to create, remove or rename: its last component
   * is never followed, even with a trailing slash.
   */
  entry?: boolean;
}

/**
 * Resolves a guest path inside a scope, component by component, expanding
 * symbolic links itself:
 * - `..` above the scope's boundary is ENOTCAPABLE;
 * - an absolute symlink target restarts at a preopen boundary and is
 *   ENOTCAPABLE anywhere else;
 * - an absolute guest path is ENOTCAPABLE (WASI paths are relative);
 * - more than {@link MAX_SYMLINKS} expansions is ELOOP, a component longer
 *   than 255 bytes ENAMETOOLONG.
 *
 * The last component need not exist (for create); the caller looks it up
 * in `dir` without following it.
 */
export function resolveMemoryPath(scope: MemoryScope, path: string, mode: MemoryLookupMode): MemoryResolved {
  if (path.length === 0) throw new SysError('ENOENT', 'empty path');
  if (path.includes('\0')) throw new SysError('EINVAL', 'path contains NUL');
  if (path.startsWith('/')) throw new SysError('ENOTCAPABLE', `absolute path ${path}`);
  const stack = [...scope.chain];
  let mustBeDir = path.endsWith('/');
  // Components still to walk, last one first (so the next is at the end).
  const pending = components(path).reverse();
  let expansions = 0;
  while (pending.length > 0) {
    const part = pending.pop() as string;
    const isLast = pending.length === 0;
    if (part === '..') {
      if (stack.length === 1) throw new SysError('ENOTCAPABLE', `${path} climbs above the directory it is resolved from`);
      stack.pop();
      continue;
    }
    if (encodeUtf8(part).length > MAX_NAME_BYTES)
      throw new SysError('ENAMETOOLONG', `${path}: a component is longer than ${MAX_NAME_BYTES} bytes`);
    const top = stack[stack.length - 1] as DirNode;
    if (isLast && !mode.followFinal && (!mustBeDir || mode.entry === true)) return done(stack, part);
    const node = top.entries.get(part);
    if (node === undefined) {
      if (isLast) return done(stack, part);
      throw new SysError('ENOENT', `${path}: ${part} does not exist`);
    }
    const mustStep = !isLast || mustBeDir;
    if (node.kind === 'dir') {
      if (!mustStep) return done(stack, part);
      stack.push(node);
      continue;
    }
    if (node.kind === 'file') {
      if (!mustStep) return done(stack, part);
      throw new SysError('ENOTDIR', `${path}: ${part} is not a directory`);
    }
    if (++expansions > MAX_SYMLINKS) throw new SysError('ELOOP', `${path}: too many symbolic links`);
    const target = node.target;
    if (target === '') throw new SysError('ENOENT', `${path}: ${part} is an empty symbolic link`);
    if (target.startsWith('/')) {
      if (!scope.boundaryIsPreopen) throw new SysError('ENOTCAPABLE', `${path}: ${part} points to an absolute path`);
      stack.length = 1;
    }
    if (isLast && target.endsWith('/')) mustBeDir = true;
    const more = components(target);
    for (let i = more.length - 1; i >= 0; i--) pending.push(more[i] as string);
  }
  return done(stack, undefined);
}

function done(stack: DirNode[], name: string | undefined): MemoryResolved {
  return { dir: stack[stack.length - 1] as DirNode, name, chain: stack };
}

/** The path's components without empty ones and ".". */
function components(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}
