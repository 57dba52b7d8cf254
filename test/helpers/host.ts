// Drives the preview 1 host functions directly, without a wasm guest: the
// imports are built with a pass-through "JSPI" so every function is a plain
// JavaScript function returning an errno (or a Promise of one).
import type { Jspi } from '../../src/internal/jspi.ts';
import { NODE_PLATFORM } from '../../src/platform/node.ts';
import { WasiHost, type HostConfig } from '../../src/wasi/host.ts';
import { GuestMemory } from '../../src/wasi/memory.ts';

/** A JSPI stand-in whose wrappers are the identity. */
export const passthroughJspi: Jspi = {
  Suspending: function (fn: unknown) {
    return fn;
  } as unknown as Jspi['Suspending'],
  promising: ((fn: (...args: unknown[]) => unknown) =>
    async (...args: unknown[]) =>
      fn(...args)) as Jspi['promising'],
};

/** A host bound to a fresh one-page (64 KiB) memory. */
export interface TestHost {
  host: WasiHost;
  memory: GuestMemory;
  raw: WebAssembly.Memory;
  /** Calls a preview 1 function by name (`wasinet_v0.NAME` for the wasinet module). */
  call(name: string, ...args: (number | bigint)[]): number | Promise<number>;
  /** Calls a function that must answer without waiting. */
  callSync(name: string, ...args: (number | bigint)[]): number;
  /** Host bugs reported through onInternalError (tests assert it stays empty). */
  internalErrors: unknown[];
}

/** Builds a {@link TestHost}; stdio defaults to empty input and discarded output. */
export function makeHost(config: Partial<HostConfig> = {}): TestHost {
  const internalErrors: unknown[] = [];
  const host = new WasiHost({
    platform: NODE_PLATFORM,
    args: ['test.wasm'],
    env: {},
    preopens: [],
    stdin: '',
    stdout: () => {},
    stderr: () => {},
    onInternalError: (_fn, err) => internalErrors.push(err),
    ...config,
  });
  const raw = new WebAssembly.Memory({ initial: 1 });
  type Fn = (...a: (number | bigint)[]) => number | Promise<number>;
  const imports = host.imports(passthroughJspi);
  const fns = imports.wasi_snapshot_preview1 as Record<string, Fn>;
  const wasinetFns = imports.wasinet_v0 as Record<string, Fn>;
  host.bind(raw);
  const call = (name: string, ...args: (number | bigint)[]): number | Promise<number> => {
    const f = name.startsWith('wasinet_v0.') ? wasinetFns[name.slice('wasinet_v0.'.length)] : fns[name];
    if (f === undefined) throw new Error(`no host function ${name}`);
    return f(...args);
  };
  return {
    host,
    memory: new GuestMemory(raw),
    raw,
    call,
    callSync(name, ...args) {
      const r = call(name, ...args);
      if (typeof r !== 'number') throw new Error(`${name} returned a Promise`);
      return r;
    },
    internalErrors,
  };
}

/** WASI errno numbers used in assertions. */
export const E = {
  SUCCESS: 0,
  BADF: 8,
  EXIST: 20,
  FAULT: 21,
  INVAL: 28,
  ISDIR: 31,
  LOOP: 32,
  MFILE: 33,
  NOENT: 44,
  NOTDIR: 54,
  NOTEMPTY: 55,
  NOTSOCK: 57,
  NOTCAPABLE: 76,
} as const;
