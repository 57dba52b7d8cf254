/**
 * A directory of a `MemoryFs` as a descriptor: the preopen itself, or
 * one the guest opened below it. Its `path_*` operations answer with the
 * errnos the host backend (`NodeDirectory`, src/wasi/fs/node-directory.ts)
 * gives on Linux, so a guest cannot tell the two apart by their errors.
 */
import { SysError } from '../../internal/errno.ts';
import type { PreopenDirectory } from '../../platform/platform.ts';
import type { HostUnixPath } from '../../sockets/host-unix-path.ts';
import { Filetype, OFlags, Rights } from '../constants.ts';
import { Descriptor, type DirEntry, type DirectoryOps, type Filestat, type OpenRequest, type SetTimes } from '../descriptor.ts';
import { encodeUtf8 } from '../memory.ts';
import { MemoryOpenFile } from './memory-open-file.ts';
import { resolveMemoryPath, type MemoryResolved, type MemoryScope } from './memory-resolve.ts';
import { byCodePoint, type DirNode, type MemoryNode, type MemoryTree } from './memory-tree.ts';

/** An entry an operation creates, removes or renames, as {@link MemoryDirectory} looks it up. */
interface Entry {
  /** The directory holding it. */
  dir: DirNode;
  /** Its name; undefined when the path names the directory itself (".", "a/.."). */
  name: string | undefined;
  /** What is there now, if anything. */
  node: MemoryNode | undefined;
  /** The path ends in a slash: the entry must be a directory. */
  slash: boolean;
}

/**
 * A directory descriptor over a {@link MemoryTree}. A preopen's scope is
 * the tree's root; a directory the guest opens is a scope of its own (`..`
 * stops at it), as with the host backend. Several descriptors, and several
 * preopens, of one tree see the same files.
 */
export class MemoryDirectory extends Descriptor implements PreopenDirectory {
  readonly filetype = Filetype.DIRECTORY;
  readonly #tree: MemoryTree;
  readonly #scope: MemoryScope;
  readonly #preopen: string | undefined;
  #listing: DirEntry[] | undefined;

  /**
   * @param tree the files
   * @param scope where lookups start (the last of `scope.chain`) and how far they may climb
   * @param preopenName the guest path when this is a preopened directory
   */
  constructor(tree: MemoryTree, scope: MemoryScope, preopenName?: string) {
    super();
    if (scope.chain.length === 0) throw new TypeError('MemoryDirectory needs a directory to start from');
    this.#tree = tree;
    this.#scope = scope;
    this.#preopen = preopenName;
  }

