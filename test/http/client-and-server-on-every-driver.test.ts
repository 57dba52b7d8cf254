// dialtone/http: Go-shaped serve(listener, handler) and Client over
// dialtone/net, on Node's sockets, on the in-memory network, and (client
// here: listening through a relay is test/relay/listening.test.ts's) through
// a relay to a node:http server.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { Client, serve, type Handler } from '../../src/http/index.ts';
import { Network } from '../../src/net/index.ts';
import { MemoryNetwork } from '../../src/netdev/memory/network.ts';
import { NodeDriver } from '../../src/netdev/node/driver.ts';
import { WispDriver } from '../../src/netdev/wisp/driver.ts';
import { startRelay } from '../../src/relay/server.ts';

const handler: Handler = async (w, r) => {
  const path = new URL(r.url, 'http://x').pathname;
  if (path === '/hello') {
    w.header().set('x-served-by', 'dialtone');
    await w.write(`hello ${r.method} ${r.proto}`);
  } else if (path === '/echo') {
    w.header().set('content-type', r.header.get('content-type') ?? 'application/octet-stream');
    for await (const chunk of r.body) await w.write(chunk); // streamed back, chunked
  } else if (path === '/stream') {
    for (let i = 0; i < 5; i++) await w.write(`part ${i}\n`);
  } else if (path.startsWith('/redirect/')) {
    const n = Number(path.split('/')[2]);
    w.header().set('location', n > 0 ? `/redirect/${n - 1}` : '/hello');
    w.writeHeader(302);
  } else if (path === '/slow') {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await w.write('late');
  } else if (path === '/fail') {
    throw new Error('handler failed');
  } else w.writeHeader(404);
};

for (const { name, make } of [
  { name: 'Node sockets', make: () => new Network({ driver: new NodeDriver() }) },
  { name: 'the in-memory network', make: () => new Network({ driver: new MemoryNetwork() }) },
]) {
  describe(`dialtone/http on ${name}`, () => {
    test('serve answers, streams chunked bodies and follows Go’s handler rules; the client keeps connections alive', async () => {
      const network = make();
      const listener = await network.listen('tcp', '127.0.0.1:0');
      const errors: unknown[] = [];
      const serving = serve(listener, handler, { onError: (e) => errors.push(e) });
      const client = new Client({ network, timeout: 5000 });
      const base = `http://${listener.addr.toString()}`;
      try {
        const hello = await client.get(`${base}/hello`);
        assert.equal(hello.status, '200 OK');
        assert.equal(hello.header.get('x-served-by'), 'dialtone');
        assert.equal(await hello.body.text(), 'hello GET HTTP/1.1');
        const big = new Uint8Array(300_000).map((_, i) => i % 256);
        const echoed = await client.post(`${base}/echo`, 'application/x-test', big);
        assert.equal(echoed.header.get('content-type'), 'application/x-test');
        assert.equal(echoed.header.get('transfer-encoding'), 'chunked');
        assert.deepEqual(await echoed.body.bytes(), big);
        assert.equal(await (await client.get(`${base}/stream`)).body.text(), 'part 0\npart 1\npart 2\npart 3\npart 4\n');
        const redirected = await client.get(`${base}/redirect/3`);
        assert.equal(redirected.url, `${base}/hello`);
        assert.equal(await redirected.body.text(), 'hello GET HTTP/1.1');
        await assert.rejects(client.get(`${base}/redirect/20`), { code: 'ERR_TOO_MANY_REDIRECTS' });
        const failed = await client.get(`${base}/fail`);
        assert.equal(failed.statusCode, 500);
        failed.body.close();
        assert.equal((errors[0] as Error).message, 'handler failed');
        const missing = await client.get(`${base}/nothing`);
        assert.equal(missing.status, '404 Not Found');
        missing.body.close();
        const hasty = new Client({ network, timeout: 200 });
        await assert.rejects(hasty.get(`${base}/slow`), {
          code: 'ETIMEDOUT',
          message: `Get "${base}/slow": timeout awaiting response headers`,
        });
        hasty.closeIdleConnections();
      } finally {
        client.closeIdleConnections();
        listener.close();
        await serving;
      }
    });
  });
}

test('the client reaches a node:http server through a relay, and a refused dial is the policy’s EACCES', async () => {
  const server = http.createServer((req, res) => res.end(`node saw ${req.url}`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const relay = await startRelay({ port: 0, allowNet: ['127.0.0.1'], log: () => {} });
  const driver = await WispDriver.open(relay.url);
  try {
    const port = (server.address() as AddressInfo).port;
    const client = new Client({ network: new Network({ driver, policy: { allowNet: [`127.0.0.1:${port}`] } }) });
    const res = await client.get(`http://127.0.0.1:${port}/via-relay`);
    assert.equal(await res.body.text(), 'node saw /via-relay');
    await assert.rejects(client.get('http://127.0.0.1:1/'), {
      code: 'EACCES',
      message: /^Get "http:\/\/127\.0\.0\.1:1\/": dial tcp 127\.0\.0\.1:1: connect: permission denied$/,
    });
    client.closeIdleConnections();
  } finally {
    driver.close();
    await relay.close();
    server.close();
  }
});
