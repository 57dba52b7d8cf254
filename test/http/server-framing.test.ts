// serve()'s framing where it must match Go: writeHeader(1xx) is an
// informational response sent at once, with the final one after it on the
// same (kept-alive) connection; HTTP/1.1 requests need exactly one Host;
// reading a body is bounded in time (readTimeout, and the drain of an
// unread body). Raw bytes over real sockets on 127.0.0.1.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as http from 'node:http';
import * as net from 'node:net';
import { test } from 'node:test';
import { Client, serve, type Handler, type ServeOptions } from '../../src/http/index.ts';
import { Network } from '../../src/net/index.ts';
import { NodeDriver } from '../../src/netdev/node/driver.ts';

/** A raw connection to 127.0.0.1:`port` that collects what the server sends. */
async function rawConn(port: number): Promise<{
  socket: net.Socket;
  received: () => string;
  waitFor: (pattern: RegExp, ms: number) => Promise<string>;
  closed: Promise<unknown>;
}> {
  const socket = net.connect(port, '127.0.0.1');
  const closed = once(socket, 'close');
  let text = '';
  let changed: (() => void) | undefined;
  socket.on('data', (d: Buffer) => {
    text += d.toString('latin1');
    changed?.();
  });
  socket.on('error', () => {});
  await once(socket, 'connect');
  const waitFor = async (pattern: RegExp, ms: number): Promise<string> => {
    const until = Date.now() + ms;
    while (!pattern.test(text)) {
      const left = until - Date.now();
      if (left <= 0 || socket.destroyed) assert.fail(`${pattern} not received within ${ms} ms; got ${JSON.stringify(text)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        changed = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return text;
  };
  return { socket, received: () => text, waitFor, closed };
}

/** Resolves with `p`, or fails after `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Serves `handler` on Node sockets at 127.0.0.1:0 for the length of `body`. */
async function serving(handler: Handler, options: ServeOptions, body: (port: number, network: Network) => Promise<void>): Promise<void> {
  const network = new Network({ driver: new NodeDriver() });
  const listener = await network.listen('tcp', '127.0.0.1:0');
  const done = serve(listener, handler, options);
  try {
    await body(listener.addr.port, network);
  } finally {
    listener.close();
    await done;
  }
}

test(
  'writeHeader(103) sends an informational response at once; the final one follows on the kept-alive connection',
  { timeout: 20_000 },
  async () => {
    // The handler stops after its 103 until the test lets it go on.
    let reached = Promise.withResolvers<void>();
    let release = Promise.withResolvers<void>();
    const proceed = (): void => {
      const r = release;
      reached = Promise.withResolvers<void>();
      release = Promise.withResolvers<void>();
      r.resolve();
    };
    const handler: Handler = async (w, r) => {
      if (r.url === '/hints') {
        w.header().set('link', '</style.css>; rel=preload');
        w.header().set('content-length', '2'); // for the final response only
        w.writeHeader(103);
        // The 103 is on the wire before the handler goes on.
        const go = release.promise;
        reached.resolve();
        await go;
        w.writeHeader(200);
        w.writeHeader(103); // after the final status: ignored, as in Go
        await w.write('ok');
      } else await w.write(`plain ${r.proto}`);
    };
    await serving(handler, {}, async (port, network) => {
      const c = await rawConn(port);
      try {
        c.socket.write('GET /hints HTTP/1.1\r\nHost: x\r\n\r\n');
        const early = await c.waitFor(/\r\n\r\n/, 2000);
        assert.equal(early, 'HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n');
        proceed();
        await c.waitFor(/\r\n\r\nok$/, 2000);
        c.socket.write('GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
        await within(c.closed, 2000, 'the connection closed after the second response');
        const responses = c.received().split(/(?=HTTP\/1\.1 )/);
        assert.equal(responses.length, 3, c.received());
        assert.match(responses[1]!, /^HTTP\/1\.1 200 OK\r\n(?:[^\r]+\r\n)*content-length: 2\r\n(?:[^\r]+\r\n)*\r\nok$/);
        assert.match(responses[1]!, /link: <\/style\.css>; rel=preload\r\n/);
        assert.match(responses[2]!, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\ne\r\nplain HTTP\/1\.1\r\n0\r\n\r\n$/);
      } finally {
        c.socket.destroy();
      }

      // An HTTP/1.0 client gets no 1xx (RFC 9110 §15.2), only the final response.
      const old = await rawConn(port);
      try {
        old.socket.write('GET /hints HTTP/1.0\r\n\r\n');
        await within(reached.promise, 2000, 'the handler wrote its 103');
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal(old.received(), '');
        proceed();
        await within(old.closed, 2000, 'the HTTP/1.0 response ended');
        assert.match(old.received(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/);
      } finally {
        old.socket.destroy();
      }

      // Node's client sees the 103 as information, then the response; dialtone's Client skips it.
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const infos: number[] = [];
        const text = await new Promise<string>((resolve, reject) => {
          const req = http.get({ host: '127.0.0.1', port, path: '/hints', agent }, (res) => {
            let t = `${res.statusCode} `;
            res.on('data', (d: Buffer) => (t += d.toString()));
            res.on('end', () => resolve(t));
          });
          req.on('information', (info: http.InformationEvent) => {
            infos.push(info.statusCode);
            proceed();
          });
          req.on('error', reject);
        });
        assert.deepEqual(infos, [103]);
        assert.equal(text, '200 ok');
        const client = new Client({ network, timeout: 5000 });
        const res = client.get(`http://127.0.0.1:${port}/hints`);
        await within(reached.promise, 2000, 'the handler wrote its 103');
        proceed();
        const answered = await res;
        assert.equal(answered.statusCode, 200);
        assert.equal(await answered.body.text(), 'ok');
        client.closeIdleConnections();
      } finally {
        agent.destroy();
      }
    });
  },
);

test(
  'writeHeader outside 100-999 throws a RangeError; writeHeader(100) replaces the automatic 100 Continue',
  { timeout: 20_000 },
  async () => {
    const thrown: unknown[] = [];
    const handler: Handler = async (w, r) => {
      for (const code of [99, 1000, 2.5]) {
        try {
          w.writeHeader(code);
        } catch (err) {
          thrown.push(err);
        }
      }
      if (r.url === '/continue') w.writeHeader(100);
      await w.write(await r.body.text());
    };
    await serving(handler, {}, async (port) => {
      const c = await rawConn(port);
      try {
        c.socket.write('POST /continue HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\nConnection: close\r\n\r\n');
        await c.waitFor(/^HTTP\/1\.1 100 Continue\r\n\r\n/, 2000);
        c.socket.write('abc');
        await within(c.closed, 2000, 'the response ended');
        const text = c.received();
        assert.equal(text.match(/100 Continue/g)?.length, 1, text);
        assert.match(text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n3\r\nabc\r\n0\r\n\r\n$/);
      } finally {
        c.socket.destroy();
      }
    });
    assert.equal(thrown.length, 3);
    for (const err of thrown) assert.ok(err instanceof RangeError && /invalid WriteHeader code/.test(err.message), String(err));
  },
);

test('HTTP/1.1 requests with two Host fields or none are answered 400 and closed; HTTP/1.0 needs none', { timeout: 20_000 }, async () => {
  let served = 0;
  const handler: Handler = async (w, r) => {
    served++;
    await w.write(`host=${r.host}`);
  };
  await serving(handler, {}, async (port) => {
    for (const [request, reason] of [
      ['GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 'too many Host headers'],
      ['GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n', 'too many Host headers'],
      ['GET / HTTP/1.1\r\nAccept: */*\r\n\r\n', 'missing required Host header'],
    ] as const) {
      const c = await rawConn(port);
      try {
        c.socket.write(request);
        await within(c.closed, 2000, `the connection closed after ${JSON.stringify(request)}`);
        const body = `400 Bad Request: ${reason}`;
        assert.equal(
          c.received(),
          `HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
        );
      } finally {
        c.socket.destroy();
      }
    }
    assert.equal(served, 0);
    for (const [request, answer] of [
      ['GET / HTTP/1.0\r\n\r\n', 'host='],
      ['GET / HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n', '5\r\nhost=\r\n0\r\n\r\n'],
    ] as const) {
      const c = await rawConn(port);
      try {
        c.socket.write(request);
        await within(c.closed, 2000, 'the response ended');
        assert.match(c.received(), /^HTTP\/1\.1 200 OK\r\n/);
        assert.ok(c.received().endsWith(`\r\n\r\n${answer}`), c.received());
      } finally {
        c.socket.destroy();
      }
    }
    assert.equal(served, 2);
  });
});

test(
  'readTimeout fails a request body that trickles past it: the handler sees ETIMEDOUT, the connection closes',
  { timeout: 20_000 },
  async () => {
    const errors: unknown[] = [];
    const handler: Handler = async (w, r) => {
      await w.write(`got ${(await r.body.text()).length}`);
    };
    await serving(handler, { readTimeout: 300, onError: (err) => errors.push(err) }, async (port) => {
      // A body in time is served.
      const fine = await rawConn(port);
      try {
        fine.socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc');
        await within(fine.closed, 2000, 'the response ended');
        assert.match(fine.received(), /\r\n\r\n5\r\ngot 3\r\n0\r\n\r\n$/);
      } finally {
        fine.socket.destroy();
      }
      const c = await rawConn(port);
      try {
        const started = Date.now();
        c.socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc');
        await within(c.closed, 3000, 'the connection closed');
        const took = Date.now() - started;
        assert.ok(took >= 250 && took < 2000, `closed after ${took} ms`);
        assert.match(c.received(), /^HTTP\/1\.1 500 Internal Server Error\r\n/);
      } finally {
        c.socket.destroy();
      }
    });
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as { code?: unknown }).code, 'ETIMEDOUT');
  },
);

test('the drain of a body the handler left unread is bounded by keepAliveTimeout: the connection closes', { timeout: 20_000 }, async () => {
  const handler: Handler = async (w) => {
    await w.write('ignored the body');
  };
  await serving(handler, { keepAliveTimeout: 200 }, async (port) => {
    const c = await rawConn(port);
    try {
      // 3 of 10 body bytes, then nothing: the response comes, then the server stops waiting for the rest.
      c.socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc');
      await c.waitFor(/\r\n0\r\n\r\n$/, 2000);
      const answered = Date.now();
      await within(c.closed, 3000, 'the connection closed');
      const took = Date.now() - answered;
      assert.ok(took >= 150 && took < 2000, `closed ${took} ms after the response`);
      assert.match(c.received(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n10\r\nignored the body\r\n0\r\n\r\n$/);
    } finally {
      c.socket.destroy();
    }
  });
});
