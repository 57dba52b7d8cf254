import { SysError } from '../internal/errno.ts';
import type { Jspi } from '../internal/jspi.ts';
import { errnoName, wasiErrno } from './errno.ts';
import type { HostFunction } from './host-function.ts';
import { MAX_PATH_BYTES } from './limits.ts';
import type { GuestMemory } from './memory.ts';
import { ProcExit } from './proc-exit.ts';

const EIO = wasiErrno('EIO');

/** How the ABI edge reports what it sees. */
export interface EdgeOptions {
  /** Receives one line per host call (`--trace`). */
  trace?: ((line: string) => void) | undefined;
  /** The guest's memory, for decoding traced paths. */
  memory: () => GuestMemory | undefined;
  /** Called when a host function fails with something other than SysError (a host bug). */
  onInternalError: (fn: string, err: unknown) => void;
}

type WasmFn = (...args: (number | bigint)[]) => number | Promise<number>;

/**
 * The ABI edge: turns host functions into wasm imports. A returned nothing
 * becomes errno 0, a thrown or returned {@link SysError} its WASI number, a
 * {@link ProcExit} unwinds the guest, anything else is reported as a host
 * bug and answered EIO (the guest never sees a host exception). Functions
 * that may wait are wrapped in `WebAssembly.Suspending`.
 */
export function toImports(fns: readonly HostFunction[], jspi: Jspi, opts: EdgeOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const fn of fns) {
    let f = edge(fn, opts.onInternalError);
    if (opts.trace !== undefined) f = traced(fn, f, opts.trace, opts.memory);
    out[fn.name] = fn.suspending ? new jspi.Suspending(f) : f;
  }
  return out;
}

function edge(fn: HostFunction, onInternalError: EdgeOptions['onInternalError']): WasmFn {
  const valueImpl = fn.valueImpl;
  if (valueImpl !== undefined) {
    return (...args) => {
      try {
        return valueImpl(...args);
      } catch (err) {
        if (!(err instanceof SysError)) onInternalError(fn.name, err);
        return -1;
      }
    };
  }
  const fail = (err: unknown): number => {
    if (err instanceof SysError) return wasiErrno(err.errno);
    if (err instanceof ProcExit) throw err;
    onInternalError(fn.name, err);
    return EIO;
  };
  const done = (v: void | SysError): number => (v === undefined ? 0 : wasiErrno(v.errno));
  return (...args) => {
    try {
      const r = fn.impl(...args);
      if (r === undefined) return 0;
      if (r instanceof SysError) return wasiErrno(r.errno);
      return r.then(done, fail);
    } catch (err) {
      return fail(err);
    }
  };
}

function traced(fn: HostFunction, f: WasmFn, trace: (line: string) => void, memory: () => GuestMemory | undefined): WasmFn {
  return (...args) => {
    const m = memory();
    let call = `${fn.name}(${formatArgs(fn, args, m)})`;
    if (fn.describe !== undefined && m !== undefined) {
      try {
        call += ` [${fn.describe(args, m)}]`;
      } catch {
        call += ' [<EFAULT>]';
      }
    }
    let r: number | Promise<number>;
    try {
      r = f(...args);
    } catch (err) {
      trace(`${call} => ${err instanceof ProcExit ? `exit ${err.code}` : String(err)}`);
      throw err;
    }
    if (typeof r === 'number') trace(`${call} => ${fn.valueImpl !== undefined ? r : errnoName(r)}`);
    else {
      r.then(
        (v) => trace(`${call} => ${errnoName(v)}`),
        (err: unknown) => trace(`${call} => ${err instanceof ProcExit ? `exit ${err.code}` : String(err)}`),
      );
    }
    return r;
  };
}

function formatArgs(fn: HostFunction, args: readonly (number | bigint)[], m: GuestMemory | undefined): string {
  const parts: string[] = [];
  for (let i = 0; i < fn.params.length; i++) {
    const p = fn.params[i]!;
    const v = args[i] ?? 0;
    switch (p.kind) {
      case 'ptr':
        parts.push(`${p.name}=0x${((v as number) >>> 0).toString(16)}`);
        break;
      case 'flags':
      case 'flags64':
        parts.push(`${p.name}=0x${BigInt.asUintN(64, BigInt(v)).toString(16)}`);
        break;
      case 'path': {
        let text: string;
        const len = ((args[i + 1] as number) ?? 0) >>> 0;
        try {
          // Too long to be a path (the call fails ENAMETOOLONG): not decoded.
          text = len >= MAX_PATH_BYTES ? `<${len} bytes>` : JSON.stringify(m?.string(v as number, len) ?? '?');
        } catch {
          text = '<EFAULT>';
        }
        parts.push(`${p.name}=${text}`);
        i++; // the length is shown as part of the string
        break;
      }
      case 'i64':
        parts.push(`${p.name}=${BigInt.asIntN(64, BigInt(v))}`);
        break;
      case 'u64':
        parts.push(`${p.name}=${BigInt.asUintN(64, BigInt(v))}`);
        break;
      default:
        parts.push(`${p.name}=${(v as number) >>> 0}`);
    }
  }
  return parts.join(', ');
}
