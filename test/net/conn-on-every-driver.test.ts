// dialtone/net's Conn, Listener and PacketConn on each driver: Node's
// sockets, and a relay's (the Wisp driver through dialtone relay, which
// dials real node:net servers here; test/relay/listening.test.ts covers
// listening through it). Real sockets on
// 127.0.0.1 port 0.
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Network, OpError, type Conn } from '../../src/net/index.ts';
import { dial, listen, listenPacket, lookupPort } from '../../src/net/node.ts';
import { NodeDriver } from '../../src/netdev/node/driver.ts';
import { WispDriver } from '../../src/netdev/wisp/driver.ts';
import { startRelay, type Relay } from '../../src/relay/server.ts';

async function echoServer(): Promise<{ port: number; close(): void }> {
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

async function readExactly(conn: Conn, n: number): Promise<Buffer> {
  const out: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const buf = new Uint8Array(64 * 1024);
    const r = await conn.read(buf);
    if (r === null) break;
    out.push(Buffer.from(buf.subarray(0, r)));
    got += r;
  }
  return Buffer.concat(out);
}

let relay: Relay;
let wisp: WispDriver;
before(async () => {
  relay = await startRelay({ port: 0, allowNet: ['127.0.0.1'], log: () => {} });
  wisp = await WispDriver.open(relay.url);
});
after(async () => {
  wisp.close();
  await relay.close();
});

const networks: { name: string; network: () => Network }[] = [
  { name: 'Node sockets', network: () => new Network({ driver: new NodeDriver() }) },
  { name: 'a relay (Wisp driver)', network: () => new Network({ driver: wisp }) },
];

