/**
 * dialtone: a WASI preview 1 host for Node.js.
 *
 * The public surface is what this file exports; everything under
 * `internal/` and `wasi/` is private and may change.
 * @module
 */
export { run, type NetOptions, type RunOptions, type RunResult } from './run.ts';
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
export type { Endpoint, IpEndpoint, UnixEndpoint } from './netdev/endpoint.ts';
export type { NetDriver, NetSocket } from './netdev/socket.ts';
export { NodeDriver } from './netdev/node/driver.ts';
export { WispDriver } from './netdev/wisp/driver.ts';
export { MemoryNetwork, type MemoryNetworkOptions } from './netdev/memory/network.ts';
export type { SocketAbi } from './wasi/host.ts';
export { spawnWorker, type WorkerGuest, type WorkerNetOptions, type WorkerRunOptions, type WorkerExit } from './worker/spawn.ts';
export { DialtoneError, type DialtoneErrorCode } from './errors.ts';
export { GuestPool, type GuestExit, type PooledGuest } from './pool/guest-pool.ts';
export type { CpuProfile, CpuProfileFrame, CpuProfileNode, CpuProfileOptions } from './profile/cpu-profile.ts';
export type { ModuleSource } from './run.ts';
export type { InputSource, OutputTarget } from './wasi/stdio.ts';