  /** The directory itself. */
  get #node(): DirNode {
    return this.#scope.chain[this.#scope.chain.length - 1] as DirNode;
  }

  /** A directory below this one that resolves within this one's scope (`..` climbs as it would from here). */
  subdirectory(path: string): MemoryDirectory {
    const r = this.#resolve(path, true);
    if (r.name === undefined) return new MemoryDirectory(this.#tree, { ...this.#scope, chain: r.chain });
    return new MemoryDirectory(this.#tree, { ...this.#scope, chain: [...r.chain, childDir(r)] });
  }

  /** Unix sockets need a host filesystem to live in: EAFNOSUPPORT, for bind and connect alike. */
  unixSocketPath(path: string, _use: 'bind' | 'connect'): HostUnixPath {
    throw new SysError('EAFNOSUPPORT', `${path}: Unix sockets need a directory on a host filesystem, not an in-memory one`);
  }

  override preopenName(): string | undefined {
    return this.#preopen;
  }

  override directory(): DirectoryOps {
    return this;
  }

  override stat(): Filestat {
    return this.#tree.stat(this.#node);
  }

  override setTimes(times: SetTimes): void {
    this.#tree.setTimes(this.#node, times);
  }

  /** Entries from `cookie` on: ".", "..", then the names in byte order, as the host backend lists them (Node's readdir sorts). */
  override readdir(cookie: bigint): DirEntry[] {
    if (cookie === 0n || this.#listing === undefined) this.#listing = this.#list();
    return this.#listing.slice(Number(cookie));
  }

  #list(): DirEntry[] {
    // A removed directory lists just "." and "..", as the host backend does.
    const dir = this.#node;
    const parent = dir === this.#tree.root ? dir : dir.parent;
    const out: DirEntry[] = [
      { name: encodeUtf8('.'), ino: dir.ino, filetype: Filetype.DIRECTORY },
      { name: encodeUtf8('..'), ino: parent.ino, filetype: Filetype.DIRECTORY },
    ];
    for (const name of [...dir.entries.keys()].sort(byCodePoint)) {
      const node = dir.entries.get(name) as MemoryNode;
      out.push({ name: encodeUtf8(name), ino: node.ino, filetype: filetypeOf(node) });
    }
    return out;
  }

  #resolve(path: string, followFinal: boolean, entry = false): MemoryResolved {
    return resolveMemoryPath(this.#scope, path, { followFinal, entry });
  }

  /** Looks up the entry `path` names for an operation that creates, removes or renames it (never following it). */
  #entry(path: string): Entry {
    const r = this.#resolve(path, false, true);
    return { dir: r.dir, name: r.name, node: r.name === undefined ? undefined : r.dir.entries.get(r.name), slash: path.endsWith('/') };
  }

  openAt(req: OpenRequest): Descriptor {
    // O_CREAT|O_EXCL never follows a final symlink: a dangling one is EEXIST.
    const exclusive = (req.oflags & OFlags.CREAT) !== 0 && (req.oflags & OFlags.EXCL) !== 0;
    const r = this.#resolve(req.path, req.followSymlinks && !exclusive);
    const wantsWrite = (req.rightsBase & Rights.FD_WRITE) !== 0n;
    const wantsRead = (req.rightsBase & Rights.FD_READ) !== 0n || !wantsWrite;
    const asDirectory = (dir: DirNode): MemoryDirectory => {
      if (exclusive) throw new SysError('EEXIST');
      if (wantsWrite || req.oflags & (OFlags.TRUNC | OFlags.CREAT)) throw new SysError('EISDIR');
      // A directory opened by the guest is a scope of its own: `..` stops at it.
      return new MemoryDirectory(this.#tree, { chain: [dir], boundaryIsPreopen: false });
    };
    if (r.name === undefined) return asDirectory(r.dir);
    const node = r.dir.entries.get(r.name);
    if (req.oflags & OFlags.DIRECTORY) {
      if (req.oflags & OFlags.CREAT && !exclusive) throw new SysError('EINVAL', 'O_CREAT with O_DIRECTORY');
      // ENOTDIR for a file or a symlink not followed, ENOENT when missing.
      return asDirectory(childDir(r));
    }
    if (node === undefined) {
      if ((req.oflags & OFlags.CREAT) === 0) throw new SysError('ENOENT', `${req.path} does not exist`);
      // open("new/", O_CREAT) cannot create a directory: EISDIR, as Linux answers.
      if (req.path.endsWith('/')) throw new SysError('EISDIR');
      const file = this.#tree.newFile();
      this.#tree.link(r.dir, r.name, file);
      return new MemoryOpenFile(this.#tree, file, { read: wantsRead, write: wantsWrite }, req.fdflags);
    }
    if (exclusive) throw new SysError('EEXIST');
    // The lookup expanded what it should; a symlink here was not to be followed (O_NOFOLLOW).
    if (node.kind === 'symlink') throw new SysError('ELOOP', `${req.path} is a symbolic link`);
    if (node.kind === 'dir') return asDirectory(node);
    if (req.oflags & OFlags.TRUNC) this.#tree.resize(node, 0n);
    return new MemoryOpenFile(this.#tree, node, { read: wantsRead, write: wantsWrite }, req.fdflags);
  }

  statAt(path: string, followSymlinks: boolean): Filestat {
    return this.#tree.stat(this.#existing(path, followSymlinks));
  }

  setTimesAt(path: string, followSymlinks: boolean, times: SetTimes): void {
    this.#tree.setTimes(this.#existing(path, followSymlinks), times);
  }

  /** The node `path` names (ENOENT when missing). */
  #existing(path: string, followSymlinks: boolean): MemoryNode {
    const r = this.#resolve(path, followSymlinks);
    if (r.name === undefined) return r.dir;
    const node = r.dir.entries.get(r.name);
    if (node === undefined) throw new SysError('ENOENT', `${path} does not exist`);
    return node;
  }

  mkdirAt(path: string): void {
    const e = this.#entry(path);
    if (e.name === undefined || e.node !== undefined) throw new SysError('EEXIST');
    this.#tree.link(e.dir, e.name, this.#tree.newDir());
  }

  rmdirAt(path: string): void {
    // rmdir(2): a final "." is EINVAL and ".." ENOTEMPTY, whatever they name.
    const last = path.replace(/\/+$/, '').split('/').pop();
    if (last === '.') throw new SysError('EINVAL', 'cannot remove "."');
    if (last === '..') throw new SysError('ENOTEMPTY', 'cannot remove ".."');
    const e = this.#entry(path);
    if (e.name === undefined) throw new SysError('EBUSY', 'cannot remove a directory in use');
    if (e.node === undefined) throw new SysError('ENOENT', `${path} does not exist`);
    if (e.node.kind !== 'dir') throw new SysError('ENOTDIR');
    if (e.node.entries.size > 0) throw new SysError('ENOTEMPTY');
    this.#tree.unlink(e.dir, e.name);
  }

  unlinkAt(path: string): void {
    const e = this.#entry(path);
    // POSIX says EPERM for unlink of a directory, Linux says EISDIR; WASI
    // hosts and Go's os.Remove expect EISDIR.
    if (e.name === undefined || e.node?.kind === 'dir') throw new SysError('EISDIR');
    if (e.slash) throw new SysError(e.node === undefined ? 'ENOENT' : 'ENOTDIR');
    if (e.node === undefined) throw new SysError('ENOENT', `${path} does not exist`);
    this.#tree.unlink(e.dir, e.name);
  }

  renameAt(oldPath: string, newDir: DirectoryOps, newPath: string): void {
    const to = this.#sameTree(newDir).#entry(newPath);
    const from = this.#entry(oldPath);
    if (from.name === undefined || to.name === undefined) throw new SysError('EBUSY', 'cannot rename a directory in use');
    // A trailing slash on either side demands directories (a symlink is not one).
    if (from.slash || to.slash) {
      if (from.node !== undefined && from.node.kind !== 'dir') throw new SysError('ENOTDIR');
      if (to.slash && to.node !== undefined && to.node.kind !== 'dir') throw new SysError('ENOTDIR');
    }
    const node = from.node;
    if (node === undefined) throw new SysError('ENOENT', `${oldPath} does not exist`);
    if (to.node === node) return; // two names of one inode (or one name): rename(2) does nothing
    if (to.dir.removed) throw new SysError('ENOENT', 'directory has been removed');
    if (node.kind === 'dir') {
      // rename(2): a directory cannot move below itself.
      for (let d = to.dir; ; d = d.parent) {
        if (d === node) throw new SysError('EINVAL', `cannot move ${oldPath} into itself`);
        if (d === d.parent) break;
      }
      if (to.node !== undefined && to.node.kind !== 'dir') throw new SysError('ENOTDIR');
      if (to.node?.kind === 'dir' && to.node.entries.size > 0) throw new SysError('ENOTEMPTY');
    } else if (to.node?.kind === 'dir') {
      throw new SysError('EISDIR');
    }
    this.#tree.rename(from.dir, from.name, to.dir, to.name);
  }

  linkAt(oldPath: string, followSymlinks: boolean, newDir: DirectoryOps, newPath: string): void {
    const from = this.#resolve(oldPath, followSymlinks);
    const to = this.#sameTree(newDir).#entry(newPath);
    if (to.name === undefined) throw new SysError('EEXIST');
    if (to.slash) throw new SysError(to.node === undefined ? 'ENOENT' : 'EEXIST');
    if (from.name === undefined) throw new SysError('EPERM', 'cannot link a directory');
    // link(2) does not follow a symlink it is given: the lookup expanded what should be.
    const node = from.dir.entries.get(from.name);
    if (node === undefined) throw new SysError('ENOENT', `${oldPath} does not exist`);
    if (to.node !== undefined) throw new SysError('EEXIST');
    if (node.kind === 'dir') throw new SysError('EPERM', 'cannot link a directory');
    this.#tree.link(to.dir, to.name, node);
  }

  symlinkAt(target: string, linkPath: string): void {
    if (target.includes('\0')) throw new SysError('EINVAL', 'symlink target contains NUL');
    // As the host backend: an absolute target would mean a different place to the guest and to the host.
    if (target.startsWith('/')) throw new SysError('ENOTCAPABLE', `symlink target ${target} is an absolute path`);
    const e = this.#entry(linkPath);
    if (e.name === undefined) throw new SysError('EEXIST');
    if (e.slash) throw new SysError(e.node === undefined ? 'ENOENT' : 'EEXIST');
    // symlink(2) refuses an empty target before it looks at the link's place.
    if (target === '') throw new SysError('ENOENT', 'empty symlink target');
    if (e.node !== undefined) throw new SysError('EEXIST');
    this.#tree.link(e.dir, e.name, this.#tree.newSymlink(target));
  }

  readlinkAt(path: string): Uint8Array {
    const r = this.#resolve(path, false);
    if (r.name === undefined) throw new SysError('EINVAL', 'not a symbolic link');
    const node = r.dir.entries.get(r.name);
    if (node === undefined) throw new SysError('ENOENT', `${path} does not exist`);
    if (node.kind !== 'symlink') throw new SysError('EINVAL', 'not a symbolic link');
    return encodeUtf8(node.target);
  }

  /** `dir` as a directory of this tree: EXDEV for any other backend or tree. */
  #sameTree(dir: DirectoryOps): MemoryDirectory {
    if (!(dir instanceof MemoryDirectory) || dir.#tree !== this.#tree) throw new SysError('EXDEV', 'rename or link across file systems');
    return dir;
  }
}

/** The directory entry `r.name` of `r.dir` names: ENOENT when missing, ENOTDIR for anything else (a symlink too). */
function childDir(r: MemoryResolved): DirNode {
  const node = r.name === undefined ? r.dir : r.dir.entries.get(r.name);
  if (node === undefined) throw new SysError('ENOENT', `${r.name} does not exist`);
  if (node.kind !== 'dir') throw new SysError('ENOTDIR');
  return node;
}

function filetypeOf(node: MemoryNode): Filetype {
  return node.kind === 'dir' ? Filetype.DIRECTORY : node.kind === 'file' ? Filetype.REGULAR_FILE : Filetype.SYMBOLIC_LINK;
}
