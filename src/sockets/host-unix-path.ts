/**
 * Where a guest's Unix socket path is on the host: `path` for the policy and
 * messages, `address` for the driver (a path that no rename or symlink swap
 * can redirect, valid until `release()`).
 */
export interface HostUnixPath {
  readonly path: string;
  readonly address: string;
  release(): void;
}

/**
 * Maps a guest's Unix socket path to the host, for a bind or a connect
 * (a WASI host maps it through its preopened directories). Throws a
 * `SysError` (ENOENT, ENOTCAPABLE, ...) when the path has no host side.
 */
export type UnixPathMapper = (guestPath: string, use: 'bind' | 'connect') => HostUnixPath;
