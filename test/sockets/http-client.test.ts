// A Go net/http client inside the guest (httpclient: http.DefaultTransport
// dialing through dispatchrun/net) fetching from a node:http server in the
// test: by IP, with a 1 MiB body, over one keep-alive connection, and by the
// name localhost (Go's resolver reading the guest's virtual /etc/hosts).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { dialtone } from '../helpers/cli.ts';
import { guest } from '../helpers/paths.ts';

const BIG = Buffer.alloc(1024 * 1024);
for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 13 + (i >> 9)) & 0xff;
const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

const POLICY = ['--allow-net=127.0.0.1,::1,localhost'];

let server: http.Server;
let port: number;
let connections = 0;
const seen: string[] = [];

before(async () => {
  server = http.createServer({ keepAlive: true }, (req, res) => {
    seen.push(`${req.method} ${req.url} host=${req.headers.host}`);
    res.setHeader('X-Server', 'node-test');
    if (req.url === '/big') {
      res.setHeader('Content-Type', 'application/octet-stream');
      res.end(BIG);
    } else if (req.url === '/missing') {
      res.statusCode = 404;
      res.end('no such page\n');
    } else {
      res.end(`hello from node: ${req.url}\n`);
    }
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function expected(url: string, status: string, body: Buffer | string, withBody: boolean): string {
  const lines = [`GET ${url}`, `status: ${status}`, 'x-server: node-test', `length: ${Buffer.byteLength(body)}`, `sha256: ${sha256(body)}`];
  if (withBody) lines.push(`body: ${body.toString().replace(/\n$/, '')}`);
  return `${lines.join('\n')}\n`;
}

test('httpclient fetches by IP: a small page, 1 MiB, a 404, all over one keep-alive connection', { timeout: 60_000 }, async () => {
  connections = 0;
  seen.length = 0;
  const urls = [`http://127.0.0.1:${port}/hello`, `http://127.0.0.1:${port}/big`, `http://127.0.0.1:${port}/missing`];
  const r = await dialtone(['run', ...POLICY, guest('httpclient'), ...urls], { timeoutMs: 50_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    r.stdout.toString(),
    expected(urls[0]!, '200 OK', `hello from node: /hello\n`, true) +
      expected(urls[1]!, '200 OK', BIG, false) +
      expected(urls[2]!, '404 Not Found', 'no such page\n', true),
  );
  assert.deepEqual(
    seen,
    ['/hello', '/big', '/missing'].map((p) => `GET ${p} host=127.0.0.1:${port}`),
  );
  assert.equal(connections, 1, 'the client should reuse its keep-alive connection');
});

test('httpclient fetches http://localhost:PORT (Go resolves localhost from the virtual /etc/hosts)', { timeout: 60_000 }, async () => {
  seen.length = 0;
  const url = `http://localhost:${port}/by-name`;
  const r = await dialtone(['run', ...POLICY, guest('httpclient'), url], { timeoutMs: 50_000 });
  assert.equal(r.status, 0, r.stderr);
  // localhost is 127.0.0.1 and ::1 and the server listens on 127.0.0.1 only:
  // Go tries 127.0.0.1 first (a refused ::1 would only send it on to the next).
  assert.equal(r.stdout.toString(), expected(url, '200 OK', 'hello from node: /by-name\n', true));
  assert.deepEqual(seen, [`GET /by-name host=localhost:${port}`]);
});

test('httpclient reports a connection the policy refuses, and the server sees nothing', { timeout: 60_000 }, async () => {
  seen.length = 0;
  const url = `http://127.0.0.1:${port}/refused`;
  const r = await dialtone(['run', `--allow-net=127.0.0.1:${port === 1 ? 2 : 1}`, guest('httpclient'), url], { timeoutMs: 50_000 });
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stdout.toString(), `GET ${url}\nGET ${url} error: Get "${url}": dial tcp 127.0.0.1:${port}: connect: Permission denied\n`);
  assert.deepEqual(seen, []);
});
