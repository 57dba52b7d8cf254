// examples/httpserver builds and serves as the README shows: a Go net/http
// server (dispatchrun/net) under dialtone, reachable from the host only
// when --allow-listen allows it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dialtone, startDialtone } from '../helpers/cli.ts';
import { repoRoot, tempDir } from '../helpers/paths.ts';

const exampleDir = join(repoRoot, 'examples', 'httpserver');
const BUILD = 'GOOS=wasip1 GOARCH=wasm go build -o server.wasm .';
const RUN = 'npx dialtone run --allow-listen=127.0.0.1 server.wasm 127.0.0.1:8080';

test('the README shows how to build and run examples/httpserver', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  for (const line of [BUILD, RUN]) assert.ok(readme.includes(`${line}\n`), `README shows: ${line}`);
  assert.match(readme, /examples\/httpserver/);
});

test('examples/httpserver builds from its source and serves HTTP to the host', { timeout: 180_000 }, async () => {
  const out = tempDir();
  try {
    const { GOOS: _os, GOARCH: _arch, ...env } = process.env;
    // As the README's build line, but into a temporary directory (build outputs stay out of the repo).
    const wasm = join(out.path, 'server.wasm');
    execFileSync('go', ['build', '-o', wasm, '.'], { cwd: exampleDir, env: { ...env, GOOS: 'wasip1', GOARCH: 'wasm' }, stdio: 'inherit' });

    // Port 0 rather than the README's 8080, so the test never collides.
    const g = startDialtone(['run', '--allow-listen=127.0.0.1', wasm, '127.0.0.1:0'], { timeoutMs: 60_000 });
    try {
      const [, addr] = await g.waitForLine(/^listening on (127\.0\.0\.1:\d+)$/);
      const res = await fetch(`http://${addr}/hello`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'hello from wasm: GET /hello\n');
    } finally {
      g.kill();
      await g.exited;
    }

    // Without --allow-listen the policy refuses the listener.
    const denied = await dialtone(['run', wasm, '127.0.0.1:0']);
    assert.equal(denied.status, 1, denied.stderr);
    assert.match(denied.stderr, /^listen: .*permission denied/im);
  } finally {
    out.cleanup();
  }
});
