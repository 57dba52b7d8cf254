// Builds the bundled CLI that bin/dialtone.js and bin/go_wasip1_wasm_exec.js
// run: src/cli/main.ts and what it imports, as a few ES module chunks in
// dist/cli-bundle/ instead of the ~65 files of dist/.
//
// Why: most of `dialtone run`'s own start-up was Node's ES module loader
// resolving, reading and linking each file, not dialtone's code (see
// RATIONALE.md, "Start-up: the bundled CLI"). With --splitting, every
// `import()` the CLI makes on demand (the relay, the Wisp driver, the policy
// parser, the profiler) stays a separate chunk, still loaded only when used.
// Packages (ws) stay external, resolved from node_modules as before.
//
// The Node socket driver is loaded with a synchronous require() at a
// guest's first socket (src/platform/node.ts): it is a second entry point,
// node-driver.js, whose name the bundle is told through
// DIALTONE_NODE_DRIVER so that the require() finds it beside the chunks.
//
// Node's built-ins are taken with process.getBuiltinModule() rather than
// imported (builtinsAsGetters below): an ES module import of `node:fs`
// evaluates every export, which loads Node's streams, fs/promises and
// readline (about 8 ms) for a hello world that uses none of them.
//
// Usage: node scripts/build-cli.ts
import { build, type Plugin } from 'esbuild';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFailed, formatMessages } from './esbuild-messages.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Where the bundled CLI goes (its entry is `main.js`). */
export const CLI_BUNDLE_DIR = join(root, 'dist', 'cli-bundle');

/** Bundles the CLI into {@link CLI_BUNDLE_DIR}; throws, listing esbuild's errors, when it cannot. */
export async function buildCliBundle(): Promise<{ files: number; inputs: number }> {
  // Chunk names carry content hashes: clear the old ones.
  rmSync(CLI_BUNDLE_DIR, { recursive: true, force: true });
  const result = await build({
    entryPoints: {
      main: join(root, 'src', 'cli', 'main.ts'),
      // What `dialtone run` imports once it has parsed its command line; an
      // entry only for a stable name (bench/startup-phases.ts imports it).
      run: join(root, 'src', 'run.ts'),
      'node-driver': join(root, 'src', 'netdev', 'node', 'driver.ts'),
    },
    outdir: CLI_BUNDLE_DIR,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: ['node24'],
    packages: 'external',
    define: { DIALTONE_NODE_DRIVER: JSON.stringify('./node-driver.js') },
    plugins: [builtinsAsGetters],
    sourcemap: true,
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
  }).catch(buildFailed('CLI bundle'));
  // A warning here is a bug at run time (an import of a built-in's lazy
  // getter, say, "will always be undefined"): fail the build on it.
  if (result.warnings.length > 0) {
    throw new Error(`CLI bundle has warnings:\n${formatMessages(result.warnings)}`);
  }
  return {
    files: Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js')).length,
    inputs: Object.keys(result.metafile.inputs).length,
  };
}

/**
 * Turns each `node:` import into a module that takes the built-in with
 * `process.getBuiltinModule` and re-exports its plain (data) properties by
 * name, read once at load. The built-in's lazy getters (node:fs's
 * `promises`, `ReadStream`...) are not exported, so nothing evaluates them;
 * code that imports one fails the build ("No matching export"), and
 * would take it from the default export instead. Named exports rather
 * than a CommonJS wrapper: esbuild's wrapper copies every property of the
 * built-in into a new object at start-up (about 2 ms for node:fs alone).
 */
const builtinsAsGetters: Plugin = {
  name: 'builtins-as-getters',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: 'node-builtin' }));
    b.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => {
      const builtin = process.getBuiltinModule(args.path) as object;
      const names = Object.entries(Object.getOwnPropertyDescriptors(builtin))
        .filter(([name, d]) => 'value' in d && /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default')
        .map(([name]) => name);
      const lines = [`const m = process.getBuiltinModule(${JSON.stringify(args.path)});`, 'export default m;'];
      for (const name of names) lines.push(`export const ${name} = m.${name};`);
      return { contents: lines.join('\n'), loader: 'js' };
    });
  },
};

if (import.meta.main) {
  const { files, inputs } = await buildCliBundle();
  process.stdout.write(`dist/cli-bundle: ${files} files from ${inputs} modules\n`);
}
