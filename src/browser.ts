/**
 * dialtone for browsers: the same WASI preview 1 host as on Node, in a page
 * or a web worker, with in-memory directories and sockets through a Wisp
 * relay. Chosen by the package's `browser` export condition; also built as
 * one ES module, `dist/dialtone.browser.js`, for `<script type="module">`.
 *
 * The public surface is what this file exports.
 * @module
 */
export { run, type BrowserModuleSource, type BrowserNetOptions, type BrowserRunOptions, type BrowserRunResult } from './browser/run.ts';
export type { RunResult } from './run-guest.ts';
export { MemoryFs, type MemoryFiles } from './wasi/fs/memory-fs.ts';
export {
  ALLOW_ALL,
  DENY_ALL,
  RulePolicy,
  policyFromFlags,
  type NetOperation,
  type NetworkPolicy,
  type PolicyDecision,
  type PolicyFlags,
  type PortablePolicy,
  type RulePolicyOptions,
} from './policy/index.ts';
export { WispDriver } from './netdev/wisp/driver.ts';
export { MemoryNetwork, type MemoryNetworkOptions } from './netdev/memory/network.ts';
export type { NetDriver, NetSocket } from './netdev/socket.ts';
export type { Endpoint, IpEndpoint, UnixEndpoint } from './netdev/endpoint.ts';
export type { SocketAbi } from './wasi/host.ts';
export { DialtoneError, type DialtoneErrorCode } from './errors.ts';
