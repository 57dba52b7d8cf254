import { DialtoneError } from '../errors.ts';

/** JavaScript Promise Integration, as far as dialtone uses it. */
export interface Jspi {
  /** Wraps an import so that a returned Promise suspends the calling wasm. */
  Suspending: new (fn: (...args: never[]) => unknown) => object;
  /** Wraps an export so that it may suspend; it then returns a Promise. */
  promising: (fn: (...args: never[]) => unknown) => (...args: unknown[]) => Promise<unknown>;
}

/** The engine's JSPI, or ERR_NO_JSPI with `advice`: which engine and how to get it. */
export function requireJspi(advice: string): Jspi {
  const wa = WebAssembly as unknown as Partial<Jspi>;
  if (typeof wa.Suspending !== 'function' || typeof wa.promising !== 'function') {
    throw new DialtoneError('ERR_NO_JSPI', `this JavaScript engine has no WebAssembly JSPI${advice}`);
  }
  return wa as Jspi;
}
