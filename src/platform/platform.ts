/**
 * The platform seam: everything the WASI core, the socket model, the DNS
 * stub and the policy need from the JavaScript host they run in, gathered
 * in one object that each platform's entry point assembles (`node.ts` for
 * Node.js, `browser.ts` for pages and workers) and hands down. Nothing
 * below this seam imports `node:*` or touches `process`, so the same core
 * runs in both.
 */
import type { Jspi } from '../internal/jspi.ts';
import type { NetDriver } from '../netdev/socket.ts';
import type { DnsResolveFn } from '../dns/resolver.ts';
import type { Descriptor, DirectoryOps } from '../wasi/descriptor.ts';
import type { HostUnixPath } from '../sockets/host-unix-path.ts';

/** Clocks in nanoseconds, as `clock_time_get` reports them. */
export interface Clocks {
  /** Since the Unix epoch. */
  realtimeNs(): bigint;
  /** Monotonic, from an arbitrary origin. */
  monotonicNs(): bigint;
  /** CPU time used by this process (a platform without one answers wall time since start). */
  cpuTimeNs(): bigint;
}

/**
 * A directory a guest gets as a preopen: a descriptor with its `path_*`
 * operations. Backends that can hold Unix sockets (the Node filesystem)
 * map guest socket paths to host paths; the others refuse.
 */
export interface PreopenDirectory extends Descriptor, DirectoryOps {
  /** The entry `path` (relative) as a directory resolving within this one's scope; used for the host's /etc behind the virtual one. */
  subdirectory(path: string): PreopenDirectory;
  /** The host path a Unix socket at `path` (relative) binds or connects to. */
  unixSocketPath(path: string, use: 'bind' | 'connect'): HostUnixPath;
}

/** What a guest's host needs from the platform it runs on. */
export interface Platform {
  /** `node` or `browser`, for messages. */
  readonly name: 'node' | 'browser';
  readonly clocks: Clocks;
  /** Fills `buf` with cryptographically strong random bytes (at most 64 KiB at a time). */
  randomFill(buf: Uint8Array): void;
  /**
   * Runs `fn` in a later macrotask, after the I/O callbacks already due
   * (Node: setImmediate; browsers: a MessageChannel message). Every wait
   * inside the host goes through here or a timer, so an engine without
   * JSPI can later drive the same waits from a worker.
   */
  macrotask(fn: () => void): void;
  /** The network driver guests get when the caller names none. */
  defaultDriver(): NetDriver;
  /**
   * Asks the DNS server `server` (`HOST:PORT` as `parseDnsServer` returns
   * it) for names, each query within `timeoutMs`; undefined where the
   * platform cannot send DNS queries itself.
   */
  dnsServerResolver?: ((server: string, timeoutMs: number) => DnsResolveFn) | undefined;
  /** The engine's JSPI, or a `DialtoneError` (ERR_NO_JSPI) saying what to install. */
  jspi(): Jspi;
  /** Reports a host bug (never a guest error): one message, e.g. to stderr or the console. */
  reportInternalError(message: string): void;
  /**
   * Opens host directory `host` as the preopen `guest`, or throws a
   * `DialtoneError` (ERR_DIR_NOT_FOUND); undefined where there is no host
   * filesystem.
   */
  openDirectory?: ((host: string, guest: string) => PreopenDirectory) | undefined;
  /** Stdio on host fd `fd`; undefined where there are no host fds. */
  hostStdio?: ((direction: 'input' | 'output', fd: number) => Descriptor) | undefined;
}
