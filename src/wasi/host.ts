import { DialtoneError } from '../errors.ts';
import { SysError } from '../internal/errno.ts';
import { DnsInterceptor, STUB_NAMESERVER } from '../dns/interceptor.ts';
import { hostsFile, resolvConf } from '../dns/files.ts';
import { HostResolver } from '../dns/resolver.ts';
import { DnsStub } from '../dns/stub.ts';
import { DENY_ALL } from '../policy/policy.ts';
import { GuestNetwork, type GuestNetworkOptions } from '../sockets/guest-network.ts';
import type { HostUnixPath } from '../sockets/host-unix-path.ts';
import type { Interceptor } from '../sockets/interceptor.ts';
import type { Jspi } from '../internal/jspi.ts';
import type { NetDriver } from '../netdev/socket.ts';
import type { Platform, PreopenDirectory } from '../platform/platform.ts';
import type { Descriptor } from './descriptor.ts';
import { FdTable } from './fd-table.ts';
import { makeReadOnly } from './rights.ts';
import { Scheduler, type HostContext, type HostFunction } from './host-function.ts';
import { toImports } from './imports.ts';
import { GuestMemory, encodeUtf8 } from './memory.ts';
import { PREVIEW1, preview1 } from './preview1/index.ts';
import { EtcOverlay } from './fs/etc-overlay.ts';
import { wasmEdgeSockets, wasmEdgeVersion } from './sockets/wasmedge.ts';
import { WASINET, wasinet } from './sockets/wasinet.ts';
import { CallbackOutput, FixedInput, type InputSource, type OutputTarget } from './stdio.ts';

/** Socket ABI selection (see {@link HostConfig.socketAbi}). */
export type SocketAbi = 'auto' | 'wasmedge' | 'wasmedge-v1' | 'wasmedge-v2' | 'wasinet' | 'none';

/**
 * A directory shown to the guest under a path of its own: a host directory
 * (opened by the platform; Node only) or a directory already open (an
 * in-memory filesystem, say).
 */
export type Preopen = (
  | {
      /** Directory on the host. */
      host: string;
      /** Path the guest sees (e.g. `/data`, or `/` for everything). */
      guest: string;
    }
  | { dir: PreopenDirectory; guest: string }
) & {
  /**
   * The guest may read but not change anything in it: every write, create,
   * remove, rename, truncate or set-times is refused with ENOTCAPABLE (see
   * {@link makeReadOnly}), and so is binding a Unix socket in it.
   */
  readOnly?: boolean | undefined;
};

/** What one guest instance gets from its host. */
export interface HostConfig {
  /** Clocks, randomness, scheduling, the default driver: what the JavaScript host provides. */
  platform: Platform;
  /** argv, including argv[0]. */
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  preopens: readonly Preopen[];
  stdin: InputSource;
  stdout: OutputTarget;
  stderr: OutputTarget;
  /** Receives one line per host call when set. */
  trace?: ((line: string) => void) | undefined;
  /**
   * Most descriptors the guest may hold open at once, stdio and preopens
   * included (default 4096, of which at most 1024
   * sockets); past it, opening a file or socket or accepting a connection
   * is EMFILE. When set, it also becomes the socket cap.
   */
  maxOpenFiles?: number | undefined;
  /** Receives host bugs (never guest errors). Defaults to writing to stderr. */
  onInternalError?: ((fn: string, err: unknown) => void) | undefined;
  /** Sockets: driver and policy (default: the platform's driver, everything denied). */
  network?: Partial<Pick<GuestNetworkOptions, 'driver' | 'policy' | 'maxSockets'>> | undefined;
  /**
   * Answer the guest's DNS in the host: a stub nameserver behind a virtual
   * /etc/resolv.conf (see {@link WasiHost.addEtc}), resolving through the
   * driver and the policy.
   */
  dns?: boolean | undefined;
  /**
   * The upstream DNS server (`HOST[:PORT]`, HOST an IP address) that names
   * are asked of, by the stub and by `sock_getaddrinfo` / `sock_getaddrip`,
   * instead of the system resolver. The host talks to it itself, so the
   * guest's policy does not apply to that address (it still judges every
   * name looked up). Default: the driver's lookup (the system resolver).
   */
  dnsServer?: string | undefined;
  /**
   * Which socket ABIs to provide: `auto` (default) gives both wasinet_v0
   * and the WasmEdge extensions, the WasmEdge version picked from the
   * module's import signatures; the others force one.
   */
  socketAbi?: SocketAbi | undefined;
  /** Import signatures of the module, to pick the WasmEdge socket ABI version. */
  signatures?: ReadonlyMap<string, { params: number; results: number }> | undefined;
}

