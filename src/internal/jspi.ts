import { DialtoneError } from '../errors.ts';

/** JavaScript Promise Integration, as far as dialtone uses it. */
export interface Jspi {
  /** Wraps an import so that a returned Promise suspends the calling wasm. */
  Suspending: new (fn: (...args: never[]) => unknown) => object;
  /** Wraps an export so that it may suspend; it then returns a Promise. */
  promising: (fn: (...args: never[]) => unknown) => (...args: unknown[]) => Promise<unknown>;
}

/** The engine's JSPI, or ERR_NO_JSPI with what to do about it. */
export function requireJspi(): Jspi {
  const wa = WebAssembly as unknown as Partial<Jspi>;
  if (typeof wa.Suspending !== 'function' || typeof wa.promising !== 'function') {
    throw new DialtoneError(
      'ERR_NO_JSPI',
      `this JavaScript engine has no WebAssembly JSPI (Node ${process.versions.node}); dialtone needs Node 24 or later: ` +
        'install Node 24 (https://nodejs.org), or run "npm install --save-dev node@24" in your project so that npx and npm scripts use it',
    );
  }
  return wa as Jspi;
}
