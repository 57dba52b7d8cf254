// A Go net/http server inside the guest (httpserver: dispatchrun/net's
// wasip1.Listen) answering real HTTP requests from the host: GET, 1 MiB
// bodies both ways (backpressure through the bounded socket buffers),
// concurrent connections, keep-alive, and a clean stop.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import { test } from 'node:test';
import { startDialtone } from '../helpers/cli.ts';
import { guest } from '../helpers/paths.ts';

interface Reply {
  status: number;
  body: Buffer;
  reusedSocket: boolean;
}

function request(url: string, options: { method?: string; body?: Uint8Array; agent: http.Agent }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', agent: options.agent, timeout: 20_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), reusedSocket: req.reusedSocket }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer within 20 s`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** 1 MiB that is not all one byte, so misordered chunks would show. */
function pattern(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 7 + (i >> 12)) & 0xff;
  return b;
}

test(
  'httpserver answers GET, 1 MiB POSTs, concurrent and keep-alive requests from the host, then stops on /quit',
  { timeout: 90_000 },
  async () => {
    const g = startDialtone(['run', '--allow-listen=127.0.0.1', guest('httpserver'), '127.0.0.1:0'], { timeoutMs: 80_000 });
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const fresh = new http.Agent({ keepAlive: false, maxSockets: 16 });
    try {
      const [, addr] = await g.waitForLine(/^listening on (127\.0\.0\.1:\d+)$/);
      const base = `http://${addr}`;

      const get = await request(`${base}/hello`, { agent: fresh });
      assert.equal(get.status, 200);
      assert.equal(get.body.toString(), 'hello from wasm: GET /hello (0 bytes)\n');

      // 1 MiB up: the guest reads it all before answering.
      const big = pattern(1024 * 1024);
      const post = await request(`${base}/upload`, { method: 'POST', body: big, agent: fresh });
      assert.equal(post.status, 200);
      assert.equal(post.body.toString(), 'hello from wasm: POST /upload (1048576 bytes)\n');

      // 1 MiB up and the same 1 MiB back, byte for byte.
      const echo = await request(`${base}/echo`, { method: 'POST', body: big, agent: fresh });
      assert.equal(echo.status, 200);
      assert.equal(echo.body.length, big.length);
      assert.equal(createHash('sha256').update(echo.body).digest('hex'), createHash('sha256').update(big).digest('hex'));

      // Eight at once, each on its own connection, with distinct bodies.
      const many = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          request(`${base}/c${i}`, { method: 'POST', body: Buffer.alloc(1000 * (i + 1), i), agent: fresh }),
        ),
      );
      many.forEach((r, i) => {
        assert.equal(r.status, 200);
        assert.equal(r.body.toString(), `hello from wasm: POST /c${i} (${1000 * (i + 1)} bytes)\n`);
      });

      // Keep-alive: later requests reuse the first connection.
      const first = await request(`${base}/ka/1`, { agent: keepAlive });
      const second = await request(`${base}/ka/2`, { agent: keepAlive });
      const third = await request(`${base}/echo`, { method: 'POST', body: Buffer.from('small body'), agent: keepAlive });
      assert.equal(first.body.toString(), 'hello from wasm: GET /ka/1 (0 bytes)\n');
      assert.equal(second.body.toString(), 'hello from wasm: GET /ka/2 (0 bytes)\n');
      assert.equal(third.body.toString(), 'small body');
      assert.equal(first.reusedSocket, false);
      assert.equal(second.reusedSocket, true, 'the second request did not reuse the keep-alive connection');
      assert.equal(third.reusedSocket, true, 'the third request did not reuse the keep-alive connection');

      const quit = await request(`${base}/quit`, { agent: fresh });
      assert.equal(quit.body.toString(), 'bye\n');
      const r = await g.exited;
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.toString(), `listening on ${addr}\n`);
      assert.equal(r.stderr, '');
    } finally {
      keepAlive.destroy();
      fresh.destroy();
      g.kill();
    }
  },
);
