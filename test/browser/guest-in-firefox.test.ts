// A smoke test in Debian's Firefox ESR: the example page runs its bundled Go
// guest, whose HTTP request goes through the dialtone relay that served the
// page. Playwright cannot drive Debian's Firefox, so the page posts its
// result to a local server (?report=, see runInFirefox in
// test/helpers/browser.ts), which also keeps the browser on loopback.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startRelay } from '../../src/relay/server.ts';
import { runInFirefox, startOutsideTrap } from '../helpers/browser.ts';
import { repoRoot } from '../helpers/paths.ts';

test('Firefox runs the example page’s Go guest, which fetches through the relay', { timeout: 90_000 }, async () => {
  const example = join(repoRoot, 'examples', 'browser');
  const relay = await startRelay({ port: 0, staticDir: example, log: () => {} });
  const trap = await startOutsideTrap();
  try {
    const base = `http://127.0.0.1:${relay.address.port}`;
    const result = (await runInFirefox(`${base}/`, { trap, timeoutMs: 60_000 })) as {
      exitCode: number | null;
      stdout: string;
      stderr: string;
    };
    assert.equal(result.exitCode, 0, JSON.stringify(result));
    assert.equal(result.stdout, `GET ${base}/hello.txt: 200 OK\n${readFileSync(join(example, 'hello.txt'), 'utf8')}`);
    assert.deepEqual(trap.requests, [], 'Firefox tried to reach the outside');
  } finally {
    await trap.close();
    await relay.close();
  }
});
