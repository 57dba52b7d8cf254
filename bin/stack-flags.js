// Guests run under WebAssembly.promising on a secondary stack whose size is
// the smaller of V8's --wasm-stack-switching-stack-size (984 KiB by default)
// and --stack-size. Go's wasm code recurses on the wasm stack, so deep guests
// need more: the bins start node with --stack-size=7800 (KiB, kept under the
// usual 8 MiB thread stack so JavaScript on the main thread stays safe), and
// this raises the switching-stack size to match. Measured with a recursive Go
// guest: about 50,000 frames by default, 500,000 with both. It must run
// before any wasm is compiled; --stack-size itself only works on the command
// line. See RATIONALE.md.
import { setFlagsFromString } from 'node:v8';

export function setStackFlags() {
  setFlagsFromString('--wasm-stack-switching-stack-size=8192');
  // process.exit() can hang joining a background Sparkplug compile that
  // waits for a main-thread GC (nodejs/node#54918; seen about 1 exit in 15
  // under load): compile on the main thread instead.
  setFlagsFromString('--no-concurrent-sparkplug');
}