/**
 * The host side of one guest: its fd table (stdio, then preopens from fd 3),
 * its context and the import object. Call {@link bind} with the instance's
 * memory before starting the guest, and {@link close} after it ends.
 */
export class WasiHost {
  readonly fds: FdTable;
  /** The guest's sockets, policy and resolver. */
  readonly network: GuestNetwork;
  readonly #config: HostConfig;
  /** Event-loop fairness and the guest's wake-up timers (cancelled at close). */
  readonly #scheduler: Scheduler;
  readonly #preopens: { guest: string; dir: PreopenDirectory; readOnly: boolean }[] = [];
  #memory: GuestMemory | undefined;

  constructor(config: HostConfig) {
    this.#config = config;
    this.fds = new FdTable(config.maxOpenFiles, config.trace);
    this.#scheduler = new Scheduler(config.platform.macrotask);
    const platform = config.platform;
    // A cap below what the guest starts with (EMFILE here) or a directory
    // that cannot be opened must not leave the ones opened before it open.
    try {
      this.fds.adopt(typeof config.stdin === 'number' ? hostFd(platform, 'input', config.stdin) : new FixedInput(config.stdin));
      for (const out of [config.stdout, config.stderr])
        this.fds.adopt(typeof out === 'number' ? hostFd(platform, 'output', out) : new CallbackOutput(out));
      for (const p of config.preopens) {
        const dir = 'dir' in p ? p.dir : openHostDirectory(platform, p.host, p.guest);
        const readOnly = p.readOnly === true;
        if (readOnly) makeReadOnly(dir);
        this.#preopens.push({ guest: p.guest, dir, readOnly });
        this.fds.adopt(dir);
      }
    } catch (err) {
      this.fds.closeAll();
      throw err;
    }
    const driver = config.network?.driver ?? deferredDriver(() => platform.defaultDriver());
    const policy = config.network?.policy ?? DENY_ALL;
    const interceptors: Interceptor[] = [];
    // One resolver for the stub and the socket ABIs: one cap, one deadline, one error model.
    const resolver = new HostResolver({
      lookup: (name, family) => driver.lookup(name, family),
      server: config.dnsServer,
      upstream: platform.dnsServerResolver,
    });
    if (config.dns) {
      const stub = new DnsStub({
        policy: (name) => policy.checkLookup(name),
        resolver,
        onResolved: (name, addresses) => policy.learn(name, addresses),
        onRefused: (_name, reason) => config.trace?.(`policy: ${reason}`),
      });
      interceptors.push(new DnsInterceptor(stub));
    }
    this.network = new GuestNetwork({
      driver,
      policy,
      resolver,
      maxSockets: config.network?.maxSockets ?? config.maxOpenFiles,
      interceptors,
      onRefused: config.trace,
      unixPath: (guestPath, use) => this.unixSocketPath(guestPath, use),
    });
  }

