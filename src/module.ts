import { DialtoneError } from './errors.ts';
import { capMemory } from './memory-cap.ts';
import { importSignatures } from './wasi/import-signatures.ts';

const MAGIC = [0x00, 0x61, 0x73, 0x6d];

/** A compiled guest and, when its bytes were at hand, its import signatures. */
export interface LoadedModule {
  module: WebAssembly.Module;
  signatures: ReturnType<typeof importSignatures>;
}

/**
 * Compiles a guest's bytes (or takes a compiled module), with ERR_NOT_WASM
 * on failure; `name` says which module in messages. With `maxMemory`
 * (bytes), the module's memory is capped before compiling (see
 * {@link capMemory}); a precompiled module cannot be rewritten, so it is
 * refused with ERR_MAX_MEMORY. Reading a file or fetching a URL is each
 * platform's job, before this.
 */
export async function loadModule(
  source: Uint8Array | ArrayBuffer | WebAssembly.Module,
  name: string,
  options: { maxMemory?: number | undefined } = {},
): Promise<LoadedModule> {
  if (source instanceof WebAssembly.Module) {
    if (options.maxMemory !== undefined) {
      throw new DialtoneError(
        'ERR_MAX_MEMORY',
        'a memory cap cannot be applied to a compiled WebAssembly.Module: pass the module as a path, URL or bytes',
      );
    }
    return { module: source, signatures: undefined };
  }
  let bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
  if (bytes.length < 4 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DialtoneError('ERR_NOT_WASM', `${name} is not a WebAssembly module (no \\0asm header)`);
  }
  const signatures = importSignatures(bytes);
  if (options.maxMemory !== undefined) bytes = capMemory(bytes, options.maxMemory, name);
  try {
    return { module: await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>), signatures };
  } catch (err) {
    throw new DialtoneError('ERR_NOT_WASM', `${name} is not a valid WebAssembly module: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Fails with ERR_UNKNOWN_IMPORT, naming the first import the host does not
 * provide, before instantiation would fail with a less helpful LinkError.
 */
export function checkImports(module: WebAssembly.Module, provided: WebAssembly.Imports): void {
  const missing: string[] = [];
  for (const imp of WebAssembly.Module.imports(module)) {
    const fn = provided[imp.module]?.[imp.name];
    if (imp.kind !== 'function' || fn === undefined) missing.push(`${imp.module}.${imp.name} (${imp.kind})`);
  }
  if (missing.length > 0) {
    const more = missing.length > 1 ? ` and ${missing.length - 1} more: ${missing.slice(1).join(', ')}` : '';
    throw new DialtoneError('ERR_UNKNOWN_IMPORT', `module imports ${missing[0]}, which dialtone does not provide${more}`);
  }
}
