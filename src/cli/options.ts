import { parseDnsServer } from '../dns/resolver.ts';
import { DialtoneError } from '../errors.ts';
import { WASM_PAGE_BYTES } from '../memory-cap.ts';
import type { SocketAbi } from '../wasi/host.ts';
import { MAX_OPEN_FILES } from '../wasi/limits.ts';
import { parseByteSize } from './byte-size.ts';

const SOCKET_ABIS: readonly SocketAbi[] = ['auto', 'wasmedge', 'wasmedge-v1', 'wasmedge-v2', 'wasinet', 'none'];

/** A parsed `dialtone run` command line. */
export interface RunCommand {
  command: 'run';
  module: string;
  args: string[];
  /** Preopens in command-line order: guest path → host path, read-only with `:ro`. */
  dirs: { host: string; guest: string; readOnly: boolean }[];
  env: Record<string, string>;
  inheritEnv: boolean;
  trace: boolean;
  /** Network policy flags, one item per occurrence (`true` for a bare flag). */
  policy: { allowNet: (true | string)[]; allowListen: (true | string)[]; denyNet: (true | string)[] };
  /** Preopened listening sockets (`--listen ADDR`). */
  listen: string[];
  /** Preopened connected sockets (`--dial ADDR`). */
  dial: string[];
  /** `--socket-abi`: which socket ABIs to provide. */
  socketAbi: SocketAbi;
  /** `--max-memory`: the guest's memory cap in bytes (undefined: none). */
  maxMemory?: number | undefined;
  /** `--max-open-files N`: most descriptors open at once (undefined: the default, 4096). */
  maxOpenFiles?: number | undefined;
  /** `--cpu-prof[=FILE]`: write a CPU profile to FILE (`true`: the default name in the current directory). */
  cpuProfile?: string | true | undefined;
  /** `--dns-server HOST[:PORT]`: the upstream DNS server, instead of the system resolver. */
  dnsServer?: string | undefined;
  /** `--relay URL`: send the guest's sockets through this Wisp relay. */
  relay?: string | undefined;
}

/** A parsed `dialtone relay` command line. */
export interface RelayCommand {
  command: 'relay';
  /** `--listen HOST:PORT` (default 127.0.0.1:8717). */
  host: string;
  port: number;
  /** `--allow-net[=LIST]` / `--deny-net=LIST` occurrences (`true` for a bare flag). */
  allowNet: (true | string)[];
  denyNet: (true | string)[];
  /** `--allow-listen[=LIST]` occurrences: where clients may listen (none: nowhere). */
  allowListen: (true | string)[];
  /** `--static DIR`. */
  staticDir?: string | undefined;
  /** `--origin=LIST` entries. */
  origins: string[];
  /** `--token SECRET`. */
  token?: string | undefined;
}

/** Any parsed command line. */
export type Command = RunCommand | RelayCommand | { command: 'help' } | { command: 'version' };

