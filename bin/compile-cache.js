// Node's compile cache for dialtone's own JavaScript (V8 code cache on disk,
// Node 22.1 and later): later starts skip parsing and compiling it. In
// $NODE_COMPILE_CACHE if set, else the user's cache directory
// ($XDG_CACHE_HOME or ~/.cache, then dialtone/node-compile-cache); off with
// NODE_DISABLE_COMPILE_CACHE=1. A directory that cannot be created is
// skipped silently. It holds JavaScript only: V8 has no public way to keep a
// compiled WebAssembly module across processes (see RATIONALE.md).
import * as nodeModule from 'node:module';
import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';

// Not `import ... from 'node:fs'`: an ES module import of node:fs evaluates
// all its exports, which loads Node's streams, fs/promises and readline
// (several ms of start-up) that the CLI never uses.
const { mkdirSync } = process.getBuiltinModule?.('node:fs') ?? nodeModule.createRequire(import.meta.url)('node:fs');

/** Turns the cache on; call before importing dist/. */
export function enableCompileCache() {
  // Not a named import: an older Node must still reach the "needs Node 24" message.
  const enable = nodeModule.enableCompileCache;
  if (typeof enable !== 'function' || process.env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const dir =
    process.env.NODE_COMPILE_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'dialtone', 'node-compile-cache');
  return makeDirectory(dir) ? enable(dir) : undefined;
}

/**
 * Creates `dir` and its parents one at a time. Not `{ recursive: true }`,
 * nor Node's own creation in enableCompileCache: in Node 24 both spin
 * forever on a path that cannot exist (one under /proc, say), where a
 * plain mkdir fails at once.
 */
function makeDirectory(dir) {
  let path = '';
  for (const part of resolve(dir).split(sep).slice(1)) {
    path += `${sep}${part}`;
    try {
      mkdirSync(path);
    } catch (err) {
      if (err?.code !== 'EEXIST') return false;
    }
  }
  return true;
}
