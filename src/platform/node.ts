/**
 * The Node.js platform: real clocks, the kernel's randomness,
 * `setImmediate`, Node sockets, `node:dns` upstreams, host directories and
 * host fds as stdio.
 */
import { realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { DnsResolveFn } from '../dns/resolver.ts';
import { DialtoneError } from '../errors.ts';
import { requireJspi } from '../internal/jspi.ts';
import type { NodeDriver } from '../netdev/node/driver.ts';
import { performanceRealtimeNs } from '../wasi/preview1/clock.ts';
import { NodeDirectory } from '../wasi/fs/node-directory.ts';
import { randomFill } from './node-random.ts';
import { HostInput, HostOutput } from '../wasi/fs/node-stdio.ts';
import type { Platform, PreopenDirectory } from './platform.ts';

/** The platform of guests run by Node (`run()`, the CLI, workers). */
export const NODE_PLATFORM: Platform = Object.freeze({
  name: 'node',
  clocks: Object.freeze({
    realtimeNs: performanceRealtimeNs,
    monotonicNs: () => process.hrtime.bigint(),
    cpuTimeNs: () => {
      const u = process.cpuUsage();
      return BigInt(u.user + u.system) * 1000n;
    },
  }),
  randomFill,
  macrotask: (fn: () => void) => void setImmediate(fn),
  defaultDriver: () => new (loadNodeDriver())(),
  dnsServerResolver: lazyUpstreamResolver,
  jspi: () =>
    requireJspi(
      ` (Node ${process.versions.node}); dialtone needs Node 24 or later: ` +
        'install Node 24 (https://nodejs.org), or run "npm install --save-dev node@24" in your project so that npx and npm scripts use it',
    ),
  reportInternalError: (message: string) => void process.stderr.write(`${message}\n`),
  openDirectory,
  hostStdio: (direction: 'input' | 'output', fd: number) => (direction === 'input' ? new HostInput(fd) : new HostOutput(fd)),
});

function openDirectory(host: string, guest: string): PreopenDirectory {
  let root: string;
  try {
    root = realpathSync(host);
    if (!statSync(root).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new DialtoneError('ERR_DIR_NOT_FOUND', `directory to preopen does not exist or is not a directory: ${host}`);
  }
  return NodeDirectory.preopen(root, guest);
}

// Start-up: node:net, node:dgram, node:dns and dialtone's socket code cost
// tens of milliseconds to import, and most guests never open a socket. The
// host asks for its driver only when the guest first uses the network (see
// WasiHost), and only then is it loaded. `socket()` is synchronous, so this
// is a synchronous require() of the ES module (Node 22.12 and later); the
// specifier ends as this file does: .ts when run from source, .js in dist/.
// The bundled CLI (scripts/build-cli.ts) defines DIALTONE_NODE_DRIVER as
// its own chunk for the driver, beside this code's chunk.
declare const DIALTONE_NODE_DRIVER: string | undefined;
const requireHere = createRequire(import.meta.url);
const NODE_DRIVER =
  typeof DIALTONE_NODE_DRIVER === 'string'
    ? DIALTONE_NODE_DRIVER
    : `../netdev/node/driver${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`;

function loadNodeDriver(): typeof NodeDriver {
  return (requireHere(NODE_DRIVER) as typeof import('../netdev/node/driver.ts')).NodeDriver;
}

/** `upstreamResolver` (dns/node-system.ts), imported at the first name asked. */
function lazyUpstreamResolver(server: string, timeoutMs: number): DnsResolveFn {
  let resolve: DnsResolveFn | undefined;
  return async (name, family) => {
    resolve ??= (await import('../dns/node-system.ts')).upstreamResolver(server, timeoutMs);
    return resolve(name, family);
  };
}
