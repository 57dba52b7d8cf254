// The socket model (src/sockets/) is the part a TypeScript networking API
// shares with the WASI socket ABIs, in Node and in browsers: none of its
// files may import from src/wasi/ or a Node built-in.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/paths.ts';

test('nothing in src/sockets/ imports from src/wasi/ or node:*', () => {
  const dir = join(repoRoot, 'src', 'sockets');
  const wasi = join(repoRoot, 'src', 'wasi');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length > 0);
  const bad: string[] = [];
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)) {
      const spec = m[1] as string;
      const intoWasi = spec.startsWith('.') && !relative(wasi, resolve(dir, spec)).startsWith('..');
      if (spec.startsWith('node:') || intoWasi) bad.push(`${f}: ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
});
