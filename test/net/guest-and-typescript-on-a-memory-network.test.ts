// A Go guest and TypeScript code on one in-memory network, in this process,
// no OS socket between them: the httpserver guest listens on the
// MemoryNetwork; dialtone/net dials it over the same network and speaks
// HTTP/1.1 to it; then TypeScript listens and the httpclient guest fetches
// from it. The guest's policy and the TypeScript Network's policy both apply.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Network, type Conn } from '../../src/net/index.ts';
import { MemoryNetwork } from '../../src/netdev/memory/network.ts';
import { run } from '../../src/run.ts';
import { guest } from '../helpers/paths.ts';

async function readAll(conn: Conn): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  const buf = new Uint8Array(4096);
  for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) text += decoder.decode(buf.subarray(0, n), { stream: true });
  return text;
}

test('TypeScript dials a Go HTTP server guest over a MemoryNetwork', { timeout: 60_000 }, async () => {
  const lan = new MemoryNetwork();
  let out = '';
  let listening: () => void = () => {};
  const ready = new Promise<void>((resolve) => (listening = resolve));
  const server = run(guest('httpserver'), {
    args: ['127.0.0.1:8080'],
    stdio: {
      stdout: (c) => {
        out += new TextDecoder().decode(c);
        if (out.includes('listening on')) listening();
      },
    },
    net: { driver: lan, policy: { allowListen: ['127.0.0.1:8080'] } },
  });
  await Promise.race([ready, server.then(() => assert.fail(`the server exited: ${out}`))]);
  const ts = new Network({ driver: lan, policy: { allowNet: ['127.0.0.1:8080'] } });
  for (const path of ['/from-typescript', '/quit']) {
    const conn = await ts.dial('tcp', '127.0.0.1:8080');
    await conn.write(new TextEncoder().encode(`GET ${path} HTTP/1.1\r\nHost: guest\r\nConnection: close\r\n\r\n`));
    const reply = await readAll(conn);
    await conn.close();
    assert.match(reply, /^HTTP\/1\.1 200 OK\r\n/);
    if (path !== '/quit') assert.match(reply, /\r\n\r\nhello from wasm: GET \/from-typescript \(0 bytes\)\n$/);
  }
  assert.equal((await server).exitCode, 0);
  await assert.rejects(ts.dial('tcp', '127.0.0.1:9999'), { code: 'EACCES' }, 'the TypeScript side has a policy too');
});

test('a Go HTTP client guest fetches from a TypeScript server over a MemoryNetwork, by name', { timeout: 60_000 }, async () => {
  const lan = new MemoryNetwork({ hosts: { 'ts.test': ['10.0.0.7'] } });
  const ts = new Network({ driver: lan, policy: { allowListen: ['10.0.0.7:80'] } });
  const listener = await ts.listen('tcp', '10.0.0.7:80');
  const serving = (async () => {
    for await (const conn of listener) {
      const buf = new Uint8Array(4096);
      let request = '';
      while (!request.includes('\r\n\r\n')) {
        const n = await conn.read(buf);
        if (n === null) break;
        request += new TextDecoder().decode(buf.subarray(0, n));
      }
      const body = `typescript saw ${request.split(' ')[1]}`;
      await conn.write(
        new TextEncoder().encode(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nX-Server: ts\r\nConnection: close\r\n\r\n${body}`),
      );
      await conn.close();
    }
  })();
  let out = '';
  const client = await run(guest('httpclient'), {
    args: ['http://ts.test/page'],
    stdio: { stdout: (c) => (out += new TextDecoder().decode(c)) },
    net: { driver: lan, policy: { allowNet: ['ts.test:80'] } },
  });
  listener.close();
  await serving;
  assert.equal(client.exitCode, 0, out);
  assert.match(out, /^status: 200 OK$/m);
  assert.match(out, /^x-server: ts$/m);
  assert.match(out, /^body: typescript saw \/page$/m);
});
