/**
 * An in-memory filesystem for guests that have no host filesystem (a page,
 * a worker) or should not touch it: files the embedder provides, preopened
 * as directories the guest reads and writes, and read back after the run.
 * Imports nothing from `node:*` and uses neither `Buffer` nor `process`.
 */
import { SysError } from '../../internal/errno.ts';
import type { PreopenDirectory } from '../../platform/platform.ts';
import { encodeUtf8 } from '../memory.ts';
import { MemoryDirectory } from './memory-directory.ts';
import { resolveMemoryPath } from './memory-resolve.ts';
import { MAX_NAME_BYTES, MemoryTree, byCodePoint, type DirNode, type FileNode, type NsClock } from './memory-tree.ts';

/**
 * Initial contents of a {@link MemoryFs}: relative, `/`-separated paths
 * (`'a.txt'`, `'dir/b.bin'`) to contents (bytes, or text stored as UTF-8).
 * Parent directories are implied; a path ending in `/` (`'empty/'`) makes an
 * empty directory and its value is ignored.
 */
export type MemoryFiles = Readonly<Record<string, Uint8Array | string>>;

/** Limits and clock of a {@link MemoryFs}. */
export interface MemoryFsOptions {
  /**
   * Most bytes the files (and symlink targets) may hold in all, default
   * {@link DEFAULT_MAX_BYTES}. Writing past it is ENOSPC, making a file
   * larger than it EFBIG, as Linux answers on a full or capped filesystem.
   */
  maxBytes?: number | undefined;
  /**
   * Most directory entries (files, directories, symlinks; each hard link
   * counts), default {@link DEFAULT_MAX_NODES}. Creating more is ENOSPC.
   */
  maxNodes?: number | undefined;
  /** The time stamped on changes, in nanoseconds since the Unix epoch (default: `Date.now()`). */
  clock?: (() => bigint) | undefined;
}

/** Default {@link MemoryFsOptions.maxBytes}: 256 MiB. */
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
/** Default {@link MemoryFsOptions.maxNodes}. */
export const DEFAULT_MAX_NODES = 65536;

/** What a {@link MemoryFs} holds, against its limits. */
export interface MemoryFsUsage {
  /** Bytes of file contents and symlink targets (files still open after removal included). */
  bytes: number;
  /** Directory entries. */
  nodes: number;
  /** The limit on {@link bytes} ({@link MemoryFsOptions.maxBytes}). */
  maxBytes: number;
  /** The limit on {@link nodes} ({@link MemoryFsOptions.maxNodes}). */
  maxNodes: number;
}

const wallClock: NsClock = () => BigInt(Date.now()) * 1_000_000n;

/**
 * An in-memory file tree that guests get as preopened directories. Regular
 * files, directories, symbolic links and hard links behave as on a Linux
 * host directory (the same errnos as the Node backend gives), `..` and
 * symlinks never lead out of a preopen, and the tree is bounded by
 * {@link MemoryFsOptions.maxBytes} and {@link MemoryFsOptions.maxNodes}.
 * Unix sockets cannot be bound in it (EAFNOSUPPORT). Reads do not change
 * access times (as on a filesystem mounted `noatime`).
 *
 * @example
 * const fs = new MemoryFs({ 'input.txt': 'hello\n', 'out/': '' });
 * // a host config's preopens: [{ guest: '/data', dir: fs.preopen('/data') }]
 * // or, in a page: await run('app.wasm', { dirs: { '/data': fs } });
 * fs.readText('out/result.txt');
 */
export class MemoryFs {
  readonly #tree: MemoryTree;

  /**
   * @param files initial contents (copied); see {@link MemoryFiles}
   * @param options limits and clock
   * @throws TypeError for a malformed path, contents of another type, bad
   *   options, or files beyond the limits
   */
  constructor(files: MemoryFiles = {}, options: MemoryFsOptions = {}) {
    if (typeof files !== 'object' || files === null || Array.isArray(files)) {
      throw new TypeError('MemoryFs: files must be an object of path → Uint8Array | string');
    }
    if (typeof options !== 'object' || options === null) throw new TypeError('MemoryFs: options must be an object');
    const maxBytes = limit(options.maxBytes, DEFAULT_MAX_BYTES, 'maxBytes');
    const maxNodes = limit(options.maxNodes, DEFAULT_MAX_NODES, 'maxNodes');
    const clock = options.clock ?? wallClock;
    if (typeof clock !== 'function') throw new TypeError('MemoryFs: options.clock must be a function returning nanoseconds as a bigint');
    this.#tree = new MemoryTree({ maxBytes, maxNodes }, checkedClock(clock));
    for (const [path, contents] of Object.entries(files)) this.#add(path, contents);
  }

