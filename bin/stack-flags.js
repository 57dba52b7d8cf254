// Guests run under WebAssembly.promising on a secondary stack whose size is
// the smaller of V8's --wasm-stack-switching-stack-size (984 KiB by default)
// and --stack-size. Go's wasm code recurses on the wasm stack, so deep guests
// need more: the bins start node with --stack-size=7800 (KiB, kept under the
// usual 8 MiB thread stack so JavaScript on the main thread stays safe), and
// the switching-stack size must match. Measured with a recursive Go guest:
// about 50,000 frames by default, 500,000 with both. It must be set before
// any wasm is compiled; --stack-size itself only works on the command line.
// See RATIONALE.md.
//
// process.exit() can hang joining a background Sparkplug compile that waits
// for a main-thread GC (nodejs/node#54918; seen about 1 exit in 15 under
// load): Sparkplug compiles on the main thread instead.
import { createRequire } from 'node:module';

/** The V8 flags dialtone's bins need; their shebang lines pass them too. */
const FLAGS = ['--wasm-stack-switching-stack-size=8192', '--no-concurrent-sparkplug'];

/**
 * The flag's name: `--a-b` of `--a-b=1`, and `--b` of `--no-b`, so a value the user chose is kept.
 * @param {string} flag
 */
const flagName = (flag) => (flag.split('=')[0] ?? flag).replace(/^--no-/, '--');

/**
 * Which of {@link FLAGS} `execArgv` does not pass, with any value.
 * @param {readonly string[]} execArgv
 * @returns {string[]}
 */
export function missingFlags(execArgv) {
  const given = new Set(execArgv.map(flagName));
  return FLAGS.filter((flag) => !given.has(flagName(flag)));
}

/** Sets whichever of {@link FLAGS} the command line did not pass. */
export function setStackFlags() {
  const missing = missingFlags(process.execArgv);
  if (missing.length === 0) return; // start-up: node:v8 not loaded
  const v8 = process.getBuiltinModule?.('node:v8') ?? createRequire(import.meta.url)('node:v8');
  v8.setFlagsFromString(missing.join(' '));
}
