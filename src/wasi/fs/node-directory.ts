import * as fs from 'node:fs';
import { join } from 'node:path';
import { SysError, toSysError } from '../../internal/errno.ts';
import type { HostUnixPath } from '../../sockets/host-unix-path.ts';
import { Filetype, OFlags } from '../constants.ts';
import { Descriptor, type DirEntry, type DirectoryOps, type Filestat, type OpenRequest, type SetTimes } from '../descriptor.ts';
import { encodeUtf8 } from '../memory.ts';
import { NodeFile } from './node-file.ts';
import { NodeStream } from './node-stream.ts';
import { setTimes } from './set-times.ts';
import { ANCHORED, DirHandle, O_PATH, resolveGuestPath, wrapFs, type LookupScope, type Resolved } from './resolve.ts';
import { filetypeOf, toFilestat } from './stat.ts';

/** `rights` bits that mean "this open wants to write". */
const RIGHT_FD_WRITE = 1n << 6n;
const RIGHT_FD_READ = 1n << 1n;

/** A lookup that met a symlink swapped in after it looked: tries before giving up (ELOOP). */
const SWAP_RETRIES = 8;

/**
 * A host directory, either preopened (`--dir`) or opened below one. It holds
 * the directory itself (see {@link DirHandle}), and every `path_*` operation
 * resolves through {@link resolveGuestPath} from there and then acts on one
 * entry of a held directory without following it: no `..`, symlink, rename
 * or concurrent swap can make an operation reach outside.
 */
export class NodeDirectory extends Descriptor implements DirectoryOps {
  readonly filetype = Filetype.DIRECTORY;
  readonly #scope: LookupScope;
  /** The guest-visible name when this is a preopen. */
  readonly #preopen: string | undefined;
  #listing: DirEntry[] | undefined;

  /**
   * @param scope where lookups start (the last of `scope.chain`, which this
   *   directory now holds a reference to each of) and how far they may climb
   * @param preopenName guest path when this is a preopened directory
   */
  private constructor(scope: LookupScope, preopenName?: string) {
    super();
    this.#scope = scope;
    this.#preopen = preopenName;
  }

  /** Preopens host directory `hostRoot` (realpath'd by the caller) as `guestName`. */
  static preopen(hostRoot: string, guestName: string): NodeDirectory {
    const chain = [DirHandle.open(hostRoot)];
    return new NodeDirectory({ chain, boundaryIsPreopen: true, boundaryIsHostRoot: hostRoot === '/' }, guestName);
  }

