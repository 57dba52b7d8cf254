// The bundled example (examples/hello) runs as the README shows it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dialtone } from '../helpers/cli.ts';
import { repoRoot } from '../helpers/paths.ts';

const ARGS = ['run', '--dir', 'examples/hello/data:/data', 'examples/hello/hello.wasm'];

test('the README runs the bundled example with exactly these arguments', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  assert.ok(readme.includes(`npx dialtone ${ARGS.join(' ')}\n`), 'README shows the command');
});

test('the bundled example greets, reads its preopened file and exits 0', async () => {
  const r = await dialtone(ARGS, { cwd: repoRoot });
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout.toString();
  assert.match(out, /^hello, world, from a Go program running in WebAssembly$/m);
  const message = readFileSync(join(repoRoot, 'examples', 'hello', 'data', 'message.txt'), 'utf8').trim();
  assert.ok(out.includes(`/data/message.txt says: ${message}`), out);
});
