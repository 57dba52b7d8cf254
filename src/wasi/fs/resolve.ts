import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { SysError } from '../../internal/errno.ts';

/** Symlink expansions allowed in one lookup before ELOOP (Linux uses 40). */
const MAX_SYMLINKS = 40;

/**
 * Resolves a guest path, relative to a directory descriptor, to a host path
 * that is guaranteed to lie inside the preopen's `root`.
 *
 * The walk is done component by component on the host, expanding symbolic
 * links itself, so neither `..` nor a symlink can leave the sandbox:
 * - `..` above the root is ENOTCAPABLE, as in capability-based hosts;
 * - an absolute symlink target is taken relative to the root (chroot
 *   semantics: with `/` preopened, as `go test` does, that is the native
 *   answer, and elsewhere it keeps the guest inside);
 * - an absolute guest path is ENOTCAPABLE (WASI paths are relative).
 *
 * `base` is the directory's own position below `root`, as components.
 * With `followFinal`, a symlink in the last component is expanded too.
 * Without it, a trailing slash still expands a final symlink (as lstat("link/")
 * does), unless `entry` is set: then the path names a directory entry to
 * create, remove or rename, and its last component is never followed (as
 * mkdir, rmdir, unlink and rename treat "link/").
 * The last component need not exist (for create).
 */
export function resolveGuestPath(root: string, base: readonly string[], path: string, followFinal: boolean, entry = false): string {
  if (path.length === 0) throw new SysError('ENOENT', 'empty path');
  if (path.includes('\0')) throw new SysError('EINVAL', 'path contains NUL');
  if (path.startsWith('/')) throw new SysError('ENOTCAPABLE', `absolute path ${path}`);
  const mustBeDir = path.endsWith('/');
  const stack = [...base];
  let pending = path.split('/').reverse();
  let expansions = 0;
  while (pending.length > 0) {
    const part = pending.pop() as string;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (stack.length === 0) {
        // Above "/" is "/" itself, as the kernel answers; above any other preopen is outside the sandbox.
        if (root === '/') continue;
        throw new SysError('ENOTCAPABLE', `${path} leaves its preopened directory`);
      }
      stack.pop();
      continue;
    }
    const isLast = pending.every((p) => p === '' || p === '.');
    stack.push(part);
    if (isLast && !followFinal && (!mustBeDir || entry)) break;
    const host = join(root, ...stack);
    let st;
    try {
      st = lstatSync(host, { throwIfNoEntry: false });
    } catch (err) {
      // ENOTDIR when a middle component is a file; ENAMETOOLONG, EACCES, ...
      throw toResolveError(err);
    }
    if (st === undefined) {
      if (isLast) break;
      throw new SysError('ENOENT', `${path}: ${stack.join('/')} does not exist`);
    }
    if (st.isSymbolicLink()) {
      if (++expansions > MAX_SYMLINKS) throw new SysError('ELOOP', `${path}: too many symbolic links`);
      stack.pop();
      const target = readlinkSync(host, 'utf8');
      if (target.startsWith('/')) stack.length = 0;
      pending = pending.concat(target.split('/').reverse());
      continue;
    }
    if (!isLast && !st.isDirectory()) throw new SysError('ENOTDIR', `${path}: ${stack.join('/')} is not a directory`);
    if (isLast && mustBeDir && !st.isDirectory()) throw new SysError('ENOTDIR', `${path} is not a directory`);
  }
  return stack.length === 0 ? root : join(root, ...stack);
}

function toResolveError(err: unknown): SysError {
  const code = (err as { code?: string }).code;
  if (code === 'ENOTDIR' || code === 'ENAMETOOLONG' || code === 'EACCES' || code === 'ELOOP') return new SysError(code);
  return new SysError('EIO', String(err));
}
