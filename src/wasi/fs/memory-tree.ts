/**
 * The store behind `MemoryFs`: inodes (files, directories, symbolic
 * links) and every change made to them, with the accounting that keeps a
 * guest inside its byte and entry budgets. No `node:*`, no `Buffer`: this
 * runs in browsers.
 */
import { SysError } from '../../internal/errno.ts';
import { Filetype } from '../constants.ts';
import type { Filestat, SetTimes } from '../descriptor.ts';
import { MAX_PATH_BYTES } from '../limits.ts';
import { encodeUtf8 } from '../memory.ts';

/** Longest name of one directory entry, in UTF-8 bytes (Linux `NAME_MAX`); longer is ENAMETOOLONG. */
export const MAX_NAME_BYTES = 255;

/** The size a directory reports in its filestat (one block, as ext4 reports). */
const DIRECTORY_SIZE = 4096n;

/** What every inode has. */
interface NodeBase {
  /** Inode number, unique within one {@link MemoryTree}. */
  readonly ino: bigint;
  /** Timestamps, nanoseconds since the Unix epoch. */
  atim: bigint;
  mtim: bigint;
  ctim: bigint;
}

/**
 * A regular file. Bytes from `data.length` up to `size` are zeros that take
 * no memory (a file grown by truncate), and `data` holds zeros from `size`
 * on, so growing a file never needs to clear anything.
 */
export interface FileNode extends NodeBase {
  readonly kind: 'file';
  data: Uint8Array;
  size: number;
  /** Directory entries naming this file (hard links). */
  links: number;
  /** Open descriptors: an unlinked file lives (and counts) until the last one closes. */
  opens: number;
}

/** A symbolic link; its target counts towards the byte budget. */
export interface SymlinkNode extends NodeBase {
  readonly kind: 'symlink';
  readonly target: string;
  /** The target's length in UTF-8 bytes. */
  readonly bytes: number;
  links: number;
}

/** A directory. Directories have exactly one name (no hard links), so one parent. */
export interface DirNode extends NodeBase {
  readonly kind: 'dir';
  readonly entries: Map<string, MemoryNode>;
  /** The directory holding this one; the root is its own parent. */
  parent: DirNode;
  /** Subdirectories, for `nlink` (2 + subdirectories, as on Linux). */
  subdirs: number;
  /** Removed (rmdir, or replaced by a rename): empty for good, lookups in it fail ENOENT. */
  removed: boolean;
  /** Length in bytes of its path from the root ("" for the root, "a/b" below it). */
  pathBytes: number;
}

/** An inode of a {@link MemoryTree}. */
export type MemoryNode = FileNode | SymlinkNode | DirNode;

/** Budgets of a {@link MemoryTree}. */
export interface MemoryLimits {
  /** Most bytes of file contents and symlink targets, in all; a file is never larger (EFBIG). */
  readonly maxBytes: number;
  /** Most directory entries (names: files, directories, symlinks, each hard link). */
  readonly maxNodes: number;
}

/** A source of the current time, in nanoseconds since the Unix epoch. */
export type NsClock = () => bigint;

let nextDev = 0x6d656d00n; // "mem\0": distinct from the small numbers real devices get

/**
 * One in-memory file tree and its budgets. Every change goes through here,
 * checking limits before it mutates anything, so a failed operation leaves
 * the tree as it was. Sizes count logically: a file truncated up to 1 MiB
 * counts 1 MiB even though its zeros take no memory, so that reading it out
 * (`MemoryFs.files()`) is bounded too.
 */
export class MemoryTree {
  /** Device number in every filestat: one per tree. */
  readonly dev = nextDev++;
  readonly root: DirNode;
  readonly limits: MemoryLimits;
  readonly #clock: NsClock;
  #bytes = 0;
  #entries = 0;
  #nextIno = 1n;

  constructor(limits: MemoryLimits, clock: NsClock) {
    this.limits = limits;
    this.#clock = clock;
    this.root = this.newDir();
  }