export const USAGE = `Usage: dialtone run [options] module.wasm [args...]

Runs a WASI preview 1 program (e.g. GOOS=wasip1 Go) under Node.js.
The guest's exit code becomes dialtone's.

Options:
  --dir HOST[:GUEST[:ro]]
                       preopen directory HOST, shown to the guest as GUEST
                       (default: HOST as written); repeatable. With :ro the
                       guest can only read it: writes, creates, removes,
                       renames, truncates and set-times fail (ENOTCAPABLE)
  --env KEY=VALUE      set a guest environment variable; repeatable
  --inherit-env        pass dialtone's whole environment to the guest
                       (--env entries still win)
  --trace              print every host call, its arguments and result to
                       stderr, one line each (and why the policy refused)
  --max-memory SIZE    cap the guest's memory at SIZE bytes, or with a unit:
                       64KiB, 256MiB, 2GiB; past it the guest's allocations
                       fail (Go: "fatal error: out of memory", exit 2)
  --max-open-files N   let the guest hold at most N descriptors at once,
                       stdio and preopens included (default 4096); past it
                       opening files or sockets and accepting connections
                       fail with EMFILE ("too many open files")
  --cpu-prof[=FILE]    write a CPU profile of the run to FILE (default:
                       dialtone-PID-TIME.cpuprofile here), with the guest's
                       Go function names, for Chrome DevTools or speedscope;
                       Ctrl-C stops the guest and still writes it
                       (see docs/profiling.md)

Network (everything is refused unless allowed):
  --allow-net          allow every connection, send, lookup and listener
  --allow-net=LIST     allow connections to HOST[:PORT], [IPv6][:PORT], CIDR,
                       ports as P or P-Q; a host name covers the addresses it
                       resolves to
  --allow-listen=LIST  allow listening on ADDR[:PORT] or :PORT
  --deny-net=LIST      refuse these targets; deny wins over allow
  --listen ADDR        hand the guest a listening socket (HOST:PORT or a path)
  --dial ADDR          hand the guest a connected socket
                       (both after the --dir fds, for net.FileListener / FileConn)
  --dns-server HOST[:PORT]
                       ask this DNS server (an IP address; port 53 by
                       default) for every name, instead of the system
                       resolver; the policy still judges each name
  --socket-abi ABI     auto (default: WasmEdge extensions, version from the
                       module's imports, and wasinet_v0), wasmedge (the
                       WasmEdge extensions only), wasmedge-v1, wasmedge-v2,
                       wasinet, or none
  --relay URL          send the guest's sockets through the Wisp relay at URL
                       (ws://HOST:PORT/) instead of this machine's network;
                       the relay resolves names, and listens for the guest
                       where its --allow-listen allows
  -h, --help           show this help
  --version            show dialtone's version

Arguments after the module (or after --) go to the guest unchanged.

Usage: dialtone relay [options]

Runs a Wisp (v1 and v2) relay: browser and --relay guests' sockets go out
from here. By default only public addresses are reachable.

Options:
  --listen HOST:PORT   where to listen (default 127.0.0.1:8717; port 0 = any)
  --allow-net          allow every destination, loopback and private included
  --allow-net=LIST     allow exactly these destinations (the syntax of run's
                       --allow-net), instead of public addresses only
  --deny-net=LIST      refuse these destinations; deny wins
  --allow-listen=LIST  let clients listen on ADDR[:PORT] or :PORT (the syntax
                       of run's --allow-listen; bare: anywhere); by default
                       clients cannot listen
  --origin=LIST        also accept WebSockets from these page origins
                       (default: the relay's own origin, and non-browsers)
  --token SECRET       require ?token=SECRET (or Authorization: Bearer)
  --static DIR         also serve DIR over HTTP, cross-origin isolated`;

function usage(message: string): never {
  throw new DialtoneError('ERR_USAGE', `${message} (see dialtone --help)`);
}

