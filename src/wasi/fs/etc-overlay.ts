import { SysError } from '../../internal/errno.ts';
import { Filetype, OFlags } from '../constants.ts';
import { Descriptor, type DirEntry, type DirectoryOps, type Filestat, type OpenRequest, type SetTimes } from '../descriptor.ts';
import { encodeUtf8 } from '../memory.ts';
import { MemoryFile } from './memory-file.ts';

const RIGHT_FD_WRITE = 1n << 6n;

/**
 * The guest's `/etc` when dialtone provides name resolution: a few virtual,
 * read-only files (resolv.conf, hosts, nsswitch.conf) in front of the
 * host's `/etc` when the guest can see it anyway (with `/` preopened, as
 * `go test` does), or alone otherwise. Go picks the preopen with the
 * longest prefix, so this directory answers every `/etc/...` path.
 */
export class EtcOverlay extends Descriptor implements DirectoryOps {
  readonly filetype = Filetype.DIRECTORY;
  readonly #files: ReadonlyMap<string, Uint8Array>;
  readonly #fallback: (Descriptor & DirectoryOps) | undefined;
  readonly #guestName: string;
  readonly #created = BigInt(Date.now()) * 1_000_000n;

  /**
   * @param files virtual file name → contents
   * @param fallback the host's /etc as a directory descriptor, when the guest may see it
   */
  constructor(files: Readonly<Record<string, string>>, fallback: (Descriptor & DirectoryOps) | undefined, guestName = '/etc') {
    super();
    this.#files = new Map(Object.entries(files).map(([k, v]) => [k, encodeUtf8(v)]));
    this.#fallback = fallback;
    this.#guestName = guestName;
  }

  override preopenName(): string {
    return this.#guestName;
  }

  override directory(): DirectoryOps {
    return this;
  }

  /** The virtual file a path names, if any (`hosts`, `./hosts`). */
  #virtual(path: string): Uint8Array | undefined {
    const parts = path.split('/').filter((p) => p !== '' && p !== '.');
    return parts.length === 1 ? this.#files.get(parts[0] as string) : undefined;
  }

  #inode(name: string): bigint {
    return BigInt([...this.#files.keys()].indexOf(name) + 1);
  }

  #fileStat(path: string): Filestat {
    const name = path.split('/').filter((p) => p !== '' && p !== '.')[0] as string;
    return new MemoryFile(this.#files.get(name) as Uint8Array, this.#inode(name), this.#created).stat();
  }

  #host(): Descriptor & DirectoryOps {
    if (this.#fallback === undefined) throw new SysError('ENOENT');
    return this.#fallback;
  }

  #readOnly(path: string): void {
    if (this.#virtual(path) !== undefined) throw new SysError('EROFS', `${this.#guestName}/${path} is provided by dialtone`);
  }

  override stat(): Filestat {
    if (this.#fallback !== undefined) return this.#fallback.stat();
    return {
      dev: 0n,
      ino: 0n,
      filetype: Filetype.DIRECTORY,
      nlink: 2n,
      size: 0n,
      atim: this.#created,
      mtim: this.#created,
      ctim: this.#created,
    };
  }

  override readdir(cookie: bigint): DirEntry[] {
    const own: DirEntry[] = [
      { name: encodeUtf8('.'), ino: 0n, filetype: Filetype.DIRECTORY },
      { name: encodeUtf8('..'), ino: 0n, filetype: Filetype.DIRECTORY },
      ...[...this.#files.keys()].map((n) => ({ name: encodeUtf8(n), ino: this.#inode(n), filetype: Filetype.REGULAR_FILE })),
    ];
    const dec = new TextDecoder();
    const host = (this.#fallback?.readdir(0n) ?? []).filter((e) => {
      const name = dec.decode(e.name);
      return name !== '.' && name !== '..' && !this.#files.has(name);
    });
    return [...own, ...host].slice(Number(cookie));
  }

  openAt(req: OpenRequest): Descriptor {
    const data = this.#virtual(req.path);
    if (data === undefined) return this.#host().openAt(req);
    if ((req.rightsBase & RIGHT_FD_WRITE) !== 0n || req.oflags & (OFlags.TRUNC | OFlags.CREAT)) {
      if (req.oflags & OFlags.CREAT && req.oflags & OFlags.EXCL) throw new SysError('EEXIST');
      throw new SysError('EROFS', `${this.#guestName}/${req.path} is provided by dialtone`);
    }
    if (req.oflags & OFlags.DIRECTORY) throw new SysError('ENOTDIR');
    const name = req.path.split('/').filter((p) => p !== '' && p !== '.')[0] as string;
    return new MemoryFile(data, this.#inode(name), this.#created);
  }

  statAt(path: string, followSymlinks: boolean): Filestat {
    return this.#virtual(path) !== undefined ? this.#fileStat(path) : this.#host().statAt(path, followSymlinks);
  }
  setTimesAt(path: string, followSymlinks: boolean, times: SetTimes): void {
    this.#readOnly(path);
    this.#host().setTimesAt(path, followSymlinks, times);
  }
  mkdirAt(path: string): void {
    this.#readOnly(path);
    this.#host().mkdirAt(path);
  }
  rmdirAt(path: string): void {
    this.#readOnly(path);
    this.#host().rmdirAt(path);
  }
  unlinkAt(path: string): void {
    this.#readOnly(path);
    this.#host().unlinkAt(path);
  }
  renameAt(oldPath: string, newDir: DirectoryOps, newPath: string): void {
    this.#readOnly(oldPath);
    this.#host().renameAt(oldPath, newDir === this ? this.#host() : newDir, newPath);
  }
  linkAt(oldPath: string, followSymlinks: boolean, newDir: DirectoryOps, newPath: string): void {
    this.#readOnly(oldPath);
    this.#host().linkAt(oldPath, followSymlinks, newDir === this ? this.#host() : newDir, newPath);
  }
  symlinkAt(target: string, linkPath: string): void {
    this.#readOnly(linkPath);
    this.#host().symlinkAt(target, linkPath);
  }
  readlinkAt(path: string): Uint8Array {
    if (this.#virtual(path) !== undefined) throw new SysError('EINVAL', 'not a symbolic link');
    return this.#host().readlinkAt(path);
  }

  override close(): void {
    this.#fallback?.close();
  }
}
