// Start-up: `dialtone run`, started as its shebang line starts it, loads
// the bundled CLI (dist/cli-bundle/) and, for a guest that never opens a
// socket, none of Node's network, crypto, terminal or stream modules; the
// Node socket driver comes at the first socket, from the bundle too. See
// RATIONALE.md ("Start-up").
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { DIALTONE_NODE_OPTIONS, runProcess } from '../helpers/cli.ts';
import { dialtoneBin, guest, repoRoot, tempDir } from '../helpers/paths.ts';

/** What one CLI run loaded: ES module / require URLs, and Node's built-ins. */
interface Loaded {
  urls: string[];
  builtins: string[];
}

// Records resolutions through Node's synchronous module hooks (they see
// import() and require() alike). Built-ins come from getBuiltinModule: an
// import of node:fs here would itself load what the test looks for.
const HOOK = `
const { registerHooks } = process.getBuiltinModule('node:module');
const urls = [];
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); urls.push(r.url); return r; } });
process.on('exit', () => {
  process.getBuiltinModule('node:fs').writeFileSync(process.env.LOAD_REPORT, JSON.stringify({ urls, builtins: process.moduleLoadList }));
});
`;

async function runRecorded(args: readonly string[]): Promise<{ stdout: string; loaded: Loaded }> {
  const dir = tempDir();
  try {
    const hook = join(dir.path, 'hook.mjs');
    const report = join(dir.path, 'report.json');
    writeFileSync(hook, HOOK);
    const r = await runProcess(
      process.execPath,
      [...DIALTONE_NODE_OPTIONS, '--import', pathToFileURL(hook).href, dialtoneBin, 'run', ...args],
      { env: { ...process.env, LOAD_REPORT: report } },
    );
    assert.equal(r.status, 0, r.stderr);
    return { stdout: r.stdout.toString(), loaded: JSON.parse(readFileSync(report, 'utf8')) as Loaded };
  } finally {
    dir.cleanup();
  }
}

/** The repository's files among the URLs, relative to its root. */
function repoFiles(urls: readonly string[]): string[] {
  const root = pathToFileURL(repoRoot).href;
  return urls.filter((u) => u.startsWith(root)).map((u) => u.slice(root.length));
}

const NOT_FOR_A_HELLO_WORLD = ['net', 'dgram', 'dns', 'http', 'tls', 'crypto', 'tty', 'stream', 'internal/fs/promises', 'inspector'];

test('a guest without sockets loads the bundled CLI and none of the network, crypto, tty or stream modules', async () => {
  const { stdout, loaded } = await runRecorded([guest('hello')]);
  assert.equal(stdout, 'hello, world\n');
  const files = repoFiles(loaded.urls);
  assert.ok(files.includes('dist/cli-bundle/main.js'), files.join(' '));
  const outside = files.filter((f) => !f.startsWith('dist/cli-bundle/') && !f.startsWith('bin/'));
  assert.deepEqual(outside, [], 'only the bundle and bin/ are loaded');
  assert.ok(!files.includes('dist/cli-bundle/node-driver.js'), 'the socket driver waits for a socket');
  const loadedBuiltins = NOT_FOR_A_HELLO_WORLD.filter((m) => loaded.builtins.includes(`NativeModule ${m}`));
  assert.deepEqual(loadedBuiltins, []);
});

test("a guest's first socket loads the bundle's socket driver, and it works", async () => {
  const server = createServer((_req, res) => res.end('hi from node'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/`;
    const { stdout, loaded } = await runRecorded(['--allow-net=127.0.0.1', guest('httpclient'), url]);
    assert.match(stdout, /status: 200 OK/);
    assert.match(stdout, /body: hi from node/);
    const files = repoFiles(loaded.urls);
    assert.ok(files.includes('dist/cli-bundle/node-driver.js'), files.join(' '));
    assert.deepEqual(
      files.filter((f) => !f.startsWith('dist/cli-bundle/') && !f.startsWith('bin/')),
      [],
      'one copy of each module: the driver does not bring dist/ files beside the bundle',
    );
    assert.ok(loaded.builtins.includes('NativeModule net'));
  } finally {
    server.close();
  }
});
