// Inside a clone of dialtone, npm has not linked dialtone's own bins into
// node_modules/.bin, so `go test` cannot find go_wasip1_wasm_exec on PATH.
// `npm run go-test` (scripts/go-test.ts, documented in the README) must
// still run wasip1 tests under dialtone, from the directory it is started in.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { runProcess } from '../helpers/cli.ts';
import { repoRoot } from '../helpers/paths.ts';

const sample = join(repoRoot, 'test', 'gotest', 'sample');

test('npm run go-test runs the wasip1 tests of the current directory under dialtone in a clone', { timeout: 240_000 }, async () => {
  // A shell in a clone: no node_modules/.bin on PATH (npm run adds it), so no
  // go_wasip1_wasm_exec anywhere on PATH, and GOOS / GOARCH unset.
  const { GOOS: _os, GOARCH: _arch, ...env } = process.env;
  const PATH = (env.PATH ?? '')
    .split(':')
    .filter((dir) => !dir.includes('node_modules'))
    .join(':');
  const r = await runProcess('npm', ['run', '--silent', 'go-test', '--', '-count=1', '-v', './...'], {
    cwd: sample,
    env: { ...env, PATH },
    timeoutMs: 200_000,
  });
  const out = r.stdout.toString();
  assert.equal(r.status, 1, out + r.stderr); // the sample has intended failures
  const verdicts = out
    .split('\n')
    .filter((l) => /^\s*--- (PASS|FAIL|SKIP): /.test(l))
    .map((l) => l.replace(/ \([0-9.]+s\)$/, ''))
    .sort();
  assert.deepEqual(verdicts, [
    '    --- FAIL: TestSubtests/fails',
    '    --- PASS: TestSubtests/passes',
    '--- FAIL: TestFails',
    '--- FAIL: TestSubtests',
    '--- PASS: TestSleepPasses',
    '--- PASS: TestSumPasses',
    '--- PASS: TestTempDirPasses',
    '--- SKIP: TestSkipped',
  ]);
  assert.match(out, /^FAIL\tdialtone\.test\/gotest-sample\t/m);
});
