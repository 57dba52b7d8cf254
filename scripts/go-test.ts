// `npm run go-test -- [go test flags and packages]`: `go test` for
// GOOS=wasip1 under this checkout's dialtone, from any directory of a clone.
//
// npm links a package's bins only into projects that depend on it, never
// into the package's own node_modules/.bin, so in a clone Go cannot find
// `go_wasip1_wasm_exec` on PATH. This runs `go test -exec` with the bin's
// path instead, in the directory npm was started from (INIT_CWD), with the
// pinned Node 24 first on PATH for the bin's `#!/usr/bin/env node` line.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const execBin = join(root, 'bin', 'go_wasip1_wasm_exec.js');
const r = spawnSync('go', ['test', '-exec', execBin, ...process.argv.slice(2)], {
  cwd: process.env.INIT_CWD ?? process.cwd(),
  env: { ...process.env, GOOS: 'wasip1', GOARCH: 'wasm', PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` },
  stdio: 'inherit',
});
if (r.error !== undefined) process.stderr.write(`go-test: ${r.error.message}\n`);
process.exit(r.status ?? 1);
