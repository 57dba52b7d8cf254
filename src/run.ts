import { readFile } from 'node:fs/promises';
import { DialtoneError } from './errors.ts';
import { loadModule, type LoadedModule } from './module.ts';
import { NODE_PLATFORM } from './platform/node.ts';
import { runGuest, type RunResult } from './run-guest.ts';
import type { Preopen, SocketAbi } from './wasi/host.ts';
import { preopenSockets } from './wasi/sockets/preopened.ts';
import type { NetDriver } from './netdev/socket.ts';
import type { NetworkPolicy } from './policy/policy.ts';
import { toNetworkPolicy } from './policy/portable.ts';
import type { RulePolicyOptions } from './policy/rules.ts';
import type { InputSource, OutputTarget } from './wasi/stdio.ts';

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
   */
  dirs?: Readonly<Record<string, string>>;
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

export type { RunResult };

/** Anything `run()` accepts as the guest program: a file path, a `file:` URL, bytes or a compiled module. */
export type ModuleSource = string | URL | Uint8Array | ArrayBuffer | WebAssembly.Module;

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
  NODE_PLATFORM.jspi();
  const policy = toNetworkPolicy(options.net?.policy);
  const loaded = await readModule(source, options.maxMemory);
  const argv0 = options.argv0 ?? (typeof source === 'string' ? (source.split('/').pop() ?? source) : 'main.wasm');
  const preopens: Preopen[] = Object.entries(options.dirs ?? {}).map(([guest, host]) => ({ guest, host }));
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
    },
    (host) => preopenSockets(host, options.net?.listen ?? [], options.net?.dial ?? []),
  );
}

/** Reads (a path or `file:` URL) and compiles a guest, with ERR_MODULE_NOT_FOUND / ERR_NOT_WASM on failure. */
async function readModule(source: ModuleSource, maxMemory: number | undefined): Promise<LoadedModule> {
  if (typeof source !== 'string' && !(source instanceof URL)) return loadModule(source, 'module', { maxMemory });
  const name = String(source);
  // dialtone reads files; fetching a module is the caller's job (pass its bytes).
  if (source instanceof URL && source.protocol !== 'file:') {
    throw new DialtoneError('ERR_MODULE_NOT_FOUND', `cannot read ${name}: only file: URLs are supported (pass the module's bytes instead)`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(source);
  } catch (err) {
    const reason = (err as { code?: string }).code === 'ENOENT' ? 'no such file' : String((err as Error).message);
    throw new DialtoneError('ERR_MODULE_NOT_FOUND', `cannot read ${name}: ${reason}`, { cause: err });
  }
  return loadModule(bytes, name, { maxMemory });
}
