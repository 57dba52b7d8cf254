import { DialtoneError } from './errors.ts';
import type { LoadedModule } from './module.ts';
import { prepareModule, type ModuleSource, type PreparedModule } from './node-module-file.ts';
import { NODE_PLATFORM } from './platform/node.ts';
import type { CpuProfileOptions } from './profile/cpu-profile.ts';
import { runGuest, type RunResult } from './run-guest.ts';
import type { Preopen, SocketAbi, WasiHost } from './wasi/host.ts';
import type { NetDriver } from './netdev/socket.ts';
import type { NetworkPolicy } from './policy/policy.ts';
import type { RulePolicyOptions } from './policy/rules.ts';
import type { InputSource, OutputTarget } from './wasi/stdio.ts';
import { MAX_OPEN_FILES } from './wasi/limits.ts';

/** Options for {@link run}. Everything is denied or empty unless given. */
export interface RunOptions {
  /** Arguments after argv[0]. */
  args?: readonly string[];
  /** argv[0] as the guest sees it (default: the module's file name, or `main.wasm`). */
  argv0?: string;
  /** The guest's entire environment. */
  env?: Readonly<Record<string, string>>;
  /**
   * Directories to preopen, guest path → host path, in order
   * (e.g. `{ '/data': './fixtures' }`). They become fds 3, 4, ...
   * `{ host, readOnly: true }` instead of the path preopens it read-only:
   * the guest reads, and every write, create, remove, rename, truncate or
   * set-times in it is refused with ENOTCAPABLE
   * (`{ '/etc/ssl/certs': { host: '/etc/ssl/certs', readOnly: true } }`).
   */
  dirs?: Readonly<Record<string, string | { host: string; readOnly?: boolean }>>;
  /** Guest stdio: host fds (default 0, 1, 2), a callback per output chunk, or fixed input. */
  stdio?: { stdin?: InputSource; stdout?: OutputTarget; stderr?: OutputTarget };
  /** `true` writes one line per host call to stderr; a function receives the lines. */
  trace?: boolean | ((line: string) => void);
  /** The guest's network: everything is refused unless a policy allows it. */
  net?: NetOptions;
  /**
   * Most bytes of memory the guest may have (rounded down to 64 KiB pages;
   * default: WebAssembly's own 4 GiB). Past it the guest's allocations fail
   * inside the guest (Go: "fatal error: out of memory", exit 2). Needs the
   * module as a path, URL or bytes: a compiled `WebAssembly.Module`, or one
   * whose initial memory is already larger, is refused with ERR_MAX_MEMORY.
   */
  maxMemory?: number;
  /**
   * Most descriptors the guest may hold open at once, counting stdio, the
   * preopened directories and sockets (as `ulimit -n` counts fds 0-2); past
   * it, opening a file or socket or accepting a connection fails with
   * EMFILE (Go: "too many open files"), and an accept leaves the connection
   * queued. Default 4096, of which at most 1024 sockets. A whole number
   * from 1 to 32767, and at least what the guest starts with, else
   * ERR_USAGE. (The CLI's `--max-open-files`.)
   */
  maxOpenFiles?: number;
  /**
   * Stops the guest when aborted: its next host call, or the wait it is
   * suspended in, ends it, and `run()` rejects with the signal's reason
   * (an `AbortError` from `AbortController.abort()`). A guest busy in a
   * loop that calls no host function cannot be stopped on this thread;
   * `spawnWorker` can stop it anywhere.
   */
  signal?: AbortSignal;
  /**
   * Records a CPU profile of the run with V8's sampling profiler: a
   * `.cpuprofile` file (Chrome DevTools, speedscope) whose guest frames
   * carry the Go function names. A string is the file; see
   * {@link CpuProfileOptions} for the default name, a callback and the
   * interval, and docs/profiling.md for how to read it. The profiler
   * samples the whole thread: other guests running beside this one appear
   * in it too. (The CLI's `--cpu-prof`.)
   */
  cpuProfile?: string | CpuProfileOptions;
}

