import * as fs from 'node:fs';
import { join, relative, sep } from 'node:path';
import { SysError, toSysError } from '../../internal/errno.ts';
import { Filetype, OFlags } from '../constants.ts';
import { Descriptor, type DirEntry, type DirectoryOps, type Filestat, type OpenRequest, type SetTimes } from '../descriptor.ts';
import { encodeUtf8 } from '../memory.ts';
import { NodeFile } from './node-file.ts';
import { NodeStream } from './node-stream.ts';
import { setTimes } from './set-times.ts';
import { resolveGuestPath } from './resolve.ts';
import { filetypeOf, toFilestat } from './stat.ts';

/** `rights` bits that mean "this open wants to write". */
const RIGHT_FD_WRITE = 1n << 6n;
const RIGHT_FD_READ = 1n << 1n;

/**
 * A host directory, either preopened (`--dir`) or opened below one. All of
 * its `path_*` operations resolve through {@link resolveGuestPath}, so a guest
 * cannot reach outside the preopen's root.
 */
export class NodeDirectory extends Descriptor implements DirectoryOps {
  readonly filetype = Filetype.DIRECTORY;
  /** Host path of the preopen this directory belongs to. */
  readonly #root: string;
  /** Position below the root when opened, as path components. */
  readonly #openedAt: readonly string[];
  /** Host fd held open for a non-preopen directory, so it can be followed when renamed. */
  readonly #fd: number | undefined;
  /** The guest-visible name when this is a preopen. */
  readonly #preopen: string | undefined;
  #listing: DirEntry[] | undefined;

  /**
   * @param root host directory that bounds every lookup (realpath'd by the caller)
   * @param base components of this directory below `root`
   * @param preopenName guest path when this is a preopened directory
   */
  constructor(root: string, base: readonly string[] = [], preopenName?: string) {
    super();
    this.#root = root;
    this.#openedAt = base;
    this.#preopen = preopenName;
    this.#fd = base.length > 0 && PROC_FD ? openDirFd(join(root, ...base)) : undefined;
  }

