import { readFile } from 'node:fs';
import { DialtoneError } from './errors.ts';
import { loadModule, type LoadedModule } from './module.ts';

/** Anything `run()` accepts as the guest program: a file path, a `file:` URL, bytes or a compiled module. */
export type ModuleSource = string | URL | Uint8Array | ArrayBuffer | WebAssembly.Module;

/** A guest read and compiled on Node, ready to run. */
export interface PreparedModule {
  /** What the caller gave. */
  source: ModuleSource;
  /** The module's bytes; undefined when a compiled module was given. */
  bytes: Uint8Array | undefined;
  loaded: LoadedModule;
}

/**
 * Reads `source` (a path or `file:` URL; ERR_MODULE_NOT_FOUND on failure)
 * and compiles it (ERR_NOT_WASM; ERR_MAX_MEMORY as {@link loadModule}).
 * Its own small file, apart from run.ts, so that the CLI can start it
 * before it imports the runner and the two overlap (start-up).
 */
export async function prepareModule(source: ModuleSource, maxMemory: number | undefined): Promise<PreparedModule> {
  const bytes = await readBytes(source);
  const loaded = await loadModule(bytes ?? (source as WebAssembly.Module), moduleName(source), { maxMemory });
  return { source, bytes, loaded };
}

/** How messages name the module. */
function moduleName(source: ModuleSource): string {
  return typeof source === 'string' || source instanceof URL ? String(source) : 'module';
}

/** The module's bytes: read from a path or `file:` URL, or as given; undefined for a compiled module. */
async function readBytes(source: ModuleSource): Promise<Uint8Array | undefined> {
  if (source instanceof WebAssembly.Module) return undefined;
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  const name = String(source);
  // dialtone reads files; fetching a module is the caller's job (pass its bytes).
  if (source instanceof URL && source.protocol !== 'file:') {
    throw new DialtoneError('ERR_MODULE_NOT_FOUND', `cannot read ${name}: only file: URLs are supported (pass the module's bytes instead)`);
  }
  // node:fs's callback form: node:fs/promises would load Node's streams and
  // readline at start-up for this one call.
  return new Promise((resolve, reject) => {
    readFile(source, (err, data) => {
      if (err === null) return resolve(data);
      const reason = err.code === 'ENOENT' ? 'no such file' : err.message;
      reject(new DialtoneError('ERR_MODULE_NOT_FOUND', `cannot read ${name}: ${reason}`, { cause: err }));
    });
  });
}
