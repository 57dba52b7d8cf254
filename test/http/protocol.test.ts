// dialtone/http speaking HTTP/1.1 itself (the portable build, as in
// browsers): its server answered by raw bytes and by Node's http client, its
// client against raw servers and Node's http server; on Node sockets and on
// the in-memory network. Pipelining, HEAD, 204, HTTP/1.0, Expect:
// 100-continue, chunked uploads, bodies that run to the end of the stream,
// malformed messages and header floods both ways, and a keep-alive
// connection the server closed while idle.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, HttpError, serve, type Handler } from '../../src/http/browser.ts';
import { Network, type Listener } from '../../src/net/index.ts';
import { MemoryNetwork } from '../../src/netdev/memory/network.ts';
import { NodeDriver } from '../../src/netdev/node/driver.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

const handler: Handler = async (w, r) => {
  const path = new URL(r.url, 'http://x').pathname;
  if (path === '/echo') {
    let n = 0;
    for await (const c of r.body) {
      n += c.length;
      await w.write(c);
    }
    if (n === 0) w.writeHeader(200);
  } else if (path === '/none') w.writeHeader(204);
  else if (path === '/sized') {
    w.header().set('content-length', '5');
    await w.write('sized');
  } else if (path === '/short') {
    w.header().set('content-length', '10');
    await w.write('short');
  } else await w.write(`${r.method} ${r.url} ${r.proto}`);
};

/** Writes `request` on a new connection to `addr` and reads until the server closes it (or 5 s pass). */
async function raw(network: Network, addr: string, request: string): Promise<string> {
  const conn = await network.dial('tcp', addr);
  conn.setReadDeadline(Date.now() + 5000);
  await conn.write(enc.encode(request));
  const buf = new Uint8Array(64 * 1024);
  let text = '';
  try {
    for (let n = await conn.read(buf); n !== null && text.length < 1 << 20; n = await conn.read(buf))
      text += dec.decode(buf.subarray(0, n));
  } finally {
    await conn.close();
  }
  return text;
}

/** Serves `answer` (raw bytes) to every connection on `listener`, after reading its request head; counts connections. */
function rawServer(listener: Listener, answer: string): { connections: () => number } {
  let count = 0;
  void (async () => {
    for await (const conn of listener) {
      count++;
      void (async () => {
        const buf = new Uint8Array(4096);
        let got = '';
        while (!got.includes('\r\n\r\n')) {
          const n = await conn.read(buf);
          if (n === null) break;
          got += dec.decode(buf.subarray(0, n));
        }
        await conn.write(enc.encode(answer));
        await conn.close();
      })().catch(() => {});
    }
  })();
  return { connections: () => count };
}