for (const { name, network } of networks) {
  describe(`dialtone/net over ${name}`, () => {
    test('dial gives a Conn that writes whole buffers, reads what arrives and null at the end', async () => {
      const echo = await echoServer();
      try {
        const conn = await network().dial('tcp', `127.0.0.1:${echo.port}`);
        assert.equal(conn.remoteAddr.toString(), `127.0.0.1:${echo.port}`);
        assert.equal(conn.remoteAddr.network, 'tcp');
        const data = new Uint8Array(1024 * 1024).map((_, i) => i % 251);
        const reading = readExactly(conn, data.length);
        await conn.write(data);
        assert.deepEqual(new Uint8Array(await reading), data);
        await conn.close();
        await assert.rejects(conn.read(new Uint8Array(4)), { code: 'ERR_NET_CLOSED', message: /use of closed network connection$/ });
      } finally {
        echo.close();
      }
    });

    test('a read deadline in the past fails pending and later reads with a timeout until it is reset', async () => {
      const echo = await echoServer();
      try {
        const conn = await network().dial('tcp4', `127.0.0.1:${echo.port}`);
        const pending = conn.read(new Uint8Array(8));
        conn.setReadDeadline(Date.now() + 50);
        const err = await pending.then(
          () => assert.fail('read should time out'),
          (e: unknown) => e,
        );
        assert.ok(err instanceof OpError);
        assert.equal(err.timeout, true);
        assert.equal(err.code, 'ETIMEDOUT');
        assert.equal(err.op, 'read');
        assert.match(err.message, /^read tcp4 .*->127\.0\.0\.1:\d+: i\/o timeout$/);
        await assert.rejects(conn.read(new Uint8Array(8)), { timeout: true });
        conn.setReadDeadline(null);
        await conn.write(new TextEncoder().encode('again'));
        assert.equal((await readExactly(conn, 5)).toString(), 'again');
        await conn.close();
      } finally {
        echo.close();
      }
    });

    test('closeWrite ends the peer’s reading where the driver can half-close', async () => {
      const server = net.createServer({ allowHalfOpen: true }, (s) => {
        const got: Buffer[] = [];
        s.on('data', (b) => got.push(b));
        s.on('end', () => s.end(`got ${Buffer.concat(got).toString()}`));
        s.on('error', () => {});
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const conn = await network().dial('tcp', `127.0.0.1:${(server.address() as AddressInfo).port}`);
        await conn.write(new TextEncoder().encode('request'));
        await conn.closeWrite();
        await assert.rejects(conn.write(new Uint8Array(1)), { code: 'EPIPE' });
        if (name === 'Node sockets') assert.equal((await readExactly(conn, 100)).toString(), 'got request');
        await conn.close();
      } finally {
        server.close();
      }
    });

    test('dial udp gives a Conn over a connected datagram socket: one write, one datagram', async () => {
      const echo = dgram.createSocket('udp4');
      echo.on('message', (m, r) => echo.send(Buffer.concat([Buffer.from('echo: '), m]), r.port, r.address));
      await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
      try {
        const conn = await network().dial('udp4', `127.0.0.1:${echo.address().port}`);
        assert.equal(conn.remoteAddr.network, 'udp4');
        for (const word of ['one', 'two']) {
          await conn.write(new TextEncoder().encode(word));
          const buf = new Uint8Array(64);
          const n = await conn.read(buf);
          assert.equal(new TextDecoder().decode(buf.subarray(0, n ?? 0)), `echo: ${word}`);
        }
        await conn.close();
      } finally {
        echo.close();
      }
    });

    test('a refused dial is an OpError with Go’s message and a stable code', async () => {
      const echo = await echoServer();
      echo.close();
      await new Promise((resolve) => setTimeout(resolve, 20));
      await assert.rejects(network().dial('tcp', `127.0.0.1:${echo.port}`), (err: unknown) => {
        assert.ok(err instanceof OpError);
        assert.equal(err.code, 'ECONNREFUSED');
        assert.equal(err.message, `dial tcp 127.0.0.1:${echo.port}: connect: connection refused`);
        assert.equal(err.timeout, false);
        return true;
      });
    });

    test('the policy decides as it does for guests: a refused dial is EACCES and nothing connects', async () => {
      let seen = 0;
      const server = net.createServer((s) => {
        seen++;
        s.destroy();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const port = (server.address() as AddressInfo).port;
        const strict = new Network({ driver: name === 'Node sockets' ? new NodeDriver() : wisp, policy: { allowNet: ['127.0.0.1:1'] } });
        await assert.rejects(strict.dial('tcp', `127.0.0.1:${port}`), { code: 'EACCES', message: /connect: permission denied$/ });
        assert.equal(seen, 0);
      } finally {
        server.close();
      }
    });

    test('an aborted or timed-out dial rejects with ECANCELED or a timeout', async () => {
      const controller = new AbortController();
      controller.abort(new Error('stop'));
      await assert.rejects(network().dial('tcp', '127.0.0.1:9', { signal: controller.signal }), { code: 'ECANCELED' });
      // A listener whose backlog is never accepted still completes connects; a timeout of 0 passes at once.
      const echo = await echoServer();
      try {
        await assert.rejects(network().dial('tcp', `127.0.0.1:${echo.port}`, { timeout: 0 }), { timeout: true });
      } finally {
        echo.close();
      }
    });
  });
}

test('listen gives a Listener whose accept and async iteration yield Conns; close ends the iteration', async () => {
  const l = await listen('tcp', '127.0.0.1:0');
  assert.match(l.addr.toString(), /^127\.0\.0\.1:\d+$/);
  assert.notEqual(l.addr.port, 0);
  const served = (async () => {
    const names: string[] = [];
    for await (const conn of l) {
      const buf = new Uint8Array(64);
      const n = await conn.read(buf);
      names.push(new TextDecoder().decode(buf.subarray(0, n ?? 0)));
      await conn.write(new TextEncoder().encode(`hello ${names.at(-1)}`));
      await conn.close();
    }
    return names;
  })();
  for (const who of ['a', 'b']) {
    const c = await dial('tcp', l.addr.toString());
    await c.write(new TextEncoder().encode(who));
    assert.equal((await readExactly(c, 100)).toString(), `hello ${who}`);
    await c.close();
  }
  l.close();
  assert.deepEqual(await served, ['a', 'b']);
  await assert.rejects(l.accept(), { code: 'ERR_NET_CLOSED' });
  await assert.rejects(
    listen('tcp', l.addr.toString()).then(async (again) => {
      const second = await listen('tcp', again.addr.toString()).finally(() => again.close());
      second.close();
    }),
    { code: 'EADDRINUSE', message: /^listen tcp 127\.0\.0\.1:\d+: bind: address already in use$/ },
  );
});

test('listenPacket gives a PacketConn: writeTo and readFrom with the sender, deadlines', async () => {
  const echo = dgram.createSocket('udp4');
  echo.on('message', (m, r) => echo.send(Buffer.concat([Buffer.from('echo: '), m]), r.port, r.address));
  await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
  try {
    const pc = await listenPacket('udp4', '127.0.0.1:0');
    assert.notEqual(pc.localAddr.port, 0);
    await pc.writeTo(new TextEncoder().encode('one'), `127.0.0.1:${echo.address().port}`);
    const buf = new Uint8Array(64);
    const r = await pc.readFrom(buf);
    assert.equal(new TextDecoder().decode(buf.subarray(0, r.n)), 'echo: one');
    assert.equal(r.addr.toString(), `127.0.0.1:${echo.address().port}`);
    pc.setReadDeadline(new Date(Date.now() - 1));
    await assert.rejects(pc.readFrom(buf), { timeout: true });
    pc.close();
  } finally {
    echo.close();
  }
});

test('lookupPort takes numbers and well-known names; an unknown service is an OpError', () => {
  assert.equal(lookupPort('tcp', '443'), 443);
  assert.equal(lookupPort('tcp', 'https'), 443);
  assert.throws(() => lookupPort('tcp', 'no-such-service'), { code: 'ENOTFOUND' });
});
