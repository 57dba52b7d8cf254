// The Node driver's receive path (src/netdev/node/stream.ts): Node reads
// every stream socket into one shared buffer (`onread`), accepted ones
// through a re-wrapped Socket. For connections the driver accepted and ones
// it connected: a peer sending far more than the queue holds is paused at
// RECV_HIGH_WATER and resumed as the socket is read, and every byte arrives
// once and in order; end of stream, half-close and a reset read as before.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ipEndpoint } from '../../src/netdev/endpoint.ts';
import { NodeDriver } from '../../src/netdev/node/driver.ts';
import { RECV_HIGH_WATER } from '../../src/netdev/node/stream.ts';
import type { NetSocket } from '../../src/netdev/socket.ts';
import { errnoOf, ready } from '../helpers/readiness.ts';

const driver = new NodeDriver();
const TOTAL = 8 * 1024 * 1024;

/** `TOTAL` bytes of a pattern no chunking can hide a reordering in. */
function pattern(): Buffer {
  const b = Buffer.alloc(TOTAL);
  for (let i = 0; i < TOTAL; i += 4) b.writeUInt32LE(i, i);
  return b;
}
const DATA = pattern();
const DIGEST = createHash('sha256').update(DATA).digest('hex');

/** Reads `sock` to end of stream in reads of `size`, hashing what arrives. */
async function drain(sock: NetSocket, size: number): Promise<{ bytes: number; digest: string }> {
  const hash = createHash('sha256');
  const buf = Buffer.alloc(size);
  let bytes = 0;
  for (let reads = 0; reads < 1_000_000; reads++) {
    await ready(sock, 'read', 20_000);
    const { n } = sock.recv([buf], false);
    if (n === 0) return { bytes, digest: hash.digest('hex') };
    hash.update(buf.subarray(0, n));
    bytes += n;
  }
  throw new Error('no end of stream');
}

/** Waits until the queue stops growing (the driver paused Node); returns what it holds. */
async function settledQueue(sock: NetSocket): Promise<number> {
  let last = -1;
  for (let i = 0; i < 200; i++) {
    const now = sock.poll('read').nbytes;
    if (now === last && now > 0) return now;
    last = now;
    await sleep(20);
  }
  return last;
}

/** An accepted connection: a driver listener and a node:net client. */
async function acceptedPair(): Promise<{ sock: NetSocket; peer: net.Socket; close(): void }> {
  const listener = driver.socket('ipv4', 'stream');
  listener.bind(ipEndpoint('127.0.0.1', 0));
  await listener.listen(8);
  const { port } = listener.localEndpoint() as { port: number };
  const peer = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  await new Promise<void>((resolve) => peer.once('connect', resolve));
  await ready(listener, 'read');
  const sock = listener.accept();
  return {
    sock,
    peer,
    close: () => {
      peer.destroy();
      listener.close();
    },
  };
}

/** A connected one: a node:net server and a driver client. */
async function connectedPair(): Promise<{ sock: NetSocket; peer: net.Socket; close(): void }> {
  let accepted: (s: net.Socket) => void = () => {};
  const got = new Promise<net.Socket>((resolve) => (accepted = resolve));
  const server = net.createServer({ allowHalfOpen: true }, (s) => accepted(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sock = driver.socket('ipv4', 'stream');
  assert.equal(
    errnoOf(() => sock.connect(ipEndpoint('127.0.0.1', (server.address() as AddressInfo).port))),
    'EINPROGRESS',
  );
  await ready(sock, 'write');
  const peer = await got;
  return {
    sock,
    peer,
    close: () => {
      peer.destroy();
      server.close();
    },
  };
}

for (const [name, pair] of [
  ['accepted', acceptedPair],
  ['connected', connectedPair],
] as const) {
  describe(`Node driver, ${name} stream socket`, () => {
    let closers: (() => void)[] = [];
    before(() => (closers = []));
    after(() => closers.forEach((c) => c()));

    test('a peer sending 8 MiB fills the queue only to its bound; every byte arrives once, in order, then end of stream', async () => {
      const { sock, peer, close } = await pair();
      closers.push(close);
      peer.end(DATA);
      const held = await settledQueue(sock);
      assert.ok(held >= RECV_HIGH_WATER, `queue holds ${held} bytes`);
      assert.ok(held <= RECV_HIGH_WATER + 64 * 1024, `queue holds ${held} bytes, more than one read past its bound`);
      // Odd-sized reads, so reads and arrivals never line up.
      const { bytes, digest } = await drain(sock, 9_999);
      assert.equal(bytes, TOTAL);
      assert.equal(digest, DIGEST);
      assert.equal(sock.recv([Buffer.alloc(8)], false).n, 0, 'end of stream stays');
      sock.close();
    });

    test('peek leaves the bytes; half-close both ways', async () => {
      const { sock, peer, close } = await pair();
      closers.push(close);
      peer.write('hello');
      await ready(sock, 'read');
      const b = Buffer.alloc(16);
      assert.equal(sock.recv([b], true).n, 5);
      assert.equal(sock.recv([b], false).n, 5);
      assert.equal(b.subarray(0, 5).toString(), 'hello');
      // The socket ends its side; the peer still sends, and it is read.
      const peerEnded = new Promise<void>((resolve) => peer.once('end', resolve));
      peer.resume();
      sock.shutdown(false, true);
      await peerEnded;
      peer.end('after');
      const { bytes } = await drain(sock, 3);
      assert.equal(bytes, 5);
      sock.close();
    });

    test('a reset is reported once, then reads end of stream', async () => {
      const { sock, peer, close } = await pair();
      closers.push(close);
      peer.write('x');
      await ready(sock, 'read');
      assert.equal(sock.recv([Buffer.alloc(4)], false).n, 1);
      peer.resetAndDestroy();
      await ready(sock, 'read');
      assert.equal(
        errnoOf(() => sock.recv([Buffer.alloc(4)], false)),
        'ECONNRESET',
      );
      assert.equal(sock.recv([Buffer.alloc(4)], false).n, 0);
      sock.close();
    });

    test('the peer addresses are those of the connection', async () => {
      const { sock, peer, close } = await pair();
      closers.push(close);
      const remote = sock.remoteEndpoint() as { address: string; port: number };
      const local = sock.localEndpoint() as { address: string; port: number };
      assert.equal(remote.address, '127.0.0.1');
      assert.equal(local.address, '127.0.0.1');
      assert.deepEqual([remote.port, local.port].sort(), [peer.localPort, peer.remotePort].sort());
      sock.close();
    });
  });
}