for (const { name, make } of [
  { name: 'Node sockets', make: () => new Network({ driver: new NodeDriver() }) },
  { name: 'the in-memory network', make: () => new Network({ driver: new MemoryNetwork() }) },
]) {
  describe(`dialtone/http’s own HTTP/1.1 on ${name}`, () => {
    test('the server answers pipelined requests in order, HEAD without a body, 204 unframed, HTTP/1.0 unchunked and closed', async () => {
      const network = make();
      const listener = await network.listen('tcp', '127.0.0.1:0');
      const serving = serve(listener, handler);
      const addr = listener.addr.toString();
      try {
        const pipelined = await raw(
          network,
          addr,
          'GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
        );
        const bodies = pipelined.split(/HTTP\/1\.1 200 OK\r\n/).slice(1);
        assert.equal(bodies.length, 3, pipelined);
        assert.match(bodies[0]!, /transfer-encoding: chunked\r\n\r\nf\r\nGET \/a HTTP\/1\.1\r\n0\r\n\r\n$/);
        assert.match(bodies[1]!, /\r\n\r\n3\r\nabc\r\n0\r\n\r\n$/);
        assert.match(bodies[2]!, /connection: close\r\n[\s\S]*\r\n\r\nf\r\nGET \/c HTTP\/1\.1\r\n0\r\n\r\n$/);

        const head = await raw(network, addr, 'HEAD /h HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        assert.match(head, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n$/);
        const none = await raw(network, addr, 'GET /none HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        assert.match(none, /^HTTP\/1\.1 204 No Content\r\n/);
        assert.doesNotMatch(none, /content-length|transfer-encoding/);
        const old = await raw(network, addr, 'GET /old HTTP/1.0\r\n\r\n');
        assert.match(old, /^HTTP\/1\.1 200 OK\r\n/);
        assert.match(old, /connection: close\r\n/);
        assert.doesNotMatch(old, /transfer-encoding/);
        assert.ok(old.endsWith('\r\n\r\nGET /old HTTP/1.0'), old);
        const sized = await raw(network, addr, 'GET /sized HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        assert.match(sized, /content-length: 5\r\n[\s\S]*\r\n\r\nsized$/);
      } finally {
        listener.close();
        await serving;
      }
    });

    test('the server sends 100 Continue when the handler reads, and refuses smuggling (400), header floods (431) and HTTP/0.9 (505)', async () => {
      const network = make();
      const listener = await network.listen('tcp', '127.0.0.1:0');
      const serving = serve(listener, handler, { maxHeaders: 20 });
      const addr = listener.addr.toString();
      try {
        const conn = await network.dial('tcp', addr);
        await conn.write(
          enc.encode('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n'),
        );
        const buf = new Uint8Array(4096);
        const n = await conn.read(buf);
        assert.equal(dec.decode(buf.subarray(0, n ?? 0)), 'HTTP/1.1 100 Continue\r\n\r\n');
        await conn.write(enc.encode('body'));
        let rest = '';
        for (let m = await conn.read(buf); m !== null; m = await conn.read(buf)) rest += dec.decode(buf.subarray(0, m));
        assert.match(rest, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n4\r\nbody\r\n0\r\n\r\n$/);
        await conn.close();

        const smuggled = await raw(
          network,
          addr,
          'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
        );
        assert.match(smuggled, /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*connection: close\r\n/);
        assert.doesNotMatch(smuggled, /smuggled|200 OK/);
        const flood = Array.from({ length: 21 }, (_, i) => `X-${i}: v\r\n`).join('');
        assert.match(await raw(network, addr, `GET / HTTP/1.1\r\n${flood}\r\n`), /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
        assert.match(await raw(network, addr, `GET /${'a'.repeat(70_000)} HTTP/1.1\r\n\r\n`), /^HTTP\/1\.1 431 /);
        assert.match(await raw(network, addr, 'GET /\r\n\r\n'), /^HTTP\/1\.1 505 HTTP Version Not Supported\r\n/);
        // An Upgrade request is answered as HTTP, and then the connection closes: what followed it is not parsed as HTTP.
        const upgrade = await raw(
          network,
          addr,
          'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nGET /next HTTP/1.1\r\n\r\n',
        );
        assert.match(upgrade, /^HTTP\/1\.1 200 OK\r\nconnection: close\r\n[\s\S]*GET \/ws HTTP\/1\.1\r\n0\r\n\r\n$/);
        // A handler that sends less than its Content-Length: the connection closes, so the client sees it cut short.
        assert.match(await raw(network, addr, 'GET /short HTTP/1.1\r\nHost: x\r\n\r\n'), /content-length: 10\r\n[\s\S]*\r\n\r\nshort$/);
      } finally {
        listener.close();
        await serving;
      }
    });

    test('the client uploads chunked, reads HEAD and EOF-delimited answers, and refuses malformed ones', async () => {
      const network = make();
      const listener = await network.listen('tcp', '127.0.0.1:0');
      const serving = serve(listener, handler);
      const base = `http://${listener.addr.toString()}`;
      const client = new Client({ network, timeout: 5000, maxHeaders: 10 });
      const others: Listener[] = [];
      const rawAt = async (answer: string): Promise<string> => {
        const l = await network.listen('tcp', '127.0.0.1:0');
        others.push(l);
        rawServer(l, answer);
        return `http://${l.addr.toString()}/`;
      };
      try {
        async function* parts(): AsyncGenerator<Uint8Array> {
          for (let i = 0; i < 50; i++) yield enc.encode(`part ${i};`);
        }
        const up = await client.post(`${base}/echo`, 'text/plain', parts());
        assert.equal(await up.body.text(), Array.from({ length: 50 }, (_, i) => `part ${i};`).join(''));
        const head = await client.do({ method: 'HEAD', url: `${base}/h` });
        assert.equal(head.statusCode, 200);
        assert.equal(await head.body.text(), '');
        // The connection is fine after HEAD's bodiless answer.
        assert.equal(await (await client.get(`${base}/after-head`)).body.text(), 'GET /after-head HTTP/1.1');
        const none = await client.get(`${base}/none`);
        assert.equal(none.status, '204 No Content');
        assert.equal(await none.body.text(), '');

        const eof = await client.get(await rawAt('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nto the end of the stream'));
        assert.equal(await eof.body.text(), 'to the end of the stream');
        const early = await client.get(await rawAt('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok'));
        assert.equal(early.status, '201 Created');
        assert.equal(await early.body.text(), 'ok');

        const cut = await client.get(await rawAt('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this'));
        await assert.rejects(cut.body.text(), { code: 'HPE_INVALID_EOF_STATE' });
        await assert.rejects(
          client.get(await rawAt('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')),
          (err: unknown) => {
            assert.ok(err instanceof HttpError);
            assert.equal(err.code, 'HPE_INVALID_TRANSFER_ENCODING');
            assert.match(err.message, /^Get "http:\/\/127\.0\.0\.1:\d+\/": malformed HTTP message: /);
            return true;
          },
        );
        const flood = Array.from({ length: 11 }, (_, i) => `X-${i}: v\r\n`).join('');
        await assert.rejects(client.get(await rawAt(`HTTP/1.1 200 OK\r\n${flood}Content-Length: 0\r\n\r\n`)), {
          code: 'ERR_TOO_MANY_HEADERS',
        });
        await assert.rejects(client.get(await rawAt('')), { code: 'ECONNRESET', message: /EOF/ });
        await assert.rejects(client.get(await rawAt('SSH-2.0-OpenSSH\r\n')), { code: 'HPE_INVALID_CONSTANT' });
      } finally {
        client.closeIdleConnections();
        for (const l of others) l.close();
        listener.close();
        await serving;
      }
    });

    test('a keep-alive connection the server closed while idle is not reused, and requests go on', async () => {
      const network = make();
      const listener = await network.listen('tcp', '127.0.0.1:0');
      let accepted = 0;
      const counting = Object.assign(Object.create(listener) as Listener, {
        accept: async () => {
          const conn = await listener.accept();
          accepted++;
          return conn;
        },
      });
      const serving = serve(counting, handler, { keepAliveTimeout: 50 });
      const client = new Client({ network, timeout: 5000 });
      const url = `http://${listener.addr.toString()}/again`;
      try {
        assert.equal(await (await client.get(url)).body.text(), 'GET /again HTTP/1.1');
        assert.equal(await (await client.get(url)).body.text(), 'GET /again HTTP/1.1');
        assert.equal(accepted, 1, 'the second request reused the connection');
        await sleep(300); // the server closes it
        assert.equal(await (await client.get(url)).body.text(), 'GET /again HTTP/1.1');
        assert.equal(accepted, 2);
      } finally {
        client.closeIdleConnections();
        listener.close();
        await serving;
      }
    });
  });
}

test('maxConnsPerHost bounds a client’s connections to a host; the other requests wait their turn', async () => {
  const network = new Network({ driver: new MemoryNetwork() });
  const listener = await network.listen('tcp', '127.0.0.1:0');
  let open = 0;
  let most = 0;
  const peers = new Set<string>();
  const serving = serve(listener, async (w, r) => {
    peers.add(r.remoteAddr);
    most = Math.max(most, ++open);
    await sleep(20);
    open--;
    await w.write(r.url);
  });
  const client = new Client({ network, maxConnsPerHost: 2 });
  try {
    const urls = Array.from({ length: 10 }, (_, i) => `http://${listener.addr.toString()}/${i}`);
    const texts = await Promise.all(urls.map(async (u) => (await client.get(u)).body.text()));
    assert.deepEqual(
      texts,
      urls.map((u) => new URL(u).pathname),
    );
    assert.equal(most, 2);
    assert.equal(peers.size, 2);
  } finally {
    client.closeIdleConnections();
    listener.close();
    await serving;
  }
});

test('Node’s http client talks to serve: keep-alive, chunked upload and download', async () => {
  const network = new Network({ driver: new NodeDriver() });
  const listener = await network.listen('tcp', '127.0.0.1:0');
  const serving = serve(listener, handler);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const request = (path: string, body?: string[]): Promise<{ text: string; res: http.IncomingMessage; socket: unknown }> =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: listener.addr.port, path, method: body ? 'POST' : 'GET', agent }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ text, res, socket: req.socket }));
      });
      req.on('error', reject);
      for (const part of body ?? []) req.write(part); // no length: Node sends it chunked
      req.end();
    });
  try {
    const a = await request('/first');
    assert.equal(a.text, 'GET /first HTTP/1.1');
    const big = Array.from({ length: 40 }, (_, i) => `${i}`.repeat(5000));
    const b = await request('/echo', big);
    assert.equal(b.res.headers['transfer-encoding'], 'chunked');
    assert.equal(b.text, big.join(''));
    assert.equal(a.socket, b.socket, 'the same keep-alive socket');
  } finally {
    agent.destroy();
    listener.close();
    await serving;
  }
});

