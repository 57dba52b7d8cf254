import type { Jspi } from '../internal/jspi.ts';

/**
 * Thrown into a guest to unwind it when its run is aborted (an
 * `AbortSignal`, a pool's `stop()`). Like `proc_exit`'s unwinding, it ends
 * the guest at a host call: wasm cannot catch it, so it passes through
 * every guest frame and leaves `_start`.
 */
export class GuestAborted extends Error {
  /** The signal's reason. */
  readonly reason: unknown;
  constructor(reason: unknown) {
    super('guest stopped', { cause: reason });
    this.name = 'GuestAborted';
    this.reason = reason;
  }
}

type ImportFn = (...args: never[]) => unknown;

/**
 * Makes a guest's imports end it once `signal` aborts: a host call made
 * after the abort throws {@link GuestAborted} instead of running, and a
 * suspension in progress (a `poll_oneoff` waiting for a socket or a clock)
 * rejects with it at once. A guest that makes no host call (a busy loop)
 * cannot be reached this way on its thread: run it in a worker
 * (`spawnWorker`) to be able to stop it anywhere.
 *
 * Returns the JSPI to build the imports with (its `Suspending` wraps each
 * waiting import), `wrapPlain`, which wraps the plain function imports of
 * the finished import object, and `dispose`, which removes the listener
 * from `signal` once the guest has ended (a signal may outlive many runs).
 */
export function abortable(
  jspi: Jspi,
  signal: AbortSignal,
): { jspi: Jspi; wrapPlain: (imports: WebAssembly.Imports) => WebAssembly.Imports; dispose: () => void } {
  // One guest has one stack, so at most one suspension is pending at a time:
  // the abort rejects that one. (Racing each suspension against one shared
  // promise instead would pile a reaction per suspension onto it for the
  // guest's whole life.)
  let pending: ((err: GuestAborted) => void) | undefined;
  const onAbort = (): void => pending?.(new GuestAborted(signal.reason));
  signal.addEventListener('abort', onAbort, { once: true });
  const check = (): void => {
    if (signal.aborted) throw new GuestAborted(signal.reason);
  };
  const wrap = (fn: ImportFn): ImportFn =>
    ((...args: never[]) => {
      check();
      const r = fn(...args);
      // Only a real suspension pays for this; plain answers pass through.
      if (!(r instanceof Promise)) return r;
      return new Promise((resolve, reject) => {
        pending = reject;
        const settled = (): void => {
          if (pending === reject) pending = undefined;
        };
        r.then(
          (v: unknown) => {
            settled();
            resolve(v);
          },
          (err: unknown) => {
            settled();
            reject(err);
          },
        );
      });
    }) as ImportFn;
  // `new` on a function that returns an object yields that object: the engine's own Suspending.
  const Suspending = function (fn: ImportFn): object {
    return new jspi.Suspending(wrap(fn));
  } as unknown as Jspi['Suspending'];
  const wrapPlain = (imports: WebAssembly.Imports): WebAssembly.Imports => {
    const out: WebAssembly.Imports = {};
    for (const [module, fields] of Object.entries(imports)) {
      const wrapped: WebAssembly.ModuleImports = {};
      for (const [name, value] of Object.entries(fields))
        wrapped[name] = typeof value === 'function' ? (wrap(value as ImportFn) as WebAssembly.ImportValue) : value;
      out[module] = wrapped;
    }
    return out;
  };
  return {
    jspi: { Suspending, promising: jspi.promising },
    wrapPlain,
    dispose: () => signal.removeEventListener('abort', onAbort),
  };
}
