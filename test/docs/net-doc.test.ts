// docs/net.md's examples run: each ```ts block is written to a file with
// `dialtone/net`, `dialtone/http` and `dialtone` pointing at this clone's sources, run with
// this Node, and its console output compared with the `// ...` comments
// the block makes about it (a `…` in a comment matches anything).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { repoRoot } from '../helpers/paths.ts';

const doc = readFileSync(join(repoRoot, 'docs', 'net.md'), 'utf8');
const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);

/** The output a block promises: the comment after each console.log line, in order. */
function promised(code: string): RegExp[] {
  return code
    .split('\n')
    .filter((l) => l.includes('console.log(') && l.includes('// '))
    .map((l) => {
      const text = l.slice(l.lastIndexOf('// ') + 3).trim();
      const pattern = text
        .split('…')
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*');
      return new RegExp(`^${pattern}$`);
    });
}

test('docs/net.md has examples, and every one runs and prints what its comments say', async () => {
  assert.ok(blocks.length >= 4, 'docs/net.md has ```ts examples');
  const dir = join(repoRoot, 'build', 'net-doc');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    for (const [i, code] of blocks.entries()) {
      const file = join(dir, `example-${i}.ts`);
      const source = code
        .replaceAll("from 'dialtone/net'", `from '${join(repoRoot, 'src', 'net', 'node.ts')}'`)
        .replaceAll("from 'dialtone/http'", `from '${join(repoRoot, 'src', 'http', 'index.ts')}'`)
        .replaceAll("from 'dialtone'", `from '${join(repoRoot, 'src', 'index.ts')}'`);
      writeFileSync(file, source);
      const { stdout } = await promisify(execFile)(process.execPath, [file], { timeout: 20_000 });
      const lines = stdout.trimEnd().split('\n');
      const expected = promised(code);
      assert.equal(lines.length, expected.length, `example ${i + 1} printed:\n${stdout}`);
      expected.forEach((re, j) => assert.match(lines[j] ?? '', re, `example ${i + 1}, line ${j + 1}`));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
