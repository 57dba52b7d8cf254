/**
 * The browser platform (a page or a worker): `performance` clocks, Web
 * Crypto, MessageChannel macrotasks, no host filesystem and no network but
 * a relay's (the default driver refuses every socket with ENOTSUP).
 */
import { SysError } from '../internal/errno.ts';
import { requireJspi } from '../internal/jspi.ts';
import type { NetDriver } from '../netdev/socket.ts';
import { performanceMonotonicNs, performanceRealtimeNs } from '../wasi/preview1/clock.ts';
import type { Platform } from './platform.ts';

/** The driver of a page given no relay: every socket and lookup is ENOTSUP, saying why. */
export const NO_NETWORK: NetDriver = Object.freeze({
  socket(): never {
    throw new SysError('ENOTSUP', 'no network in this page: give run() a relay (net.relay)');
  },
  lookup(): Promise<string[]> {
    return Promise.reject(new SysError('ENOTSUP', 'no network in this page: give run() a relay (net.relay)'));
  },
});

/**
 * The next macrotask, through a MessageChannel: unlike `setTimeout(0)`,
 * not clamped to 4 ms once nested, and unlike a microtask, it lets input
 * and network events run first.
 */
function macrotaskQueue(): (fn: () => void) => void {
  const queue: (() => void)[] = [];
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    const fn = queue.shift();
    fn?.();
  };
  // Where ports keep a process alive (Node, which runs this entry in tests), this one must not.
  (channel.port1 as unknown as { unref?: () => void }).unref?.();
  return (fn) => {
    queue.push(fn);
    channel.port2.postMessage(null);
  };
}

let macrotask: ((fn: () => void) => void) | undefined;

/** The platform of guests run in a page or a web worker. */
export const BROWSER_PLATFORM: Platform = Object.freeze({
  name: 'browser',
  clocks: Object.freeze({
    realtimeNs: performanceRealtimeNs,
    monotonicNs: performanceMonotonicNs,
    // No CPU clock in a page: time since the page started stands in.
    cpuTimeNs: performanceMonotonicNs,
  }),
  randomFill: (buf: Uint8Array) => void crypto.getRandomValues(buf as Uint8Array<ArrayBuffer>),
  macrotask: (fn: () => void) => (macrotask ??= macrotaskQueue())(fn),
  defaultDriver: () => NO_NETWORK,
  jspi: () =>
    requireJspi(': dialtone needs WebAssembly JavaScript Promise Integration (JSPI), on by default in current Chrome, Edge and Firefox'),
  reportInternalError: (message: string) => console.error(message),
});
