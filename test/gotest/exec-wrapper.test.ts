// `go test` for GOOS=wasip1 through dialtone's go_wasip1_wasm_exec must
// report what the native `go test` reports.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { runProcess } from '../helpers/cli.ts';
import { repoRoot, tempDir } from '../helpers/paths.ts';

const sample = join(repoRoot, 'test', 'gotest', 'sample');

/** The verdict lines of `go test -v`, without timings. */
function verdicts(out: string): string[] {
  return out
    .split('\n')
    .filter((l) => /^\s*--- (PASS|FAIL|SKIP): /.test(l))
    .map((l) => l.replace(/ \([0-9.]+s\)$/, ''));
}

test('go test reports the same passes, failures and skips under dialtone as natively', { timeout: 240_000 }, async () => {
  // What npm does for a project depending on dialtone: link the bin into a
  // directory on PATH (node_modules/.bin), next to the pinned node.
  const bin = tempDir();
  try {
    mkdirSync(join(bin.path, 'bin'));
    symlinkSync(join(repoRoot, 'bin', 'go_wasip1_wasm_exec.js'), join(bin.path, 'bin', 'go_wasip1_wasm_exec'));
    const PATH = [join(bin.path, 'bin'), dirname(process.execPath), process.env.PATH].join(':');
    const { GOOS: _os, GOARCH: _arch, ...env } = process.env;
    const native = await runProcess('go', ['test', '-count=1', '-v', './...'], { cwd: sample, env, timeoutMs: 120_000 });
    const wasm = await runProcess('go', ['test', '-count=1', '-v', './...'], {
      cwd: sample,
      env: { ...env, PATH, GOOS: 'wasip1', GOARCH: 'wasm' },
      timeoutMs: 120_000,
    });
    const nativeOut = native.stdout.toString();
    const wasmOut = wasm.stdout.toString();
    assert.equal(native.status, 1, nativeOut + native.stderr);
    assert.equal(wasm.status, 1, wasmOut + wasm.stderr);
    assert.deepEqual(verdicts(wasmOut), verdicts(nativeOut));
    assert.deepEqual(verdicts(nativeOut).sort(), [
      '    --- FAIL: TestSubtests/fails',
      '    --- PASS: TestSubtests/passes',
      '--- FAIL: TestFails',
      '--- FAIL: TestSubtests',
      '--- PASS: TestSleepPasses',
      '--- PASS: TestSumPasses',
      '--- PASS: TestTempDirPasses',
      '--- SKIP: TestSkipped',
    ]);
    assert.match(wasmOut, /intended failure/);
    assert.match(wasmOut, /^FAIL\tdialtone\.test\/gotest-sample\t/m);
  } finally {
    bin.cleanup();
  }
});
