// The browser entry point's run() (src/browser.ts), driven from Node, which
// has every web API it uses (fetch, Response, WebSocket, MessageChannel, Web
// Crypto): in-memory directories, stdio callbacks, modules by URL and by
// bytes, and sockets through a relay. test/browser/chromium.test.ts runs the
// same guests in a real browser.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MemoryFs, MemoryNetwork, run } from '../../src/browser.ts';
import { startRelay } from '../../src/relay/server.ts';
import { repoRoot } from '../helpers/paths.ts';

const exampleDir = join(repoRoot, 'examples', 'browser');

function collect(): { sink: (chunk: Uint8Array) => void; text: () => string } {
  const chunks: Uint8Array[] = [];
  return { sink: (c) => chunks.push(c), text: () => Buffer.concat(chunks).toString() };
}

test('a guest reads and writes in-memory directories, and the page reads them after the run', async () => {
  const out = collect();
  const fs = new MemoryFs({ 'message.txt': 'from memory\n' });
  const result = await run(readFileSync(join(repoRoot, 'examples', 'hello', 'hello.wasm')), {
    args: ['page'],
    dirs: { '/data': fs },
    stdio: { stdout: out.sink },
  });
  assert.equal(result.exitCode, 0);
  assert.match(out.text(), /^hello, page, from a Go program running in WebAssembly$/m);
  assert.match(out.text(), /\/data\/message\.txt says: from memory$/m);
  assert.equal(result.dirs['/data'], fs);
});

test('files given as a plain object become a MemoryFs in the result; argv[0] comes from the URL', async () => {
  const relay = await startRelay({ port: 0, staticDir: join(repoRoot, 'examples', 'hello'), log: () => {} });
  try {
    const base = `http://127.0.0.1:${relay.address.port}`;
    const out = collect();
    const result = await run(`${base}/hello.wasm?v=1`, { dirs: { '/data': { 'message.txt': 'plain\n' } }, stdio: { stdout: out.sink } });
    assert.equal(result.exitCode, 0, out.text());
    assert.equal(result.dirs['/data']?.readText('message.txt'), 'plain\n');
    await assert.rejects(run(`${base}/missing.wasm`), { code: 'ERR_MODULE_NOT_FOUND', message: /HTTP 404/ });
    await assert.rejects(run(new Response('not wasm')), { code: 'ERR_NOT_WASM' });
  } finally {
    await relay.close();
  }
});

test('the bundled example fetches its page’s hello.txt through the relay that serves it, by address and by name', async () => {
  const relay = await startRelay({ port: 0, staticDir: exampleDir, log: () => {} });
  try {
    const host = `127.0.0.1:${relay.address.port}`;
    for (const url of [`http://${host}/hello.txt`, `http://localhost:${relay.address.port}/hello.txt`]) {
      const out = collect();
      const err = collect();
      const { exitCode } = await run(`http://${host}/fetch.wasm`, {
        args: [url],
        stdio: { stdout: out.sink, stderr: err.sink },
        net: { relay: relay.url, policy: { allowNet: [host, `localhost:${relay.address.port}`] } },
      });
      assert.equal(exitCode, 0, err.text());
      assert.equal(out.text(), `GET ${url}: 200 OK\n${readFileSync(join(exampleDir, 'hello.txt'), 'utf8')}`);
    }
  } finally {
    await relay.close();
  }
});

test('the guest’s policy refuses before the relay is asked; no relay means no network; an unreachable relay is ERR_RELAY', async () => {
  const relay = await startRelay({ port: 0, staticDir: exampleDir, log: () => {} });
  try {
    const host = `127.0.0.1:${relay.address.port}`;
    const wasm = readFileSync(join(exampleDir, 'fetch.wasm'));
    const refused = collect();
    const denied = await run(wasm, { args: [`http://${host}/hello.txt`], stdio: { stderr: refused.sink }, net: { relay: relay.url } });
    assert.equal(denied.exitCode, 1);
    assert.match(refused.text(), /connect: permission denied/i);
    const none = collect();
    const offline = await run(wasm, {
      args: [`http://${host}/hello.txt`],
      stdio: { stderr: none.sink },
      net: { policy: { allowNet: true } },
    });
    assert.equal(offline.exitCode, 1);
    assert.match(none.text(), /not supported/i);
  } finally {
    await relay.close();
  }
  await assert.rejects(run(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), { net: { relay: 'ws://127.0.0.1:1/' } }), {
    code: 'ERR_RELAY',
  });
});

test('a relative URL with no page, or a relay and a driver at once, is refused with a code', async () => {
  await assert.rejects(run('guest.wasm'), { code: 'ERR_MODULE_NOT_FOUND', message: /relative URLs need a page/ });
  await assert.rejects(run(new Uint8Array(), { net: { relay: 'ws://127.0.0.1:1/', driver: new MemoryNetwork() } }), { code: 'ERR_USAGE' });
});
