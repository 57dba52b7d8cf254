// Guests run under WebAssembly.promising on a separate, fixed-size stack
// (984 KiB by default in V8). Go's wasm code recurses on the wasm stack, so
// deep guests (regexp, encoding/json, the Go test harness) need more; this
// matches the 8 MiB that Go's own wasmtime wrapper asks for. It must run
// before any wasm is compiled.
import { setFlagsFromString } from 'node:v8';

export function setStackFlags() {
  setFlagsFromString('--wasm-stack-switching-stack-size=8192');
}