  /** The held directory itself. */
  get #handle(): DirHandle {
    return this.#scope.chain[this.#scope.chain.length - 1] as DirHandle;
  }

  /**
   * A directory below this one that resolves within this one's scope: `..`
   * and absolute symlinks work as they do from here. The host uses it for
   * the host's /etc behind the virtual one.
   */
  subdirectory(path: string): NodeDirectory {
    return this.#at(path, true, (r) => {
      if (r.name === undefined) return new NodeDirectory({ ...this.#scope, chain: r.chain.map((h) => h.retain()) });
      const child = r.dir.openChild(r.name);
      return new NodeDirectory({ ...this.#scope, chain: [...r.chain.map((h) => h.retain()), child] });
    });
  }

  override preopenName(): string | undefined {
    return this.#preopen;
  }

  override directory(): DirectoryOps {
    return this;
  }

  override stat(): Filestat {
    return wrapFs(() => toFilestat(statHandle(this.#handle)));
  }

  override setTimes(times: SetTimes): void {
    setTimes({ path: this.#handle.self, follow: true }, times, () => this.stat());
  }

  override readdir(cookie: bigint): DirEntry[] {
    if (cookie === 0n || this.#listing === undefined) this.#listing = this.#list();
    return this.#listing.slice(Number(cookie));
  }

  #list(): DirEntry[] {
    const h = this.#handle;
    return wrapFs(() => {
      const names = ['.', '..', ...fs.readdirSync(h.self)];
      const out: DirEntry[] = [];
      for (const name of names) {
        const st = fs.lstatSync(h.child(name), { bigint: true, throwIfNoEntry: false });
        if (st === undefined) continue; // removed while listing
        out.push({ name: encodeUtf8(name), ino: st.ino, filetype: filetypeOf(st.mode) });
      }
      return out;
    });
  }

  /** Resolves `path`, runs `op` on the result and releases what the lookup held. */
  #at<T>(path: string, followFinal: boolean, op: (r: Resolved) => T, entry = false): T {
    const r = resolveGuestPath(this.#scope, path, { followFinal, entry });
    try {
      return op(r);
    } finally {
      r.release();
    }
  }

  /**
   * Like {@link #at} for a lookup that follows the final symlink: `op`
   * answers ELOOP when the entry it meets is a symlink after all (swapped in
   * since the lookup), and the lookup is tried again, a bounded number of times.
   */
  #following<T>(path: string, op: (r: Resolved) => T): T {
    for (let attempt = 1; ; attempt++) {
      try {
        return this.#at(path, true, op);
      } catch (err) {
        if (!(err instanceof SysError) || err.errno !== 'ELOOP' || attempt >= SWAP_RETRIES) throw err;
      }
    }
  }

  /**
   * Resolves a path naming the entry an operation creates, removes or
   * renames (its last component is never followed) and runs `op` on it:
   * `host` names the entry, `slash` says whether the path ends in one (the
   * entry must then be a directory), `st` is the entry's lstat, if it
   * exists. An entry that is the directory itself (".", "a/..") has no
   * `host`: `op` decides what that means.
   */
  #entry<T>(path: string, op: (e: { host: string | undefined; slash: boolean; st: fs.Stats | undefined }, r: Resolved) => T): T {
    return this.#at(
      path,
      false,
      (r) => {
        const host = r.name === undefined ? undefined : r.dir.child(r.name);
        const st = host === undefined ? undefined : wrapFs(() => fs.lstatSync(host, { throwIfNoEntry: false }));
        return op({ host, slash: path.endsWith('/'), st }, r);
      },
      true,
    );
  }

  /**
   * A Unix socket path below this directory, for the network: `path` is
   * where the socket is on the host (for the policy and messages) and
   * `address` what to hand the driver, which cannot be redirected: for
   * `connect`, the socket itself held open (Linux: `/proc/self/fd/N`);
   * for `bind`, its entry in a held directory. The holds last until
   * `release()`.
   */
  unixSocketPath(guestPath: string, use: 'bind' | 'connect'): HostUnixPath {
    if (use === 'bind') {
      const r = resolveGuestPath(this.#scope, guestPath, { followFinal: false, entry: true });
      if (r.name === undefined) {
        r.release();
        throw new SysError('EADDRINUSE', `${guestPath} is a directory`);
      }
      return { path: join(r.dir.realPath(), r.name), address: r.dir.child(r.name), release: r.release };
    }
    return this.#following(guestPath, (r) => {
      if (r.name === undefined) throw new SysError('ECONNREFUSED', `${guestPath} is a directory`);
      const host = r.dir.child(r.name);
      const path = join(r.dir.realPath(), r.name);
      if (!ANCHORED) return { path, address: host, release: () => {} };
      const fd = wrapFs(() => fs.openSync(host, O_PATH | fs.constants.O_NOFOLLOW));
      try {
        if (fs.fstatSync(fd).isSymbolicLink()) throw new SysError('ELOOP'); // swapped in: look again
      } catch (err) {
        fs.closeSync(fd);
        throw err;
      }
      return { path, address: `/proc/self/fd/${fd}`, release: () => fs.closeSync(fd) };
    });
  }

  override close(): void {
    for (const h of this.#scope.chain) h.release();
  }

  openAt(req: OpenRequest): Descriptor {
    // O_CREAT|O_EXCL never follows a final symlink: a dangling one is EEXIST.
    const exclusive = (req.oflags & OFlags.CREAT) !== 0 && (req.oflags & OFlags.EXCL) !== 0;
    const follow = req.followSymlinks && !exclusive;
    const open = (r: Resolved): Descriptor => this.#openResolved(r, req, exclusive);
    return follow ? this.#following(req.path, open) : this.#at(req.path, false, open);
  }

  #openResolved(r: Resolved, req: OpenRequest, exclusive: boolean): Descriptor {
    const wantsWrite = (req.rightsBase & RIGHT_FD_WRITE) !== 0n;
    const wantsRead = (req.rightsBase & RIGHT_FD_READ) !== 0n || !wantsWrite;
    const asDirectory = (chain: readonly DirHandle[]): NodeDirectory => {
      if (exclusive) throw new SysError('EEXIST');
      if (wantsWrite || req.oflags & (OFlags.TRUNC | OFlags.CREAT)) throw new SysError('EISDIR');
      // A directory opened by the guest is a scope of its own: `..` stops at it.
      return new NodeDirectory({ chain, boundaryIsPreopen: false, boundaryIsHostRoot: false });
    };
    if (r.name === undefined) return asDirectory([r.dir.retain()]);
    const host = r.dir.child(r.name);
    if (req.oflags & OFlags.DIRECTORY) {
      if (req.oflags & OFlags.CREAT && !exclusive) throw new SysError('EINVAL', 'O_CREAT with O_DIRECTORY');
      // ENOTDIR for a file or a symlink not followed, ENOENT when missing.
      return asDirectory([r.dir.openChild(r.name)]);
    }
    // open("new/", O_CREAT) cannot create a directory: EISDIR, as Linux answers.
    if (req.oflags & OFlags.CREAT && req.path.endsWith('/')) {
      const st = wrapFs(() => fs.lstatSync(host, { throwIfNoEntry: false }));
      if (st === undefined) throw new SysError('EISDIR');
    }
    const c = fs.constants;
    let flags = wantsRead && wantsWrite ? c.O_RDWR : wantsWrite ? c.O_WRONLY : c.O_RDONLY;
    if (req.oflags & OFlags.CREAT) flags |= c.O_CREAT;
    if (req.oflags & OFlags.EXCL) flags |= c.O_EXCL;
    if (req.oflags & OFlags.TRUNC) flags |= c.O_TRUNC;
    // Never follow the entry (the lookup already expanded what it should:
    // a symlink here was swapped in since, and ELOOP makes #following look
    // again), and never let open, read or write block Node's thread (FIFOs,
    // devices; regular files ignore O_NONBLOCK).
    flags |= c.O_NOFOLLOW | c.O_NONBLOCK;
    // (O_NOFOLLOW on a symlink the guest asked not to follow is ELOOP, as natively.)
    const fd = wrapFs(() => fs.openSync(host, flags, 0o666));
    let mode: number;
    try {
      mode = fs.fstatSync(fd).mode;
    } catch (err) {
      fs.closeSync(fd);
      throw toSysError(err);
    }
    if ((mode & c.S_IFMT) === c.S_IFDIR) {
      fs.closeSync(fd);
      return asDirectory([r.dir.openChild(r.name)]);
    }
    const seekable = (mode & c.S_IFMT) === c.S_IFREG || (mode & c.S_IFMT) === c.S_IFBLK;
    const file = seekable ? new NodeFile(fd, filetypeOf(mode), req.fdflags) : new NodeStream(fd, filetypeOf(mode), req.fdflags);
    // Rights are granted by path_open (src/wasi/rights.ts), for every backend.
    return file;
  }

  statAt(path: string, followSymlinks: boolean): Filestat {
    const stat = (r: Resolved): Filestat => {
      if (r.name === undefined) return wrapFs(() => toFilestat(statHandle(r.dir)));
      const st = wrapFs(() => fs.lstatSync(r.dir.child(r.name as string), { bigint: true }));
      if (followSymlinks && st.isSymbolicLink()) throw new SysError('ELOOP'); // swapped in: look again
      return toFilestat(st);
    };
    return followSymlinks ? this.#following(path, stat) : this.#at(path, false, stat);
  }

  setTimesAt(path: string, followSymlinks: boolean, times: SetTimes): void {
    // The lookup expanded what should be followed; the entry itself is never followed.
    const set = (r: Resolved): void =>
      setTimes({ path: r.name === undefined ? r.dir.self : r.dir.child(r.name), follow: r.name === undefined }, times, () =>
        this.statAt(path, followSymlinks),
      );
    if (followSymlinks) this.#following(path, set);
    else this.#at(path, false, set);
  }

  mkdirAt(path: string): void {
    this.#entry(path, ({ host }) => {
      if (host === undefined) throw new SysError('EEXIST');
      wrapFs(() => fs.mkdirSync(host, 0o777));
    });
  }

  rmdirAt(path: string): void {
    // rmdir(2): a final "." is EINVAL and ".." ENOTEMPTY, whatever they name.
    const last = path.replace(/\/+$/, '').split('/').pop();
    if (last === '.') throw new SysError('EINVAL', 'cannot remove "."');
    if (last === '..') throw new SysError('ENOTEMPTY', 'cannot remove ".."');
    this.#entry(path, ({ host, slash, st }) => {
      if (host === undefined) throw new SysError('EBUSY', 'cannot remove a directory in use');
      if (slash && st !== undefined && !st.isDirectory()) throw new SysError('ENOTDIR');
      wrapFs(() => fs.rmdirSync(host));
    });
  }

  unlinkAt(path: string): void {
    this.#entry(path, ({ host, slash, st }) => {
      // POSIX says EPERM for unlink of a directory, Linux says EISDIR; WASI
      // hosts and Go's os.Remove expect EISDIR.
      if (host === undefined || st?.isDirectory()) throw new SysError('EISDIR');
      if (slash) throw new SysError(st === undefined ? 'ENOENT' : 'ENOTDIR');
      wrapFs(() => fs.unlinkSync(host));
    });
  }

  renameAt(oldPath: string, newDir: DirectoryOps, newPath: string): void {
    sameBackend(newDir).#entry(newPath, (to) =>
      this.#entry(oldPath, (from) => {
        if (from.host === undefined || to.host === undefined) throw new SysError('EBUSY', 'cannot rename a directory in use');
        // A trailing slash on either side demands directories (a symlink is not one).
        if (from.slash || to.slash) {
          if (from.st !== undefined && !from.st.isDirectory()) throw new SysError('ENOTDIR');
          if (to.slash && to.st !== undefined && !to.st.isDirectory()) throw new SysError('ENOTDIR');
        }
        const [src, dst] = [from.host, to.host];
        wrapFs(() => fs.renameSync(src, dst));
      }),
    );
  }

  linkAt(oldPath: string, followSymlinks: boolean, newDir: DirectoryOps, newPath: string): void {
    const link = (from: Resolved): void =>
      sameBackend(newDir).#entry(newPath, (to) => {
        if (to.host === undefined) throw new SysError('EEXIST');
        if (to.slash) throw new SysError(to.st === undefined ? 'ENOENT' : 'EEXIST');
        if (from.name === undefined) throw new SysError('EPERM', 'cannot link a directory');
        // link(2) does not follow a symlink it is given: the lookup expanded what should be.
        const [src, dst] = [from.dir.child(from.name), to.host];
        wrapFs(() => fs.linkSync(src, dst));
      });
    if (followSymlinks) this.#following(oldPath, link);
    else this.#at(oldPath, false, link);
  }

  symlinkAt(target: string, linkPath: string): void {
    if (target.includes('\0')) throw new SysError('EINVAL', 'symlink target contains NUL');
    // An absolute target would mean a different place to the guest and to the
    // host, except in a preopen of the host's `/` (as `go test` uses).
    if (target.startsWith('/') && !this.#scope.boundaryIsHostRoot)
      throw new SysError('ENOTCAPABLE', `symlink target ${target} is an absolute path`);
    this.#entry(linkPath, ({ host, slash, st }) => {
      if (host === undefined) throw new SysError('EEXIST');
      if (slash) throw new SysError(st === undefined ? 'ENOENT' : 'EEXIST');
      wrapFs(() => fs.symlinkSync(target, host));
    });
  }

  readlinkAt(path: string): Uint8Array {
    return this.#at(path, false, (r) => {
      if (r.name === undefined) throw new SysError('EINVAL', 'not a symbolic link');
      const host = r.dir.child(r.name);
      return wrapFs(() => fs.readlinkSync(host, { encoding: 'buffer' }));
    });
  }
}

function statHandle(h: DirHandle): fs.BigIntStats {
  return h.fd !== undefined ? fs.fstatSync(h.fd, { bigint: true }) : fs.statSync(h.self, { bigint: true });
}

function sameBackend(dir: DirectoryOps): NodeDirectory {
  if (!(dir instanceof NodeDirectory)) throw new SysError('EXDEV', 'rename or link across file system backends');
  return dir;
}
