// Go standard-library tests under dialtone: the `--fast` subset of
// scripts/conformance.ts (a minute or two; compiles with the machine's Go).
// The full list runs with `npm run conformance`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FAST_PACKAGES, formatResult, runConformance } from '../../scripts/conformance.ts';

test('Go stdlib tests pass under dialtone (fast subset)', { timeout: 15 * 60e3 }, async (t) => {
  const results = await runConformance(FAST_PACKAGES, { timeout: '5m', totalTimeoutMs: 12 * 60e3 });
  for (const r of results) t.diagnostic(formatResult(r));
  const failed = results.filter((r) => !r.ok);
  assert.deepEqual(
    failed.map((r) => `${formatResult(r)}\n${r.output}`),
    [],
    `${failed.length} of ${results.length} packages failed`,
  );
  assert.equal(results.length, FAST_PACKAGES.length);
});
