// One contract for every NetDriver (src/netdev/socket.ts), run against each
// driver: the Node driver, the Wisp client driver through a dialtone relay
// over v2 and v1, and the in-memory network. Each case brings its peers on
// 127.0.0.1 port 0: real ones (node:net, node:dgram) for the drivers that
// reach this machine's network, sockets of the same MemoryNetwork for the
// memory driver. What a driver cannot do (Wisp: half-close, connect
// confirmation over v1) is declared as a capability, and the contract
// checks the documented substitute instead.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ipEndpoint } from '../../src/netdev/endpoint.ts';
import { MemoryNetwork } from '../../src/netdev/memory/network.ts';
import { NodeDriver } from '../../src/netdev/node/driver.ts';
import type { NetDriver, NetSocket } from '../../src/netdev/socket.ts';
import { WispDriver } from '../../src/netdev/wisp/driver.ts';
import { startRelay, type Relay } from '../../src/relay/server.ts';
import { driverPeers, nodePeers, type PeerConnection, type Peers } from '../helpers/net-peers.ts';
import { errnoOf, ready } from '../helpers/readiness.ts';

interface DriverCase {
  name: string;
  /** The driver under test, and the peers its sockets can reach. */
  open(): Promise<{ driver: NetDriver; peers: Peers; close(): Promise<void> }>;
  /** shutdown(write) ends the peer's reading side. */
  halfClose: boolean;
  /** A refused connect is reported by the connect itself (SO_ERROR), not by the first read or write. */
  confirmsConnect: boolean;
}

let relay: Relay;
before(async () => {
  relay = await startRelay({ port: 0, allowNet: ['127.0.0.1'], log: () => {} });
});
after(() => relay.close());

const wisp =
  (version: 1 | 2): DriverCase['open'] =>
  async () => {
    const driver = await WispDriver.open(relay.url, { version });
    return { driver, peers: nodePeers, close: async () => driver.close() };
  };

const CASES: DriverCase[] = [
  {
    name: 'node',
    open: async () => ({ driver: new NodeDriver(), peers: nodePeers, close: async () => {} }),
    halfClose: true,
    confirmsConnect: true,
  },
  { name: 'wisp v2 (through a relay)', open: wisp(2), halfClose: false, confirmsConnect: true },
  { name: 'wisp v1 (through a relay)', open: wisp(1), halfClose: false, confirmsConnect: false },
  {
    name: 'memory (peers on the same MemoryNetwork)',
    open: async () => {
      const network = new MemoryNetwork();
      return { driver: network, peers: driverPeers(network), close: async () => {} };
    },
    halfClose: true,
    confirmsConnect: true,
  },
];

/** Reads until `n` bytes or end of stream. */
async function readAll(sock: NetSocket, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < n) {
    await ready(sock, 'read');
    const buf = Buffer.alloc(64 * 1024);
    const r = sock.recv([buf], false);
    if (r.n === 0) break;
    chunks.push(buf.subarray(0, r.n));
    total += r.n;
  }
  return Buffer.concat(chunks);
}

/** Connects a stream socket to 127.0.0.1:port and waits for the connect to finish. */
async function connected(driver: NetDriver, port: number): Promise<NetSocket> {
  const sock = driver.socket('ipv4', 'stream');
  assert.equal(
    errnoOf(() => sock.connect(ipEndpoint('127.0.0.1', port))),
    'EINPROGRESS',
  );
  await ready(sock, 'write');
  assert.equal(sock.takeError(), undefined);
  return sock;
}