  /** Bytes in use (file sizes and symlink targets of live inodes). */
  get usedBytes(): number {
    return this.#bytes;
  }

  /** Directory entries in use. */
  get usedNodes(): number {
    return this.#entries;
  }

  /** The current time from the tree's clock. */
  now(): bigint {
    return this.#clock();
  }

  /** A new empty file, not yet in any directory (see {@link link}). */
  newFile(): FileNode {
    const now = this.now();
    return { kind: 'file', ino: this.#nextIno++, atim: now, mtim: now, ctim: now, data: EMPTY, size: 0, links: 0, opens: 0 };
  }

  /** A new empty directory, not yet in any directory (its own parent until then, as the root stays). */
  newDir(): DirNode {
    const now = this.now();
    const dir: DirNode = {
      kind: 'dir',
      ino: this.#nextIno++,
      atim: now,
      mtim: now,
      ctim: now,
      entries: new Map(),
      parent: undefined as unknown as DirNode,
      subdirs: 0,
      removed: false,
      pathBytes: 0,
    };
    dir.parent = dir;
    return dir;
  }

  /** A new symbolic link, not yet in any directory. */
  newSymlink(target: string): SymlinkNode {
    const now = this.now();
    return { kind: 'symlink', ino: this.#nextIno++, atim: now, mtim: now, ctim: now, target, bytes: encodeUtf8(target).length, links: 0 };
  }

  /**
   * Adds `node` to `dir` as `name` (which must be free): a new inode or a
   * hard link to a file or symlink. ENOENT in a removed directory,
   * ENAMETOOLONG for a long name or a path from the root of
   * {@link MAX_PATH_BYTES} or more, ENOSPC past a budget.
   */
  link(dir: DirNode, name: string, node: MemoryNode): void {
    if (dir.removed) throw new SysError('ENOENT', 'directory has been removed');
    const pathBytes = this.#childPathBytes(dir, name);
    if (this.#entries + 1 > this.limits.maxNodes) throw new SysError('ENOSPC', `more than ${this.limits.maxNodes} entries`);
    const charge = node.kind === 'symlink' && node.links === 0 ? node.bytes : 0;
    if (this.#bytes + charge > this.limits.maxBytes) throw new SysError('ENOSPC', `more than ${this.limits.maxBytes} bytes`);
    this.#bytes += charge;
    this.#entries++;
    dir.entries.set(name, node);
    if (node.kind === 'dir') {
      node.parent = dir;
      node.pathBytes = pathBytes;
      dir.subdirs++;
    } else {
      node.links++;
      if (node.links > 1) node.ctim = this.now();
    }
    this.#touchDir(dir);
  }

  /**
   * Removes entry `name` from `dir`: a directory (which must be empty) is
   * removed for good; a file or symlink's last name going frees its bytes
   * once no descriptor has it open.
   */
  unlink(dir: DirNode, name: string): void {
    const node = dir.entries.get(name);
    if (node === undefined) throw new SysError('ENOENT');
    dir.entries.delete(name);
    this.#entries--;
    this.#dropName(dir, node);
    this.#touchDir(dir);
  }

  /**
   * Moves entry `fromName` of `from` to `toName` of `to`, replacing what is
   * there. The caller has checked what rename(2) requires of the kinds
   * involved; this checks the names and path lengths.
   */
  rename(from: DirNode, fromName: string, to: DirNode, toName: string): void {
    const node = from.entries.get(fromName);
    if (node === undefined) throw new SysError('ENOENT');
    if (to.entries.get(toName) === node) return; // two names of one inode: rename(2) does nothing
    if (to.removed) throw new SysError('ENOENT', 'directory has been removed');
    const pathBytes = this.#childPathBytes(to, toName);
    let below: { dir: DirNode; rel: number }[] = [];
    if (node.kind === 'dir') {
      below = subdirectoriesOf(node);
      if (pathBytes + deepestEntry(node) >= MAX_PATH_BYTES) throw new SysError('ENAMETOOLONG', 'path from the root would be too long');
    }
    const replaced = to.entries.get(toName);
    if (replaced !== undefined) {
      to.entries.delete(toName);
      this.#entries--;
      this.#dropName(to, replaced);
    }
    from.entries.delete(fromName);
    to.entries.set(toName, node);
    if (node.kind === 'dir') {
      from.subdirs--;
      to.subdirs++;
      node.parent = to;
      node.pathBytes = pathBytes;
      for (const { dir, rel } of below) dir.pathBytes = pathBytes + rel;
    }
    node.ctim = this.now();
    this.#touchDir(from);
    this.#touchDir(to);
  }

  /** One fewer descriptor has `file` open. */
  closeFile(file: FileNode): void {
    file.opens--;
    this.#maybeFree(file);
  }

  /**
   * Reads from `file` at `offset` into `bufs` (scatter); returns the bytes
   * read, 0 at or past the end.
   */
  read(file: FileNode, bufs: readonly Uint8Array[], offset: bigint): number {
    if (offset >= BigInt(file.size)) return 0;
    let at = Number(offset);
    let total = 0;
    for (const b of bufs) {
      if (at >= file.size) break;
      const n = Math.min(b.length, file.size - at);
      const stored = Math.max(0, Math.min(n, file.data.length - at));
      if (stored > 0) b.set(file.data.subarray(at, at + stored));
      if (stored < n) b.fill(0, stored, n);
      at += n;
      total += n;
    }
    return total;
  }

  /**
   * Writes `bufs` (gather) to `file` at `offset`, growing it as needed;
   * returns the bytes written. As write(2): when the file would outgrow the
   * budget, as much as fits is written, and nothing fitting is ENOSPC
   * (EFBIG at an offset no file can reach).
   */
  write(file: FileNode, bufs: readonly Uint8Array[], offset: bigint): number {
    let total = 0;
    for (const b of bufs) total += b.length;
    if (total === 0) return 0;
    const max = this.limits.maxBytes;
    if (offset >= BigInt(max)) throw new SysError('EFBIG', `offset ${offset} beyond the largest file (${max} bytes)`);
    const at = Number(offset);
    // The furthest this write may reach: the largest file, and the space left.
    const limit = Math.min(max, file.size + (max - this.#bytes));
    const end = Math.min(at + total, limit);
    if (end <= at) throw new SysError('ENOSPC', `more than ${max} bytes`);
    this.#reserve(file, end);
    let pos = at;
    for (const b of bufs) {
      if (pos >= end) break;
      const n = Math.min(b.length, end - pos);
      file.data.set(n === b.length ? b : b.subarray(0, n), pos);
      pos += n;
    }
    if (end > file.size) {
      this.#bytes += end - file.size;
      file.size = end;
    }
    file.mtim = file.ctim = this.now();
    return end - at;
  }

  /** Sets the size of `file` (ftruncate): EFBIG past the largest file, ENOSPC past the budget. */
  resize(file: FileNode, size: bigint): void {
    const max = this.limits.maxBytes;
    if (size > BigInt(max)) throw new SysError('EFBIG', `size ${size} beyond the largest file (${max} bytes)`);
    const n = Number(size);
    if (n > file.size && this.#bytes + (n - file.size) > max) throw new SysError('ENOSPC', `more than ${max} bytes`);
    if (n < file.size) {
      if (n < file.data.length / 4) file.data = file.data.slice(0, n);
      else file.data.fill(0, n, Math.min(file.size, file.data.length));
    }
    this.#bytes += n - file.size;
    file.size = n;
    file.mtim = file.ctim = this.now();
  }

  /** Sets times as `*_filestat_set_times` asks; the change time becomes now. */
  setTimes(node: MemoryNode, times: SetTimes): void {
    const now = this.now();
    if (times.atim !== undefined) node.atim = times.atim === 'now' ? now : times.atim;
    if (times.mtim !== undefined) node.mtim = times.mtim === 'now' ? now : times.mtim;
    node.ctim = now;
  }

  /** The filestat of `node`. */
  stat(node: MemoryNode): Filestat {
    const common = { dev: this.dev, ino: node.ino, atim: node.atim, mtim: node.mtim, ctim: node.ctim };
    switch (node.kind) {
      case 'file':
        return { ...common, filetype: Filetype.REGULAR_FILE, nlink: BigInt(node.links), size: BigInt(node.size) };
      case 'symlink':
        return { ...common, filetype: Filetype.SYMBOLIC_LINK, nlink: BigInt(node.links), size: BigInt(node.bytes) };
      case 'dir':
        return { ...common, filetype: Filetype.DIRECTORY, nlink: node.removed ? 0n : BigInt(2 + node.subdirs), size: DIRECTORY_SIZE };
    }
  }

  /** The path length of entry `name` in `dir`, checked against the name and path limits. */
  #childPathBytes(dir: DirNode, name: string): number {
    const nameBytes = encodeUtf8(name).length;
    if (nameBytes > MAX_NAME_BYTES) throw new SysError('ENAMETOOLONG', `name of ${nameBytes} bytes`);
    const bytes = dir === this.root ? nameBytes : dir.pathBytes + 1 + nameBytes;
    if (bytes >= MAX_PATH_BYTES) throw new SysError('ENAMETOOLONG', 'path from the root would be too long');
    return bytes;
  }

  /** What losing one name does to `node`, which was in `dir`. */
  #dropName(dir: DirNode, node: MemoryNode): void {
    if (node.kind === 'dir') {
      dir.subdirs--;
      node.removed = true;
      node.ctim = this.now();
      return;
    }
    node.links--;
    node.ctim = this.now();
    this.#maybeFree(node);
  }

  /** Frees the bytes of an inode nothing refers to any more. */
  #maybeFree(node: FileNode | SymlinkNode): void {
    if (node.links > 0) return;
    if (node.kind === 'symlink') {
      this.#bytes -= node.bytes;
    } else if (node.opens === 0) {
      this.#bytes -= node.size;
      node.size = 0;
      node.data = EMPTY;
    }
  }

  /** Makes `file.data` hold at least `end` bytes (within the budget checked by the caller). */
  #reserve(file: FileNode, end: number): void {
    if (file.data.length >= end) return;
    const grown = Math.max(end, Math.min(file.data.length * 2, this.limits.maxBytes));
    let data: Uint8Array;
    try {
      data = new Uint8Array(grown);
    } catch {
      throw new SysError('ENOMEM', `cannot allocate ${grown} bytes`);
    }
    data.set(file.data.subarray(0, Math.min(file.size, file.data.length)));
    file.data = data;
  }

  #touchDir(dir: DirNode): void {
    dir.mtim = dir.ctim = this.now();
  }
}

const EMPTY = new Uint8Array(0);

/** The directories below `dir` with their path lengths relative to it (iteratively: trees may be deep). */
function subdirectoriesOf(dir: DirNode): { dir: DirNode; rel: number }[] {
  const out: { dir: DirNode; rel: number }[] = [];
  const stack: { dir: DirNode; rel: number }[] = [{ dir, rel: 0 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    for (const [name, child] of top.dir.entries) {
      if (child.kind !== 'dir') continue;
      const item = { dir: child, rel: top.rel + 1 + encodeUtf8(name).length };
      out.push(item);
      stack.push(item);
    }
  }
  return out;
}

/** The longest path of an entry below `dir`, relative to it with its leading "/" (0 when empty). */
function deepestEntry(dir: DirNode): number {
  let deepest = 0;
  const stack: { dir: DirNode; rel: number }[] = [{ dir, rel: 0 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    for (const [name, child] of top.dir.entries) {
      const rel = top.rel + 1 + encodeUtf8(name).length;
      deepest = Math.max(deepest, rel);
      if (child.kind === 'dir') stack.push({ dir: child, rel });
    }
  }
  return deepest;
}

/**
 * Orders strings by Unicode code point, which is the byte order of their
 * UTF-8 (as `readdir` on the host lists names), not JavaScript's UTF-16 order.
 */
export function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Surrogates stand for code points above U+FFFF: rank them after U+E000..U+FFFF. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}