  /**
   * Preopens the guest's virtual `/etc` (resolv.conf naming the stub
   * nameserver, hosts, nsswitch.conf) over the host's /etc when `/` is
   * preopened. Call after the other preopens (directories, then sockets) so
   * their fd numbers stay as the caller listed them. Skipped when the caller
   * preopened `/etc` itself.
   */
  addEtc(): void {
    if (this.#preopens.some((p) => p.guest.replace(/\/+$/, '') === '/etc')) return;
    const root = this.#preopens.find((p) => p.guest === '/');
    let fallback: PreopenDirectory | undefined;
    try {
      // Within the root's scope, so /etc's symlinks (`../usr/...`, absolute) resolve as natively.
      fallback = root?.dir.subdirectory('etc');
    } catch {
      // no /etc on the host side: the virtual files alone
    }
    const etc = new EtcOverlay(
      { 'resolv.conf': resolvConf(STUB_NAMESERVER), hosts: hostsFile(), 'nsswitch.conf': 'hosts: files dns\n' },
      fallback,
    );
    // The host's /etc behind it is as read-only as the `/` it came from.
    if (root?.readOnly === true) makeReadOnly(etc);
    this.fds.add(etc);
  }

  /**
   * Maps an absolute guest Unix socket path to the host through the preopen
   * with the longest matching prefix (as Go itself picks preopens), staying
   * inside it; see {@link PreopenDirectory.unixSocketPath}.
   */
  unixSocketPath(guestPath: string, use: 'bind' | 'connect'): HostUnixPath {
    let best: { guest: string; dir: PreopenDirectory; readOnly: boolean } | undefined;
    for (const p of this.#preopens) {
      const prefix = p.guest.endsWith('/') ? p.guest : `${p.guest}/`;
      if (
        (guestPath === p.guest || guestPath.startsWith(prefix) || p.guest === '/') &&
        (best === undefined || p.guest.length > best.guest.length)
      )
        best = p;
    }
    if (best === undefined || !guestPath.startsWith('/')) throw new SysError('ENOENT', `${guestPath} is not under a preopened directory`);
    // Binding creates the socket's file: a write, as with path_* calls.
    if (use === 'bind' && best.readOnly) throw new SysError('ENOTCAPABLE', `${guestPath} is in a read-only preopen`);
    const rest = guestPath.slice(best.guest.length).replace(/^\/+/, '');
    return best.dir.unixSocketPath(rest === '' ? '.' : rest, use);
  }

  /** The import object for `WebAssembly.instantiate`. */
  imports(jspi: Jspi): WebAssembly.Imports {
    const memory = (): GuestMemory => {
      if (this.#memory === undefined) throw new Error('guest memory used before bind()');
      return this.#memory;
    };
    const ctx: HostContext = {
      get memory(): GuestMemory {
        return memory();
      },
      fds: this.fds,
      args: this.#config.args.map((a) => encodeUtf8(`${a}\0`)),
      env: Object.entries(this.#config.env).map(([k, v]) => encodeUtf8(`${k}=${v}\0`)),
      randomFill: (buf) => this.#config.platform.randomFill(buf),
      clocks: this.#config.platform.clocks,
      scheduler: this.#scheduler,
    };
    const abi = this.#config.socketAbi ?? 'auto';
    const wasmEdge: HostFunction[] =
      abi === 'auto' || abi === 'wasmedge'
        ? wasmEdgeSockets(ctx, this.network, wasmEdgeVersion(this.#config.signatures))
        : abi === 'wasmedge-v1' || abi === 'wasmedge-v2'
          ? wasmEdgeSockets(ctx, this.network, abi === 'wasmedge-v1' ? 'v1' : 'v2')
          : [];
    // Later definitions win: WasmEdge V1's sock_accept replaces preview 1's.
    const byName = new Map([...preview1(ctx), ...wasmEdge].map((f) => [f.name, f]));
    const edge = {
      trace: this.#config.trace,
      memory: () => this.#memory,
      onInternalError:
        this.#config.onInternalError ??
        ((fn: string, err: unknown) =>
          this.#config.platform.reportInternalError(
            `dialtone: internal error in ${fn}: ${err instanceof Error ? err.stack : String(err)}`,
          )),
    };
    const imports: WebAssembly.Imports = { [PREVIEW1]: toImports([...byName.values()], jspi, edge) as WebAssembly.ModuleImports };
    if (abi === 'auto' || abi === 'wasinet')
      imports[WASINET] = toImports(wasinet(ctx, this.network), jspi, edge) as WebAssembly.ModuleImports;
    return imports;
  }

  /** Attaches the instance's exported memory. */
  bind(memory: WebAssembly.Memory): void {
    this.#memory = new GuestMemory(memory);
  }

  /**
   * Closes every descriptor the guest left open, then waits until sockets
   * have delivered what the guest wrote before it ended (bounded per socket).
   */
  async close(): Promise<void> {
    this.#scheduler.close();
    this.fds.closeAll();
    await this.network.flushed();
  }
}

/**
 * The platform's default driver, made when the guest first opens a socket
 * or looks a name up: a guest that never does so never loads the platform's
 * socket code (Node's is tens of milliseconds of start-up).
 */
function deferredDriver(make: () => NetDriver): NetDriver {
  let driver: NetDriver | undefined;
  const get = (): NetDriver => (driver ??= make());
  return {
    socket: (family, type) => get().socket(family, type),
    lookup: (hostname, family) => get().lookup(hostname, family),
  };
}

function openHostDirectory(platform: Platform, host: string, guest: string): PreopenDirectory {
  if (platform.openDirectory === undefined)
    throw new DialtoneError(
      'ERR_DIR_NOT_FOUND',
      `cannot preopen ${host}: ${platform.name} has no host filesystem (give the files instead)`,
    );
  return platform.openDirectory(host, guest);
}

function hostFd(platform: Platform, direction: 'input' | 'output', fd: number): Descriptor {
  if (platform.hostStdio === undefined)
    throw new TypeError(`stdio as host fd ${fd}: ${platform.name} has no host fds (give a callback or the input itself)`);
  return platform.hostStdio(direction, fd);
}