test('the client talks to Node’s http server: one keep-alive connection, chunked and sized bodies, redirects', async () => {
  const sockets = new Set<unknown>();
  const server = http.createServer((req, res) => {
    sockets.add(req.socket);
    if (req.url === '/redirect') {
      res.writeHead(301, { location: '/chunks' });
      res.end();
    } else if (req.url === '/chunks') {
      res.write('a');
      setTimeout(() => res.end('b'), 10);
    } else res.end(`node saw ${req.method} ${req.url}`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new Client({ network: new Network({ driver: new NodeDriver() }), maxConnsPerHost: 1 });
  try {
    for (let i = 0; i < 5; i++) assert.equal(await (await client.get(`${base}/n${i}`)).body.text(), `node saw GET /n${i}`);
    const redirected = await client.get(`${base}/redirect`);
    assert.equal(redirected.url, `${base}/chunks`);
    assert.equal(redirected.header.get('transfer-encoding'), 'chunked');
    assert.equal(await redirected.body.text(), 'ab');
    assert.equal(sockets.size, 1, 'every request went over one connection');
    const https = new Client({ network: new Network({ driver: new MemoryNetwork() }) });
    await assert.rejects(https.get('https://127.0.0.1/'), { code: 'ERR_UNSUPPORTED_PROTOCOL', message: /https needs TLS/ });
  } finally {
    client.closeIdleConnections();
    server.close();
  }
});
