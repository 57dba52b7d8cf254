#!/usr/bin/env -S node --stack-size=7800 --wasm-stack-switching-stack-size=8192 --no-concurrent-sparkplug
// `go test` for GOOS=wasip1 runs `go_wasip1_wasm_exec TEST.wasm [test flags]`
// found on PATH. Like the script Go ships ($GOROOT/lib/wasm), this runs the
// test binary with `/` preopened and PWD set, and passes the environment on
// (as Go's wazero variant does), so tests see GOROOT, TMPDIR, HOME, ...
// GOWASIRUNTIMEARGS, as in Go's script, adds dialtone options (split on
// spaces), e.g. GOWASIRUNTIMEARGS=--allow-net for tests that use sockets.
import { setStackFlags } from './stack-flags.js';

setStackFlags();
const { main } = await import('../dist/cli-bundle/main.js');
const [module, ...args] = process.argv.slice(2);
if (module === undefined) {
  process.stderr.write('usage: go_wasip1_wasm_exec module.wasm [args...]\n');
  process.exit(2);
}
const extra = (process.env.GOWASIRUNTIMEARGS ?? '').split(' ').filter(Boolean);
process.exit(await main(['run', '--dir=/', '--inherit-env', `--env=PWD=${process.cwd()}`, ...extra, '--', module, ...args]));
