// Child process for the start-up breakdown: runs one guest through dialtone's
// public run() the way the CLI does, timing each phase, and prints them as
// one line of JSON (a PhaseTimes) on stdout. Run it in a fresh process per
// sample, so V8's in-process cache of compiled modules cannot help.
//
// Usage: node [dialtone's node flags] bench/startup-phases.ts MODULE.wasm [args...]
import { readFile } from 'node:fs/promises';
import type { run as runFn } from '../src/run.ts';

/** What one sample of the start-up breakdown measured, in milliseconds. */
export interface PhaseTimes {
  /** Importing what `dialtone run` imports (the bundled CLI's run.js, bin/stack-flags.js), with the CLI's compile cache on. */
  importMs: number;
  /** Reading the .wasm file. */
  readMs: number;
  /** `WebAssembly.compile` of its bytes. */
  compileMs: number;
  /** `run(module)`: host set-up, instantiation, and the guest's `_start` to exit. */
  runMs: number;
  /** What the guest wrote to stdout. */
  stdout: string;
}

async function main(wasm: string, args: readonly string[]): Promise<PhaseTimes> {
  const t0 = performance.now();
  // Computed specifiers: dist/ is build output, and bin/ is plain JavaScript.
  // As bin/dialtone.js: the compile cache, the stack flags, then the
  // bundled CLI's runner (dist/cli-bundle/run.js, what `dialtone run`
  // imports once it has parsed its command line).
  const cache = (await import(new URL('../bin/compile-cache.js', import.meta.url).href)) as { enableCompileCache(): unknown };
  cache.enableCompileCache();
  const flags = (await import(new URL('../bin/stack-flags.js', import.meta.url).href)) as { setStackFlags(): void };
  flags.setStackFlags();
  const { run } = (await import(new URL('../dist/cli-bundle/run.js', import.meta.url).href)) as { run: typeof runFn };
  const t1 = performance.now();
  const bytes = await readFile(wasm);
  const t2 = performance.now();
  const module = await WebAssembly.compile(bytes);
  const t3 = performance.now();
  const chunks: Uint8Array[] = [];
  const { exitCode } = await run(module, { args, argv0: wasm, stdio: { stdout: (c) => chunks.push(c.slice()) } });
  const t4 = performance.now();
  if (exitCode !== 0) throw new Error(`guest exited with ${exitCode}`);
  return { importMs: t1 - t0, readMs: t2 - t1, compileMs: t3 - t2, runMs: t4 - t3, stdout: Buffer.concat(chunks).toString('utf8') };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [wasm, ...args] = process.argv.slice(2);
  if (wasm === undefined) {
    process.stderr.write('usage: startup-phases.ts MODULE.wasm [args...]\n');
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(await main(wasm, args))}\n`);
  process.exit(0);
}
