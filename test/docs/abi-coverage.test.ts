import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { HostContext } from '../../src/wasi/host-function.ts';
import { Scheduler } from '../../src/wasi/host-function.ts';
import { preview1 } from '../../src/wasi/preview1/index.ts';
import { repoRoot } from '../helpers/paths.ts';

test('docs/abi-coverage.md lists every import dialtone provides', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'abi-coverage.md'), 'utf8');
  const ctx = { args: [], env: [], scheduler: new Scheduler() } as unknown as HostContext;
  const missing = preview1(ctx)
    .map((f) => f.name)
    .filter((name) => !doc.includes(`\`${name}\``));
  assert.deepEqual(missing, []);
});