/** Network options for {@link run}. */
export interface NetOptions {
  /**
   * Decides every connect, bind/listen, send-to and lookup (default: deny
   * all): a policy object, or rules as the `--allow-net`, `--allow-listen`
   * and `--deny-net` flags take them (`{ allowNet: ['example.com:443'] }`),
   * from which a {@link RulePolicy} is built. A bad entry rejects with
   * `ERR_USAGE`.
   */
  policy?: NetworkPolicy | RulePolicyOptions;
  /**
   * Listening sockets to hand the guest, as `host:port` (`[::1]:0`, port 0 =
   * any). They follow stdio and the preopened directories in the fd table,
   * in this order, as Go's `net.FileListener` expects them.
   */
  listen?: readonly string[];
  /** Connected sockets to hand the guest (`host:port`), after the listeners. */
  dial?: readonly string[];
  /**
   * Socket ABIs to provide (default `auto`: WasmEdge extensions, version
   * from the module's imports, and `wasinet_v0`).
   */
  abi?: SocketAbi;
  /**
   * Resolve the guest's DNS queries in the host (a virtual /etc/resolv.conf
   * naming an in-host stub nameserver; answers from the system resolver,
   * subject to the policy). Default: on whenever a policy is given.
   */
  dns?: boolean;
  /**
   * The DNS server names are asked of, `HOST[:PORT]` with HOST an IP
   * address (`127.0.0.1:5353`, `[::1]:53`; port 53 by default), instead of
   * the system resolver: by the in-host stub and by the socket ABIs'
   * lookups alike. The host itself talks to it, so the policy does not
   * apply to its address; the policy still judges every name. Throws
   * TypeError for a malformed address. (The CLI's `--dns-server`.)
   */
  dnsServer?: string;
  /** The network driver (default: this machine's network through Node); e.g. a `WispDriver` for a relay. */
  driver?: NetDriver;
}

export type { ModuleSource, RunResult };

/**
 * Runs a WASI preview 1 command module (e.g. a Go `GOOS=wasip1` program)
 * to completion on this thread and resolves with its exit code. Rejects
 * with a {@link DialtoneError} when the module cannot be loaded or linked,
 * or when the guest traps.
 *
 * @example
 * const { exitCode } = await run('app.wasm', { args: ['hi'], dirs: { '/data': './data' } });
 */
export async function run(source: ModuleSource, options: RunOptions = {}): Promise<RunResult> {
  return runPrepared(prepareModule(source, options.maxMemory), options);
}

/**
 * {@link run} for a module already being read and compiled: the CLI starts
 * that before it imports this file, so that the two overlap. Internal (not
 * exported by the package).
 */
export async function runPrepared(preparing: Promise<PreparedModule>, options: RunOptions): Promise<RunResult> {
  // Its failure is awaited below, unless an error here comes first and is
  // the one reported: never an unhandled rejection meanwhile.
  preparing.catch(() => {});
  NODE_PLATFORM.jspi();
  // Start-up: the policy rules, the socket preopener and the profiler are
  // imported only by the runs that use them (see docs/benchmarks.md).
  const rules = options.net?.policy;
  const policy = rules === undefined ? undefined : (await import('./policy/portable.ts')).toNetworkPolicy(rules);
  checkMaxOpenFiles(options.maxOpenFiles);
  const { source, bytes, loaded } = await preparing;
  const start = (): Promise<RunResult> => runLoaded(source, loaded, policy, options);
  if (options.cpuProfile === undefined) return start();
  const { withCpuProfile } = await import('./profile/node/with-cpu-profile.ts');
  return withCpuProfile(options.cpuProfile, bytes, start);
}

/** Hands the guest the sockets of `--listen` / `--dial` (after its directories). */
async function preopenSocketsOf(host: WasiHost, net: NetOptions | undefined): Promise<void> {
  const listen = net?.listen ?? [];
  const dial = net?.dial ?? [];
  if (listen.length === 0 && dial.length === 0) return;
  const { preopenSockets } = await import('./wasi/sockets/preopened.ts');
  await preopenSockets(host, listen, dial);
}

/** Builds the guest's host from `options` and runs it. */
function runLoaded(source: ModuleSource, loaded: LoadedModule, policy: NetworkPolicy | undefined, options: RunOptions): Promise<RunResult> {
  const argv0 = options.argv0 ?? (typeof source === 'string' ? (source.split('/').pop() ?? source) : 'main.wasm');
  const preopens: Preopen[] = Object.entries(options.dirs ?? {}).map(([guest, d]) =>
    typeof d === 'string' ? { guest, host: d } : { guest, host: d.host, readOnly: d.readOnly === true },
  );
  const trace = options.trace === true ? (line: string) => process.stderr.write(`${line}\n`) : options.trace || undefined;
  return runGuest(
    loaded,
    {
      platform: NODE_PLATFORM,
      args: [argv0, ...(options.args ?? [])],
      env: options.env ?? {},
      preopens,
      stdin: options.stdio?.stdin ?? 0,
      stdout: options.stdio?.stdout ?? 1,
      stderr: options.stdio?.stderr ?? 2,
      trace,
      socketAbi: options.net?.abi,
      network: { policy, driver: options.net?.driver },
      dns: options.net?.dns ?? policy !== undefined,
      dnsServer: options.net?.dnsServer,
      maxOpenFiles: options.maxOpenFiles,
    },
    (host) => preopenSocketsOf(host, options.net),
    options.signal,
  );
}

function checkMaxOpenFiles(n: number | undefined): void {
  if (n !== undefined && !(Number.isInteger(n) && n >= 1 && n <= MAX_OPEN_FILES)) {
    throw new DialtoneError('ERR_USAGE', `maxOpenFiles ${n}: expected a whole number from 1 to ${MAX_OPEN_FILES}`);
  }
}
