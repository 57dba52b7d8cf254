import { DialtoneError } from '../errors.ts';
import { loadModule, type LoadedModule } from '../module.ts';
import type { NetDriver } from '../netdev/socket.ts';
import { WispDriver } from '../netdev/wisp/driver.ts';
import { BROWSER_PLATFORM } from '../platform/browser.ts';
import type { NetworkPolicy } from '../policy/policy.ts';
import { toNetworkPolicy } from '../policy/portable.ts';
import type { RulePolicyOptions } from '../policy/rules.ts';
import { runGuest, type RunResult } from '../run-guest.ts';
import { MemoryFs, type MemoryFiles } from '../wasi/fs/memory-fs.ts';
import type { SocketAbi } from '../wasi/host.ts';

/**
 * The guest program in a page: a URL (absolute, or relative to the page),
 * a `Response` (e.g. from `fetch`), bytes, or a compiled module.
 */
export type BrowserModuleSource = string | URL | Response | Uint8Array | ArrayBuffer | WebAssembly.Module;

/** Options for the browser's {@link run}. Everything is denied or empty unless given. */
export interface BrowserRunOptions {
  /** Arguments after argv[0]. */
  args?: readonly string[];
  /** argv[0] as the guest sees it (default: the last path segment of the module's URL, or `main.wasm`). */
  argv0?: string;
  /** The guest's entire environment. */
  env?: Readonly<Record<string, string>>;
  /**
   * Directories to preopen, guest path → an in-memory filesystem or the
   * files to start one with (`{ '/data': { 'in.txt': 'hello' } }`). The
   * guest reads and writes them; after the run, {@link BrowserRunResult.dirs}
   * holds each one (read it with `files()` or `readText()`).
   */
  dirs?: Readonly<Record<string, MemoryFs | MemoryFiles>>;
  /** Guest stdio: input as bytes or text, output to a callback per chunk (default: discarded). */
  stdio?: {
    stdin?: Uint8Array | string;
    stdout?: (chunk: Uint8Array) => void;
    stderr?: (chunk: Uint8Array) => void;
  };
  /** `true` writes one line per host call to the console; a function receives the lines. */
  trace?: boolean | ((line: string) => void);
  /** The guest's network: through a relay, and refused unless a policy allows it. */
  net?: BrowserNetOptions;
  /** Most bytes of memory the guest may have, as in Node's `run()`. */
  maxMemory?: number;
}

/** Network options for the browser's {@link run}. */
export interface BrowserNetOptions {
  /**
   * The Wisp relay the guest's sockets go through (`ws://HOST:PORT/` or
   * `wss://`), e.g. one `dialtone relay` serves. Names are resolved by the
   * relay. Without a relay (or a driver) the guest has no network: sockets
   * fail with ENOTSUP.
   */
  relay?: string;
  /** A driver of your own instead of a relay (it is not closed after the run); not with {@link relay}. */
  driver?: NetDriver;
  /** Decides every connect, listen, send-to and lookup, as in Node (default: deny all). */
  policy?: NetworkPolicy | RulePolicyOptions;
  /** Socket ABIs to provide (default `auto`). */
  abi?: SocketAbi;
  /** Answer the guest's DNS in the host (default: on whenever a policy is given). */
  dns?: boolean;
}

/** How a guest in a page ended, and the directories it had. */
export interface BrowserRunResult extends RunResult {
  /** Each preopened directory by guest path, with what the guest left in it. */
  dirs: Record<string, MemoryFs>;
}

/**
 * Runs a WASI preview 1 command module (e.g. a Go `GOOS=wasip1` program) in
 * a page or web worker and resolves with its exit code. Rejects with a
 * {@link DialtoneError} when the module cannot be fetched, compiled or
 * linked, when the relay cannot be reached (ERR_RELAY), or when the guest
 * traps.
 *
 * @example
 * const { exitCode } = await run('app.wasm', {
 *   args: ['https://example.com/'],
 *   stdio: { stdout: (b) => console.log(new TextDecoder().decode(b)) },
 *   net: { relay: 'ws://127.0.0.1:8717/', policy: { allowNet: ['example.com:443'] } },
 * });
 */
export async function run(source: BrowserModuleSource, options: BrowserRunOptions = {}): Promise<BrowserRunResult> {
  BROWSER_PLATFORM.jspi();
  if (options.net?.relay !== undefined && options.net.driver !== undefined)
    throw new DialtoneError('ERR_USAGE', 'net.relay and net.driver are two networks: give one');
  const policy = toNetworkPolicy(options.net?.policy);
  const loaded = await fetchModule(source, options.maxMemory);
  const dirs: Record<string, MemoryFs> = {};
  for (const [guest, d] of Object.entries(options.dirs ?? {})) dirs[guest] = d instanceof MemoryFs ? d : new MemoryFs(d);
  const relay = options.net?.relay === undefined ? undefined : await WispDriver.open(options.net.relay);
  const trace = options.trace === true ? (line: string) => console.log(line) : options.trace || undefined;
  try {
    const { exitCode } = await runGuest(loaded, {
      platform: BROWSER_PLATFORM,
      args: [options.argv0 ?? defaultArgv0(source), ...(options.args ?? [])],
      env: options.env ?? {},
      preopens: Object.entries(dirs).map(([guest, fs]) => ({ guest, dir: fs.preopen(guest) })),
      stdin: options.stdio?.stdin ?? '',
      stdout: options.stdio?.stdout ?? discard,
      stderr: options.stdio?.stderr ?? discard,
      trace,
      socketAbi: options.net?.abi,
      network: { policy, driver: options.net?.driver ?? relay },
      dns: options.net?.dns ?? policy !== undefined,
    });
    return { exitCode, dirs };
  } finally {
    relay?.close();
  }
}

function discard(): void {}

function defaultArgv0(source: BrowserModuleSource): string {
  const url = typeof source === 'string' || source instanceof URL ? String(source) : source instanceof Response ? source.url : '';
  const last = url.split(/[?#]/)[0]?.split('/').pop();
  return last === undefined || last === '' ? 'main.wasm' : last;
}

/** Fetches (a URL or a Response) and compiles a guest, with ERR_MODULE_NOT_FOUND / ERR_NOT_WASM on failure. */
async function fetchModule(source: BrowserModuleSource, maxMemory: number | undefined): Promise<LoadedModule> {
  if (source instanceof Uint8Array || source instanceof ArrayBuffer || source instanceof WebAssembly.Module)
    return loadModule(source, 'module', { maxMemory });
  let response: Response;
  let name: string;
  if (source instanceof Response) {
    response = source;
    name = source.url || 'the response';
  } else {
    let url: URL;
    try {
      url = new URL(source, globalThis.location?.href);
    } catch (err) {
      throw new DialtoneError('ERR_MODULE_NOT_FOUND', `cannot fetch ${String(source)}: not a URL (relative URLs need a page)`, {
        cause: err,
      });
    }
    name = url.href;
    try {
      response = await fetch(url);
    } catch (err) {
      throw new DialtoneError('ERR_MODULE_NOT_FOUND', `cannot fetch ${name}: ${(err as Error).message}`, { cause: err });
    }
  }
  if (!response.ok) throw new DialtoneError('ERR_MODULE_NOT_FOUND', `cannot fetch ${name}: HTTP ${response.status} ${response.statusText}`);
  return loadModule(new Uint8Array(await response.arrayBuffer()), name, { maxMemory });
}