/** Parses `argv` (without node and script). Throws ERR_USAGE with one-line reasons. */
export function parseCommandLine(argv: readonly string[]): Command {
  if (argv.length === 0) usage('no command given');
  const [command, ...rest] = argv;
  if (command === '-h' || command === '--help' || command === 'help') return { command: 'help' };
  if (command === '--version' || command === 'version') return { command: 'version' };
  if (command === 'relay') return parseRelay(rest);
  if (command !== 'run') usage(`unknown command "${command}"`);

  const cmd: RunCommand = {
    command: 'run',
    module: '',
    args: [],
    dirs: [],
    env: {},
    inheritEnv: false,
    trace: false,
    policy: { allowNet: [], allowListen: [], denyNet: [] },
    listen: [],
    dial: [],
    socketAbi: 'auto',
  };
  let i = 0;
  const value = (flag: string, inline: string | undefined): string => {
    if (inline !== undefined) return inline;
    const v = rest[++i];
    if (v === undefined) usage(`${flag} needs a value`);
    return v;
  };
  for (; i < rest.length; i++) {
    const arg = rest[i] as string;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    switch (flag) {
      case '-h':
      case '--help':
        return { command: 'help' };
      case '--dir': {
        const spec = value(flag, inline);
        const colon = spec.indexOf(':', 1);
        const host = colon === -1 ? spec : spec.slice(0, colon);
        let guest = colon === -1 ? spec : spec.slice(colon + 1);
        // ":ro" only after a GUEST (HOST:GUEST:ro): "HOST:ro" still shows HOST as "ro".
        const readOnly = colon !== -1 && guest.endsWith(':ro') && guest.length > ':ro'.length;
        if (readOnly) guest = guest.slice(0, -':ro'.length);
        if (host === '' || guest === '') usage(`--dir ${spec}: expected HOST[:GUEST[:ro]]`);
        cmd.dirs.push({ host, guest, readOnly });
        break;
      }
      case '--env': {
        const kv = value(flag, inline);
        const at = kv.indexOf('=');
        if (at <= 0) usage(`--env ${kv}: expected KEY=VALUE`);
        cmd.env[kv.slice(0, at)] = kv.slice(at + 1);
        break;
      }
      case '--inherit-env':
        cmd.inheritEnv = true;
        break;
      case '--trace':
        cmd.trace = true;
        break;
      // The policy flags take their list only after "=": a bare flag means "all".
      case '--allow-net':
        cmd.policy.allowNet.push(inline ?? true);
        break;
      case '--allow-listen':
        cmd.policy.allowListen.push(inline ?? true);
        break;
      case '--deny-net':
        cmd.policy.denyNet.push(inline ?? true);
        break;
      case '--listen':
        cmd.listen.push(value(flag, inline));
        break;
      case '--dial':
        cmd.dial.push(value(flag, inline));
        break;
      case '--max-open-files': {
        const text = value(flag, inline);
        const n = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
        if (!(n >= 1 && n <= MAX_OPEN_FILES)) usage(`--max-open-files ${text}: expected a whole number from 1 to ${MAX_OPEN_FILES}`);
        cmd.maxOpenFiles = n;
        break;
      }
      // Its FILE only after "=", as node's --cpu-prof-name: a bare flag takes the default name.
      case '--cpu-prof':
        if (inline === '') usage('--cpu-prof=: expected a file name after "="');
        cmd.cpuProfile = inline ?? true;
        break;
      case '--max-memory': {
        const text = value(flag, inline);
        const bytes = parseByteSize(text);
        if (bytes === undefined || bytes < WASM_PAGE_BYTES) usage(`--max-memory ${text}: expected a size of at least 64KiB, e.g. 256MiB`);
        cmd.maxMemory = bytes;
        break;
      }
      case '--dns-server': {
        const server = value(flag, inline);
        try {
          parseDnsServer(server);
        } catch (err) {
          usage(`--dns-server ${(err as Error).message.replace(/^DNS server /, '')}`);
        }
        cmd.dnsServer = server;
        break;
      }
      case '--relay': {
        const url = value(flag, inline);
        if (!/^wss?:\/\/[^/]+\/.*$/.test(url)) usage(`--relay ${url}: expected ws://HOST:PORT/ (ending in /)`);
        cmd.relay = url;
        break;
      }
      case '--socket-abi': {
        const abi = value(flag, inline);
        if (!SOCKET_ABIS.includes(abi as SocketAbi)) usage(`--socket-abi ${abi}: expected one of ${SOCKET_ABIS.join(', ')}`);
        cmd.socketAbi = abi as SocketAbi;
        break;
      }
      default:
        usage(`unknown option ${flag}`);
    }
  }
  const module = rest[i];
  if (module === undefined) usage('no module given');
  cmd.module = module;
  cmd.args = rest.slice(i + 1);
  return cmd;
}

/** Parses the options of `dialtone relay`. */
function parseRelay(rest: readonly string[]): RelayCommand {
  const cmd: RelayCommand = { command: 'relay', host: '127.0.0.1', port: 8717, allowNet: [], denyNet: [], allowListen: [], origins: [] };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = rest[++i];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--listen': {
        const spec = value();
        const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(spec);
        if (m === null || Number(m[3]) > 65535) usage(`--listen ${spec}: expected HOST:PORT`);
        cmd.host = m[1] ?? (m[2] || '127.0.0.1');
        cmd.port = Number(m[3]);
        break;
      }
      case '--allow-net':
        cmd.allowNet.push(inline ?? true);
        break;
      case '--deny-net':
        cmd.denyNet.push(inline ?? true);
        break;
      case '--allow-listen':
        cmd.allowListen.push(inline ?? true);
        break;
      case '--origin':
        cmd.origins.push(
          ...value()
            .split(',')
            .map((o) => o.trim())
            .filter((o) => o !== ''),
        );
        break;
      case '--token':
        cmd.token = value();
        if (cmd.token === '') usage('--token needs a non-empty secret');
        break;
      case '--static':
        cmd.staticDir = value();
        break;
      default:
        usage(`unknown relay option ${arg}`);
    }
  }
  return cmd;
}