  /**
   * Where this directory is now, below the root. A directory fd names the
   * directory, not a path: if it (or a parent) was renamed since it was
   * opened, lookups must follow it, as openat(2) would. Linux tells us where
   * an open fd is through /proc/self/fd; elsewhere the opening path is used.
   */
  get #base(): readonly string[] {
    if (this.#fd === undefined) return this.#openedAt;
    let now: string;
    try {
      now = fs.readlinkSync(`/proc/self/fd/${this.#fd}`);
    } catch {
      return this.#openedAt;
    }
    const rel = relative(this.#root, now);
    if (rel === '') return [];
    if (rel.startsWith('..') || now.endsWith(' (deleted)'))
      throw new SysError('ENOENT', 'directory was moved out of its preopen or removed');
    return rel.split(sep);
  }

  get hostPath(): string {
    return join(this.#root, ...this.#base);
  }

  override preopenName(): string | undefined {
    return this.#preopen;
  }

  override directory(): DirectoryOps {
    return this;
  }

  override stat(): Filestat {
    return wrap(() => toFilestat(fs.statSync(this.hostPath, { bigint: true })));
  }

  override setTimes(times: SetTimes): void {
    setTimes({ path: this.hostPath, follow: true }, times, () => this.stat());
  }

  override readdir(cookie: bigint): DirEntry[] {
    if (cookie === 0n || this.#listing === undefined) this.#listing = this.#list();
    return this.#listing.slice(Number(cookie));
  }

  #list(): DirEntry[] {
    const dir = this.hostPath;
    return wrap(() => {
      const names = ['.', '..', ...fs.readdirSync(dir)];
      const out: DirEntry[] = [];
      for (const name of names) {
        const st = fs.lstatSync(join(dir, name), { bigint: true, throwIfNoEntry: false });
        if (st === undefined) continue; // removed while listing
        out.push({ name: encodeUtf8(name), ino: st.ino, filetype: filetypeOf(st.mode) });
      }
      return out;
    });
  }

  #resolve(path: string, followFinal: boolean): string {
    return resolveGuestPath(this.#root, this.#base, path, followFinal);
  }

  /**
   * Resolves a path naming the entry an operation creates, removes or
   * renames: its last component is never followed, even with a trailing
   * slash. `slash` says whether the path ends in one (the entry must then be
   * a directory); `st` is the entry's lstat, if it exists.
   */
  #entry(path: string): { host: string; slash: boolean; st: fs.Stats | undefined } {
    const host = resolveGuestPath(this.#root, this.#base, path, false, true);
    return { host, slash: path.endsWith('/'), st: wrap(() => fs.lstatSync(host, { throwIfNoEntry: false })) };
  }

  /** The host path of `path` below this directory, resolved inside the sandbox (symlinks followed). */
  resolvePath(path: string): string {
    return this.#resolve(path, true);
  }

  override close(): void {
    if (this.#fd !== undefined) fs.closeSync(this.#fd);
  }

  #child(hostPath: string): NodeDirectory {
    const rel = relative(this.#root, hostPath);
    return new NodeDirectory(this.#root, rel === '' ? [] : rel.split(sep));
  }

  openAt(req: OpenRequest): Descriptor {
    // O_CREAT|O_EXCL never follows a final symlink: a dangling one is EEXIST.
    const exclusive = (req.oflags & OFlags.CREAT) !== 0 && (req.oflags & OFlags.EXCL) !== 0;
    const host = this.#resolve(req.path, req.followSymlinks && !exclusive);
    const wantsWrite = (req.rightsBase & RIGHT_FD_WRITE) !== 0n;
    const wantsRead = (req.rightsBase & RIGHT_FD_READ) !== 0n || !wantsWrite;
    return wrap(() => {
      const st =
        req.followSymlinks && !exclusive ? fs.statSync(host, { throwIfNoEntry: false }) : fs.lstatSync(host, { throwIfNoEntry: false });
      if (st !== undefined && exclusive) throw new SysError('EEXIST');
      if (st?.isDirectory()) {
        if (wantsWrite || req.oflags & (OFlags.TRUNC | OFlags.CREAT)) throw new SysError('EISDIR');
        return this.#child(host);
      }
      if (req.oflags & OFlags.DIRECTORY) throw new SysError(st === undefined ? 'ENOENT' : 'ENOTDIR');
      // open("new/", O_CREAT) cannot create a directory: EISDIR, as Linux answers.
      if (st === undefined && req.oflags & OFlags.CREAT && req.path.endsWith('/')) throw new SysError('EISDIR');
      const c = fs.constants;
      let flags = wantsRead && wantsWrite ? c.O_RDWR : wantsWrite ? c.O_WRONLY : c.O_RDONLY;
      if (req.oflags & OFlags.CREAT) flags |= c.O_CREAT;
      if (req.oflags & OFlags.EXCL) flags |= c.O_EXCL;
      if (req.oflags & OFlags.TRUNC) flags |= c.O_TRUNC;
      if (!req.followSymlinks) flags |= c.O_NOFOLLOW;
      // FIFOs and devices: never let open, read or write block Node's thread.
      const stream = st !== undefined && (st.isFIFO() || st.isCharacterDevice());
      if (stream) flags |= c.O_NONBLOCK;
      const fd = fs.openSync(host, flags, 0o666);
      const mode = fs.fstatSync(fd).mode;
      const seekable = (mode & c.S_IFMT) === c.S_IFREG || (mode & c.S_IFMT) === c.S_IFBLK;
      // Rights are granted by path_open (src/wasi/rights.ts), for every backend.
      return stream || !seekable ? new NodeStream(fd, filetypeOf(mode), req.fdflags) : new NodeFile(fd, filetypeOf(mode), req.fdflags);
    });
  }

  statAt(path: string, followSymlinks: boolean): Filestat {
    const host = this.#resolve(path, followSymlinks);
    return wrap(() => toFilestat(fs.lstatSync(host, { bigint: true })));
  }

  setTimesAt(path: string, followSymlinks: boolean, times: SetTimes): void {
    const host = this.#resolve(path, followSymlinks);
    setTimes({ path: host, follow: followSymlinks }, times, () => this.statAt(path, followSymlinks));
  }

  mkdirAt(path: string): void {
    const { host } = this.#entry(path);
    wrap(() => fs.mkdirSync(host, 0o777));
  }

  rmdirAt(path: string): void {
    // rmdir(2): a final "." is EINVAL and ".." ENOTEMPTY, whatever they name.
    const last = path.replace(/\/+$/, '').split('/').pop();
    if (last === '.') throw new SysError('EINVAL', 'cannot remove "."');
    if (last === '..') throw new SysError('ENOTEMPTY', 'cannot remove ".."');
    const { host, slash, st } = this.#entry(path);
    if (host === this.#root) throw new SysError('EBUSY', 'cannot remove a preopened directory');
    if (slash && st !== undefined && !st.isDirectory()) throw new SysError('ENOTDIR');
    wrap(() => fs.rmdirSync(host));
  }

  unlinkAt(path: string): void {
    const { host, slash, st } = this.#entry(path);
    // POSIX says EPERM for unlink of a directory, Linux says EISDIR; WASI
    // hosts and Go's os.Remove expect EISDIR.
    if (st?.isDirectory()) throw new SysError('EISDIR');
    if (slash) throw new SysError(st === undefined ? 'ENOENT' : 'ENOTDIR');
    wrap(() => fs.unlinkSync(host));
  }

  renameAt(oldPath: string, newDir: DirectoryOps, newPath: string): void {
    const to = sameBackend(newDir).#entry(newPath);
    const from = this.#entry(oldPath);
    // A trailing slash on either side demands directories (a symlink is not one).
    if (from.slash || to.slash) {
      if (from.st !== undefined && !from.st.isDirectory()) throw new SysError('ENOTDIR');
      if (to.slash && to.st !== undefined && !to.st.isDirectory()) throw new SysError('ENOTDIR');
    }
    wrap(() => fs.renameSync(from.host, to.host));
  }

  linkAt(oldPath: string, followSymlinks: boolean, newDir: DirectoryOps, newPath: string): void {
    const to = sameBackend(newDir).#entry(newPath);
    const from = this.#resolve(oldPath, followSymlinks);
    if (to.slash) throw new SysError(to.st === undefined ? 'ENOENT' : 'EEXIST');
    wrap(() => fs.linkSync(from, to.host));
  }

  symlinkAt(target: string, linkPath: string): void {
    const { host, slash, st } = this.#entry(linkPath);
    if (target.includes('\0')) throw new SysError('EINVAL', 'symlink target contains NUL');
    if (slash) throw new SysError(st === undefined ? 'ENOENT' : 'EEXIST');
    wrap(() => fs.symlinkSync(target, host));
  }

  readlinkAt(path: string): Uint8Array {
    const host = this.#resolve(path, false);
    return wrap(() => fs.readlinkSync(host, { encoding: 'buffer' }));
  }
}

/** Whether this system can say where an open fd is (Linux /proc). */
const PROC_FD = fs.existsSync('/proc/self/fd');

function openDirFd(path: string): number | undefined {
  try {
    return fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  } catch {
    return undefined;
  }
}

function sameBackend(dir: DirectoryOps): NodeDirectory {
  if (!(dir instanceof NodeDirectory)) throw new SysError('EXDEV', 'rename or link across file system backends');
  return dir;
}

/** Runs a host fs call, translating Node errors to SysError. */
function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toSysError(err);
  }
}
