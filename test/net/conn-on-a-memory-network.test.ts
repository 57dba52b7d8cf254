// dialtone/net over the in-memory network: both ends are dialtone/net, so
// the driver's streams, backpressure, refusals and datagrams are seen
// through the API TypeScript code uses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Network, type Conn } from '../../src/net/index.ts';
import { MemoryNetwork } from '../../src/netdev/memory/network.ts';

async function readExactly(conn: Conn, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const r = await conn.read(out.subarray(got));
    if (r === null) break;
    got += r;
  }
  return out.subarray(0, got);
}

test('a 4 MiB echo over a MemoryNetwork, then end of stream, deadlines and refusals as on sockets', { timeout: 30_000 }, async () => {
  const net = new Network({ driver: new MemoryNetwork() });
  const l = await net.listen('tcp', '127.0.0.1:0');
  const echo = (async () => {
    const c = await l.accept();
    const buf = new Uint8Array(64 * 1024);
    for (let n = await c.read(buf); n !== null; n = await c.read(buf)) await c.write(buf.subarray(0, n));
    await c.close();
  })();
  const conn = await net.dial('tcp', l.addr.toString());
  const data = new Uint8Array(4 * 1024 * 1024).map((_, i) => (i * 7) % 256);
  const back = readExactly(conn, data.length);
  await conn.write(data); // larger than the pipe: only done because the echo drains it
  assert.deepEqual(await back, data);
  await conn.closeWrite();
  assert.equal(await conn.read(new Uint8Array(8)), null);
  await echo;
  conn.setReadDeadline(Date.now() - 1);
  await assert.rejects(conn.read(new Uint8Array(8)), { timeout: true });
  await conn.close();
  await assert.rejects(net.listen('tcp', l.addr.toString()), { code: 'EADDRINUSE' });
  l.close();
  await assert.rejects(net.dial('tcp', l.addr.toString()), {
    code: 'ECONNREFUSED',
    message: `dial tcp ${l.addr.toString()}: connect: connection refused`,
  });
});

test('datagrams over a MemoryNetwork carry their sender', async () => {
  const net = new Network({ driver: new MemoryNetwork() });
  const a = await net.listenPacket('udp4', '127.0.0.1:0');
  const b = await net.listenPacket('udp4', '127.0.0.1:0');
  await a.writeTo(new TextEncoder().encode('ping'), b.localAddr);
  const buf = new Uint8Array(16);
  const r = await b.readFrom(buf);
  assert.equal(new TextDecoder().decode(buf.subarray(0, r.n)), 'ping');
  assert.equal(r.addr.toString(), a.localAddr.toString());
  a.close();
  b.close();
});

test("dial's timeout covers the lookup of localAddr too, and a local address is bound once looked up", async () => {
  const memory = new MemoryNetwork();
  // A resolver that never answers for one name, as an unreachable DNS server behaves.
  const driver = {
    socket: memory.socket.bind(memory),
    lookup: (name: string, family?: 4 | 6): Promise<string[]> =>
      name === 'stuck.test' ? new Promise<string[]>(() => {}) : memory.lookup(name, family),
  };
  const net = new Network({ driver });
  const l = await net.listen('tcp', '127.0.0.1:0');
  try {
    const start = performance.now();
    await assert.rejects(net.dial('tcp', l.addr.toString(), { timeout: 200, localAddr: 'stuck.test:0' }), (err: unknown) => {
      return (err as { timeout?: boolean }).timeout === true;
    });
    assert.ok(performance.now() - start < 5000, 'the dial gave up at its timeout');
    const c = await net.dial('tcp', l.addr.toString(), { timeout: 2000, localAddr: '127.0.0.1:0' });
    assert.equal(c.localAddr.toString().split(':')[0], '127.0.0.1');
    await c.close();
  } finally {
    await l.close();
  }
});