for (const c of CASES) {
  describe(`NetDriver contract: ${c.name}`, () => {
    let driver: NetDriver;
    let peers: Peers;
    let close: () => Promise<void>;
    before(async () => {
      ({ driver, peers, close } = await c.open());
    });
    after(() => close());

    test('a stream connect is EINPROGRESS, then writable; data goes both ways; recv with nothing queued is EAGAIN; peek keeps data', async () => {
      const server = await peers.tcpServer((s) => s.onData((b) => s.write(Buffer.from(b.toString().toUpperCase()))));
      const { port } = server;
      try {
        const sock = await connected(driver, port);
        assert.deepEqual(sock.remoteEndpoint(), ipEndpoint('127.0.0.1', port));
        assert.equal(sock.poll('read').ready, false);
        assert.equal(
          errnoOf(() => sock.recv([Buffer.alloc(8)], false)),
          'EAGAIN',
        );
        assert.equal(sock.send([Buffer.from('ping '), Buffer.from('pong')]), 9);
        await ready(sock, 'read');
        const peeked = Buffer.alloc(4);
        assert.equal(sock.recv([peeked], true).n, 4);
        assert.equal(peeked.toString(), 'PING');
        assert.equal((await readAll(sock, 9)).toString(), 'PING PONG');
        sock.close();
        assert.equal(
          errnoOf(() => sock.send([Buffer.from('x')])),
          'EBADF',
        );
      } finally {
        await server.close();
      }
    });

    test('the peer ending the connection reads as end of stream after the data', async () => {
      const server = await peers.tcpServer((s) => s.end('last words'));
      const { port } = server;
      try {
        const sock = await connected(driver, port);
        assert.equal((await readAll(sock, 1 << 20)).toString(), 'last words');
        await ready(sock, 'read');
        assert.equal(sock.recv([Buffer.alloc(8)], false).n, 0, 'end of stream stays readable as 0 bytes');
        sock.close();
      } finally {
        await server.close();
      }
    });

    test('a connect to a closed port fails with ECONNREFUSED', async () => {
      const server = await peers.tcpServer(() => {});
      const { port } = server;
      await server.close();
      const sock = driver.socket('ipv4', 'stream');
      assert.equal(
        errnoOf(() => sock.connect(ipEndpoint('127.0.0.1', port))),
        'EINPROGRESS',
      );
      await ready(sock, 'write');
      if (c.confirmsConnect) assert.equal(sock.takeError(), 'ECONNREFUSED');
      else {
        sock.takeError();
        await ready(sock, 'read');
        assert.equal(
          errnoOf(() => sock.recv([Buffer.alloc(8)], false)),
          'ECONNREFUSED',
          'without confirmation the refusal is the first read’s error',
        );
      }
      sock.close();
    });

    test(
      'a peer that does not read makes sends EAGAIN (bounded queue), and writable again once it reads',
      { timeout: 30_000 },
      async () => {
        let peer: PeerConnection | undefined;
        let received = 0;
        const server = await peers.tcpServer((s) => {
          peer = s;
          s.pause();
          s.onData((b) => (received += b.length));
        });
        const { port } = server;
        try {
          const sock = await connected(driver, port);
          const chunk = Buffer.alloc(64 * 1024, 7);
          let sent = 0;
          const limit = 512 * 1024 * 1024;
          while (sent < limit) {
            const e = errnoOf(() => (sent += sock.send([chunk])));
            if (e === 'EAGAIN') break;
            assert.equal(e, undefined);
            await new Promise((resolve) => setImmediate(resolve)); // let the queue drain as far as it can
          }
          assert.ok(sent < limit, `sent ${sent} bytes without EAGAIN`);
          assert.equal(sock.poll('write').ready, false);
          const wake = ready(sock, 'write', 20_000);
          peer?.resume();
          await wake;
          sock.close();
          await sock.closed();
          await new Promise<void>((resolve) => (peer?.ended === true ? resolve() : peer?.onEnd(() => resolve())));
          assert.equal(received, sent, 'every accepted byte arrives, even after close');
        } finally {
          peer?.destroy();
          await server.close();
        }
      },
    );

    test(
      c.halfClose
        ? 'shutdown(write) ends the peer’s reading while the socket still reads its reply'
        : 'shutdown(write) refuses further sends (no half-close on this driver)',
      async () => {
        const server = await peers.tcpServer((s) => {
          const got: Buffer[] = [];
          s.onData((b) => got.push(Buffer.from(b)));
          s.onEnd(() => s.end(`got ${Buffer.concat(got).toString()}`));
        });
        const { port } = server;
        try {
          const sock = await connected(driver, port);
          sock.send([Buffer.from('request')]);
          sock.shutdown(false, true);
          assert.equal(
            errnoOf(() => sock.send([Buffer.from('more')])),
            'EPIPE',
          );
          if (c.halfClose) assert.equal((await readAll(sock, 1 << 20)).toString(), 'got request');
          sock.close();
        } finally {
          await server.close();
        }
      },
    );

    test('a datagram socket sends to an address and receives the reply with its sender', async () => {
      const echo = await peers.udpEcho();
      try {
        const { port } = echo;
        const sock = driver.socket('ipv4', 'dgram');
        await sock.connect(ipEndpoint('127.0.0.1', port));
        await ready(sock, 'write');
        assert.equal(sock.send([Buffer.from('one')]), 3);
        await ready(sock, 'read');
        const buf = Buffer.alloc(64);
        const r = sock.recv([buf], false);
        assert.equal(buf.subarray(0, r.n).toString(), 'echo: one');
        assert.deepEqual(r.from, ipEndpoint('127.0.0.1', port));
        const small = Buffer.alloc(4);
        sock.send([Buffer.from('two')]);
        await ready(sock, 'read');
        const t = sock.recv([small], false);
        assert.equal(t.n, 4);
        assert.equal(t.truncated, true, 'a datagram longer than the buffers is truncated, not split');
        assert.equal(
          errnoOf(() => sock.recv([small], false)),
          'EAGAIN',
          'the rest of a truncated datagram is dropped',
        );
        sock.close();
      } finally {
        await echo.close();
      }
    });
  });
}
