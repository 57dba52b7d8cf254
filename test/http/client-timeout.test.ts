// The Client's `timeout` runs from before a request waits for a connection
// to its response's head: it covers a TLS handshake the server never
// answers, and a wait for a connection at maxConnsPerHost (the abandoned
// wait leaves the queue, so the next request still gets the connection).
// Nothing is left behind: the sockets close and the timers are cleared.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, HttpError, serve } from '../../src/http/index.ts';
import { Pool, type PooledConn } from '../../src/http/pool.ts';
import { Network } from '../../src/net/index.ts';
import { NodeDriver } from '../../src/netdev/node/driver.ts';

/** How many of Node's active resources are of `kind` (`Timeout`, `TCPSocketWrap`). */
function active(kind: string): number {
  return process.getActiveResourcesInfo().filter((r) => r === kind).length;
}

/** Waits (up to `ms`) until `done()` holds; fails with `what` otherwise. */
async function eventually(done: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) assert.fail(`${what}: not within ${ms} ms`);
    await sleep(20);
  }
}

/** A TCP server on 127.0.0.1:0 that accepts connections and never sends a byte; counts the ones still open. */
async function silentServer(): Promise<{ port: number; accepted: () => number; open: () => number; stop: () => void }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.resume(); // read what comes (a ClientHello, a request) and say nothing
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const stop = (): void => {
    for (const s of sockets) s.destroy();
    server.close();
  };
  return { port: (server.address() as net.AddressInfo).port, accepted: () => accepted, open: () => sockets.size, stop };
}

test('the timeout covers a TLS handshake (and a request) the server never answers', { timeout: 30_000 }, async () => {
  const silent = await silentServer();
  const client = new Client({ network: new Network({ driver: new NodeDriver() }), timeout: 500 });
  const timers = active('Timeout');
  const sockets = active('TCPSocketWrap');
  try {
    for (const scheme of ['https', 'http']) {
      const started = Date.now();
      const err = await client.get(`${scheme}://127.0.0.1:${silent.port}/`).then(
        () => assert.fail(`${scheme}: a silent server answered`),
        (e: unknown) => e,
      );
      const took = Date.now() - started;
      assert.ok(err instanceof HttpError, String(err));
      assert.equal(err.code, 'ETIMEDOUT', `${scheme}: ${err.message}`);
      assert.equal(err.timeout, true);
      assert.match(err.message, new RegExp(`^Get "${scheme}://127\\.0\\.0\\.1:\\d+/": timeout`));
      assert.ok(took >= 450 && took < 2000, `${scheme}: timed out after ${took} ms`);
    }
    // A tlsConnect that ignores the signal (and never finishes) is cut short all the same.
    const stuck = new Client({ network: new Network({ driver: new NodeDriver() }), timeout: 500, tlsConnect: () => new Promise(() => {}) });
    const started = Date.now();
    await assert.rejects(stuck.get(`https://127.0.0.1:${silent.port}/`), { code: 'ETIMEDOUT' });
    assert.ok(Date.now() - started < 2000);
    assert.equal(silent.accepted(), 3, 'each request reached the server');
    // The client closed its end of every connection: the server sees them close.
    await eventually(() => silent.open() === 0, 2000, 'the client closed its connections');
    await eventually(() => active('TCPSocketWrap') <= sockets, 2000, 'no client socket is left');
    assert.ok(active('Timeout') <= timers, `timers left behind: ${active('Timeout') - timers}`);
  } finally {
    client.closeIdleConnections();
    silent.stop();
  }
});

test('a request waiting for a connection at maxConnsPerHost times out, and leaves the queue to the next', { timeout: 30_000 }, async () => {
  const network = new Network({ driver: new NodeDriver() });
  const listener = await network.listen('tcp', '127.0.0.1:0');
  const peers = new Set<string>();
  const serving = serve(listener, async (w, r) => {
    peers.add(r.remoteAddr);
    await w.write(`${r.url} `); // the head goes out at once: the slow part is the body
    if (r.url === '/slow') await sleep(1500);
    await w.write('done');
  });
  const client = new Client({ network, timeout: 1000, maxConnsPerHost: 1 });
  const base = `http://${listener.addr.toString()}`;
  const timers = active('Timeout');
  try {
    const slow = await client.get(`${base}/slow`); // holds the only connection until its body is read
    const slowText = slow.body.text();
    const started = Date.now();
    await assert.rejects(client.get(`${base}/waits`), (err: unknown) => {
      assert.ok(err instanceof HttpError);
      assert.equal(err.code, 'ETIMEDOUT', err.message);
      return true;
    });
    const took = Date.now() - started;
    assert.ok(took >= 950 && took < 1400, `the waiting request timed out after ${took} ms`);
    // Had the abandoned wait stayed queued, it would take the connection's turn and this one would time out.
    const next = await client.get(`${base}/next`);
    assert.equal(await slowText, '/slow done');
    assert.equal(await next.body.text(), '/next done');
    assert.equal(peers.size, 1, 'one connection carried all the requests');
  } finally {
    client.closeIdleConnections();
    listener.close();
    await serving;
  }
  await eventually(() => active('Timeout') <= timers, 2000, 'the client and server timers are cleared');
});

test('Pool.acquire stops waiting when its signal aborts and removes its waiter', { timeout: 10_000 }, async () => {
  const pool = new Pool(1);
  const conn = { key: 'k', reused: false } as PooledConn;
  assert.equal(await pool.acquire('k', async () => conn), conn);
  const controller = new AbortController();
  const waiting = pool.acquire('k', async () => assert.fail('no place was free'), controller.signal);
  await sleep(10);
  assert.equal(pool.waiting('k'), 1);
  const reason = new Error('gave up');
  controller.abort(reason);
  await assert.rejects(waiting, (err) => err === reason);
  assert.equal(pool.waiting('k'), 0);
  // An already aborted signal does not even queue.
  await assert.rejects(
    pool.acquire('k', async () => conn, controller.signal),
    (err) => err === reason,
  );
  assert.equal(pool.waiting('k'), 0);
});
