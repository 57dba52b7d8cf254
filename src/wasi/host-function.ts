import type { SysError } from '../internal/errno.ts';
import type { Clocks } from '../platform/platform.ts';
import type { FdTable } from './fd-table.ts';
import type { GuestMemory } from './memory.ts';

/**
 * How a parameter is shown by `--trace`: `fd`, `u32` and `u64` as decimal,
 * `ptr` in hex, `path` as the decoded string (the next parameter is its
 * length and is folded into it), `flags` (i32) and `flags64` (i64) in hex.
 */
export type ParamKind = 'fd' | 'u32' | 'u64' | 'i64' | 'ptr' | 'path' | 'flags' | 'flags64';

/** One parameter of a host function: its name and how to show it. */
export interface ParamSpec {
  readonly name: string;
  readonly kind: ParamKind;
}

/**
 * A host function's outcome: a value now, a failure returned rather than
 * thrown (see {@link HostFunction}), or either later.
 */
export type HostResult<T> = T | SysError | Promise<T | SysError>;

/**
 * A host function as dialtone defines it: the wasm-visible name and
 * parameters, whether it may need to wait (then it is wrapped in
 * `WebAssembly.Suspending`), and its implementation.
 *
 * `impl` returns nothing on success and throws `SysError` on failure; the
 * ABI edge (`wasi/imports.ts`) turns both into the WASI errno result. An
 * implementation that must wait returns a Promise, and only then does the
 * guest suspend. Where a failure is the common answer (EAGAIN to a
 * spinning guest) it may be returned instead of thrown: each throw costs V8
 * a stack walk to build the exception's message.
 */
export interface HostFunction {
  readonly name: string;
  readonly params: readonly ParamSpec[];
  readonly suspending: boolean;
  impl(...args: (number | bigint)[]): HostResult<void>;
  /** Decodes what the raw arguments point at (an address, say) for `--trace`. */
  describe?: ((args: readonly (number | bigint)[], memory: GuestMemory) => string) | undefined;
  /**
   * `'value'` for the rare import whose result is a value, not an errno
   * (wasinet's `sock_determine_host_af_family`): `valueImpl` answers, and a
   * failure becomes -1.
   */
  valueImpl?: ((...args: (number | bigint)[]) => number) | undefined;
}

/** Parses a compact parameter list such as `'fd:fd iovs:ptr iovs_len:u32'`. */
export function params(spec: string): ParamSpec[] {
  if (spec.trim() === '') return [];
  return spec
    .trim()
    .split(/\s+/)
    .map((p) => {
      const [name, kind] = p.split(':') as [string, ParamKind];
      return { name, kind };
    });
}

/** Declares a host function (see {@link HostFunction}). */
export function hostFunction(
  name: string,
  spec: string,
  impl: HostFunction['impl'],
  options: { suspending?: boolean; describe?: HostFunction['describe'] } = {},
): HostFunction {
  return { name, params: params(spec), suspending: options.suspending ?? false, impl, describe: options.describe };
}

/** Declares an import that returns a value rather than an errno (see {@link HostFunction.valueImpl}). */
export function valueFunction(name: string, spec: string, valueImpl: (...args: (number | bigint)[]) => number): HostFunction {
  return { name, params: params(spec), suspending: false, impl: () => {}, valueImpl };
}

/** What host functions share: the guest's memory, its fd table and its start-up data. */
export interface HostContext {
  /** The guest's memory (available once the instance exists). */
  readonly memory: GuestMemory;
  readonly fds: FdTable;
  /** Arguments, each UTF-8 encoded and NUL-terminated. */
  readonly args: readonly Uint8Array[];
  /** `KEY=VALUE` environment strings, each UTF-8 encoded and NUL-terminated. */
  readonly env: readonly Uint8Array[];
  /** Source of randomness for `random_get`. */
  readonly randomFill: (buf: Uint8Array) => void;
  /** The platform's clocks, for `clock_time_get` and `poll_oneoff`. */
  readonly clocks: Clocks;
  /** Event-loop fairness state shared by the waiting imports. */
  readonly scheduler: Scheduler;
}

/**
 * Keeps the event loop alive while a guest runs on the same thread: a guest
 * that never waits would otherwise starve Node's I/O. The waiting imports
 * call {@link Scheduler.maybeYield}; when the loop has not turned for
 * `intervalMs`, it returns a Promise for the next macrotask, so the import
 * suspends the guest just long enough for I/O callbacks to run.
 */
export class Scheduler {
  #lastTurn = performance.now();
  readonly intervalMs: number;
  /** Runs a function in a later macrotask (the platform's; see `Platform.macrotask`). */
  readonly macrotask: (fn: () => void) => void;

  constructor(macrotask: (fn: () => void) => void, intervalMs = 1) {
    this.macrotask = macrotask;
    this.intervalMs = intervalMs;
  }

  /** Records that the event loop has just run (after any suspension). */
  turned(): void {
    this.#lastTurn = performance.now();
  }

  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #closed = false;

  /**
   * Runs `fn` after `ms` unless cancelled (the returned function) or the
   * guest's host closes first: a guest stopped while it sleeps must not
   * leave its wake-up timer holding the event loop open.
   */
  setTimer(fn: () => void, ms: number): () => void {
    if (this.#closed) return () => {};
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.#timers.delete(timer);
    };
  }

  /** Cancels every pending {@link setTimer} and refuses new ones (the guest has ended). */
  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  /** A Promise for the next macrotask when one is due, otherwise undefined. */
  maybeYield(): Promise<void> | undefined {
    if (performance.now() - this.#lastTurn < this.intervalMs) return undefined;
    return new Promise<void>((resolve) =>
      this.macrotask(() => {
        this.turned();
        resolve();
      }),
    );
  }
}