  /** Adds one entry of the initial {@link MemoryFiles}. */
  #add(path: string, contents: unknown): void {
    const isDir = path.endsWith('/');
    const parts = (isDir ? path.slice(0, -1) : path).split('/');
    const bad = parts.find((p) => p === '' || p === '.' || p === '..' || p.includes('\0') || encodeUtf8(p).length > MAX_NAME_BYTES);
    if (bad !== undefined) {
      throw new TypeError(
        `MemoryFs: ${JSON.stringify(path)} is not a relative path of names ('a.txt', 'dir/b.bin', 'empty/'): ` +
          `no empty, ".", ".." or NUL components, none longer than ${MAX_NAME_BYTES} bytes`,
      );
    }
    if (!isDir && !(contents instanceof Uint8Array) && typeof contents !== 'string') {
      throw new TypeError(`MemoryFs: contents of ${JSON.stringify(path)} must be a Uint8Array or a string`);
    }
    const tree = this.#tree;
    try {
      let dir = tree.root;
      const dirs = isDir ? parts : parts.slice(0, -1);
      for (const [i, name] of dirs.entries()) {
        const node = dir.entries.get(name);
        if (node === undefined) {
          const made = tree.newDir();
          tree.link(dir, name, made);
          dir = made;
        } else if (node.kind === 'dir') {
          dir = node;
        } else {
          throw new TypeError(
            `MemoryFs: ${JSON.stringify(path)} needs ${JSON.stringify(parts.slice(0, i + 1).join('/'))} to be a directory`,
          );
        }
      }
      if (isDir) return;
      const name = parts[parts.length - 1] as string;
      if (dir.entries.has(name)) throw new TypeError(`MemoryFs: ${JSON.stringify(path)} is also a directory`);
      const file = tree.newFile();
      tree.link(dir, name, file);
      const bytes = typeof contents === 'string' ? encodeUtf8(contents) : (contents as Uint8Array);
      if (tree.write(file, [bytes], 0n) !== bytes.length) throw new SysError('ENOSPC');
    } catch (err) {
      if (!(err instanceof SysError)) throw err;
      const why =
        err.errno === 'ENOSPC' || err.errno === 'EFBIG'
          ? `the files exceed maxBytes (${tree.limits.maxBytes}) or maxNodes (${tree.limits.maxNodes})`
          : err.message;
      throw new TypeError(`MemoryFs: cannot add ${JSON.stringify(path)}: ${why}`, { cause: err });
    }
  }

  /**
   * The root of the tree as a preopened directory named `guestName` for the
   * guest (e.g. `/data`): pass it as `{ guest: guestName, dir }` in a host
   * config's `preopens`. Every preopen of one MemoryFs sees the same files.
   */
  preopen(guestName: string): PreopenDirectory {
    if (typeof guestName !== 'string' || guestName === '' || guestName.includes('\0')) {
      throw new TypeError('MemoryFs.preopen: the guest name must be a non-empty path such as "/data"');
    }
    return new MemoryDirectory(this.#tree, { chain: [this.#tree.root], boundaryIsPreopen: true }, guestName);
  }

  /**
   * A copy of every regular file, by `/`-separated path relative to the
   * root, in code point order. A file with several hard links appears
   * under each name; directories and symlinks are left out.
   */
  files(): Map<string, Uint8Array> {
    const found: [string, Uint8Array][] = [];
    // Iterative: a guest may nest directories deeply.
    const stack: { dir: DirNode; prefix: string }[] = [{ dir: this.#tree.root, prefix: '' }];
    for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
      for (const [name, node] of top.dir.entries) {
        if (node.kind === 'file') found.push([top.prefix + name, contentsOf(node)]);
        else if (node.kind === 'dir') stack.push({ dir: node, prefix: `${top.prefix}${name}/` });
      }
    }
    found.sort(([a], [b]) => byCodePoint(a, b));
    return new Map(found);
  }

  /**
   * A copy of the regular file at `path` (relative to the root; a leading
   * `/` is ignored; symlinks are followed as the guest's would be), or
   * undefined when there is none.
   */
  readFile(path: string): Uint8Array | undefined {
    if (typeof path !== 'string') throw new TypeError('MemoryFs.readFile: path must be a string');
    const rel = path.replace(/^\/+/, '');
    try {
      const r = resolveMemoryPath({ chain: [this.#tree.root], boundaryIsPreopen: true }, rel === '' ? '.' : rel, { followFinal: true });
      const node = r.name === undefined ? undefined : r.dir.entries.get(r.name);
      return node?.kind === 'file' ? contentsOf(node) : undefined;
    } catch (err) {
      if (err instanceof SysError) return undefined;
      throw err;
    }
  }

  /** The file at `path` (as {@link readFile}) decoded as UTF-8, or undefined when there is none. */
  readText(path: string): string | undefined {
    const bytes = this.readFile(path);
    return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  }

  /** How many bytes and entries the tree holds now, and its limits. */
  usage(): MemoryFsUsage {
    const t = this.#tree;
    return { bytes: t.usedBytes, nodes: t.usedNodes, maxBytes: t.limits.maxBytes, maxNodes: t.limits.maxNodes };
  }
}

/** A copy of a file's contents (the zeros a truncate added included). */
function contentsOf(file: FileNode): Uint8Array {
  const out = new Uint8Array(file.size);
  out.set(file.data.subarray(0, Math.min(file.size, file.data.length)));
  return out;
}

/** A limit option: a non-negative safe integer, or the default. */
function limit(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`MemoryFs: options.${name} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

/** The caller's clock, held to what a filestat can carry (a u64 of nanoseconds). */
function checkedClock(clock: () => bigint): NsClock {
  return () => {
    const t = clock();
    if (typeof t !== 'bigint') throw new TypeError('MemoryFs: options.clock must return a bigint (nanoseconds)');
    return BigInt.asUintN(64, t);
  };
}
