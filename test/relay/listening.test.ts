// dialtone's Wisp listening extension (docs/wisp-extensions.md) at the relay,
// driven by a raw Wisp client over the `ws` package and by the client driver:
// the INFO handshake, LISTEN answered by LISTENING or CLOSE (with the errno
// mapping), ACCEPT plus CONTINUE per inbound connection as an ordinary TCP
// stream from the relay's id range, the bounds, the log lines, and that a
// client's listener is reached through other streams only as --allow-net says.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { SysError } from '../../src/internal/errno.ts';
import { Network } from '../../src/net/index.ts';
import { ipEndpoint, type IpEndpoint } from '../../src/netdev/endpoint.ts';
import type { NetSocket } from '../../src/netdev/socket.ts';
import { WispDriver } from '../../src/netdev/wisp/driver.ts';
import { startRelay, type RelayOptions } from '../../src/relay/server.ts';
import {
  CloseReason,
  ExtensionId,
  FIRST_RELAY_STREAM,
  encodeClose,
  encodeConnect,
  encodeData,
  encodeListen,
} from '../../src/wisp/packet.ts';
import { rawWispHandshake } from '../helpers/raw-wisp-client.ts';

/** A raw Wisp client (v2 listing `extensions`, or v1 when undefined); `waitFor` takes a packet type. */
async function rawClient(url: string, extensions: readonly number[] | undefined) {
  const c = await rawWispHandshake(url, extensions);
  return { ...c, waitFor: c.waitForType };
}

async function withRelay(options: RelayOptions, fn: (url: string, log: string[]) => Promise<void>): Promise<void> {
  const log: string[] = [];
  const relay = await startRelay({ port: 0, log: (l) => log.push(l), ...options });
  try {
    await fn(relay.url, log);
  } finally {
    await relay.close();
  }
}

/** Connects to `port` on 127.0.0.1 (from `localAddress` if given); resolves once connected. */
function dial(port: number, localAddress?: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, ...(localAddress === undefined ? {} : { localAddress }) }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Whether a TCP connect to 127.0.0.1:`port` is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

const LISTEN_EXT = [ExtensionId.UDP, ExtensionId.DIALTONE_LISTEN];

test('the relay lists extension 0xDA in its INFO only with allowListen; without it a LISTEN is refused 0x48 with a log line', async () => {
  await withRelay({ allowNet: ['127.0.0.1'] }, async (url, log) => {
    const c = await rawClient(url, LISTEN_EXT);
    assert.ok(!c.info!.extensions.some((e) => e.id === ExtensionId.DIALTONE_LISTEN));
    c.ws.send(encodeListen(1, 1, 0, '127.0.0.1'));
    assert.equal((await c.waitFor('close', (p) => p.stream === 1)).reason, CloseReason.BLOCKED);
    assert.equal(log.length, 1, log.join('\n'));
    assert.match(
      log[0]!,
      /^relay: refused listen 1 from 127\.0\.0\.1:\d+ on 127\.0\.0\.1:0 \(tcp\): listening is off \(no --allow-listen\)$/,
    );
    c.ws.close();
  });
  await withRelay({ allowListen: ['127.0.0.1'] }, async (url) => {
    const c = await rawClient(url, LISTEN_EXT);
    assert.deepEqual(
      c.info!.extensions.map((e) => [e.id, e.payload.length]),
      [
        [ExtensionId.UDP, 0],
        [ExtensionId.STREAM_CONFIRMATION, 0],
        [ExtensionId.DIALTONE_LISTEN, 0],
        [ExtensionId.DIALTONE_LISTEN_UDP, 0],
      ],
    );
    c.ws.close();
  });
});

test('LISTEN → LISTENING with the bound port; each connection → ACCEPT from the relay range plus CONTINUE, then DATA both ways and CLOSE', async () => {
  await withRelay({ allowListen: ['127.0.0.1'] }, async (url, log) => {
    const c = await rawClient(url, LISTEN_EXT);
    c.ws.send(encodeListen(1, 1, 0, '127.0.0.1'));
    const bound = await c.waitFor('listening', (p) => p.stream === 1);
    assert.equal(bound.address, '127.0.0.1');
    assert.ok(bound.port > 0);

    const peer = await dial(bound.port);
    const accept = await c.waitFor('accept', (p) => p.stream === 1);
    assert.ok(accept.newStream >= FIRST_RELAY_STREAM, `relay id ${accept.newStream}`);
    assert.equal(accept.address, '127.0.0.1');
    assert.equal(accept.port, peer.localPort);
    const id = accept.newStream;
    assert.equal((await c.waitFor('continue', (p) => p.stream === id)).remaining, 128);

    // Peer → client, client → peer.
    peer.write('from the peer');
    const data = await c.waitFor('data', (p) => p.stream === id);
    assert.equal(Buffer.from(data.data).toString(), 'from the peer');
    const got = new Promise<string>((resolve) => peer.once('data', (b) => resolve(b.toString())));
    c.ws.send(encodeData(id, Buffer.from('from the client')));
    assert.equal(await got, 'from the client');

    // A second connection gets the next relay id.
    const peer2 = await dial(bound.port);
    const accept2 = await c.waitFor('accept', (p) => p.stream === 1 && p.newStream !== id);
    assert.equal(accept2.newStream, id + 1);

    // The peer ends: CLOSE 0x02 on its stream. The client's CLOSE ends the other.
    peer.end();
    assert.equal((await c.waitFor('close', (p) => p.stream === id)).reason, CloseReason.VOLUNTARY);
    const ended = new Promise<void>((resolve) => peer2.once('close', () => resolve()));
    peer2.on('error', () => {});
    peer2.resume();
    c.ws.send(encodeClose(accept2.newStream, CloseReason.VOLUNTARY));
    await ended;

    // CLOSE on the listener stops listening.
    c.ws.send(encodeClose(1, CloseReason.VOLUNTARY));
    let stopped = false;
    for (let i = 0; i < 50 && !stopped; i++) {
      stopped = await refused(bound.port);
      if (!stopped) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(stopped, 'the port is closed after the listener CLOSE');
    assert.deepEqual(log, []);
    c.ws.close();
  });
});

test('refusals: outside --allow-listen 0x48, not an address 0xD5, in use 0xD4, a client without the extension 0x41; each with a log line', async () => {
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const busyPort = (busy.address() as net.AddressInfo).port;
  try {
    await withRelay({ allowListen: ['127.0.0.1', '127.0.0.3:7000'], denyNet: ['127.0.0.1:9'] }, async (url, log) => {
      const c = await rawClient(url, LISTEN_EXT);
      const cases: [string, number, number, RegExp][] = [
        [
          '127.0.0.2',
          0,
          CloseReason.BLOCKED,
          /on 127\.0\.0\.2:0 \(tcp\): listen on 127\.0\.0\.2:0 refused: not in --allow-listen \(allowed: 127\.0\.0\.1, 127\.0\.0\.3:7000\)$/,
        ],
        ['0.0.0.0', 0, CloseReason.BLOCKED, /on 0\.0\.0\.0:0 .*not in --allow-listen/],
        ['127.0.0.3', 0, CloseReason.BLOCKED, /on 127\.0\.0\.3:0 .*not in --allow-listen/],
        ['127.0.0.1', 9, CloseReason.BLOCKED, /denied by --deny-net=127\.0\.0\.1:9$/],
        ['localhost', 0, CloseReason.ADDRESS_NOT_AVAILABLE, /on localhost:0 \(tcp\): not an IP address$/],
        ['127.0.0.1', busyPort, CloseReason.ADDRESS_IN_USE, /cannot listen: EADDRINUSE$/],
      ];
      cases.forEach(([host, port], i) => c.ws.send(encodeListen(i + 1, 1, port, host)));
      for (const [i, [host, , reason, line]] of cases.entries()) {
        assert.equal((await c.waitFor('close', (p) => p.stream === i + 1)).reason, reason, host);
        assert.match(log.find((l) => l.startsWith(`relay: refused listen ${i + 1} `)) ?? '', line);
      }
      assert.equal(log.length, cases.length, log.join('\n'));
      c.ws.close();

      log.length = 0;
      const old = await rawClient(url, [ExtensionId.UDP]);
      old.ws.send(encodeListen(1, 1, 0, '127.0.0.1'));
      assert.equal((await old.waitFor('close', (p) => p.stream === 1)).reason, CloseReason.INVALID_INFO);
      assert.match(log[0] ?? '', /refused listen 1 .*: the client did not list extension 0xda$/);
      old.ws.close();
    });
  } finally {
    busy.close();
  }
});

test('bounds: at most maxListeners listeners; accepted connections count as streams, past the bound they are dropped with a log line', async () => {
  await withRelay({ allowListen: ['127.0.0.1'], limits: { maxListeners: 2, maxStreams: 1 } }, async (url, log) => {
    const c = await rawClient(url, LISTEN_EXT);
    for (const id of [1, 2, 3]) c.ws.send(encodeListen(id, 1, 0, '127.0.0.1'));
    const bound = await c.waitFor('listening', (p) => p.stream === 1);
    await c.waitFor('listening', (p) => p.stream === 2);
    assert.equal((await c.waitFor('close', (p) => p.stream === 3)).reason, CloseReason.THROTTLED);
    assert.match(log[0] ?? '', /refused listen 3 .*: too many listeners \(at most 2\)$/);

    const first = await dial(bound.port);
    await c.waitFor('accept', (p) => p.stream === 1);
    const second = await dial(bound.port);
    const closed = new Promise<void>((resolve) => second.once('close', () => resolve()));
    second.on('error', () => {});
    second.resume();
    await closed;
    assert.match(
      log[1] ?? '',
      /^relay: refused connection from 127\.0\.0\.1:\d+ to listener 1 of 127\.0\.0\.1:\d+: too many open streams \(at most 1\)$/,
    );
    assert.equal(c.packets.filter((p) => p.type === 'accept').length, 1);
    first.destroy();
    c.ws.close();
  });
});

test("--deny-net refuses a listener's peers; another client reaches the listener only as --allow-net allows", async () => {
  await withRelay({ allowListen: ['127.0.0.1'], denyNet: ['127.0.0.3'] }, async (url, log) => {
    const c = await rawClient(url, LISTEN_EXT);
    c.ws.send(encodeListen(1, 1, 0, '127.0.0.1'));
    const bound = await c.waitFor('listening', (p) => p.stream === 1);

    const denied = await dial(bound.port, '127.0.0.3');
    const closed = new Promise<void>((resolve) => denied.once('close', () => resolve()));
    denied.on('error', () => {});
    denied.resume();
    await closed;
    assert.match(log[0] ?? '', /^relay: refused connection from 127\.0\.0\.3:\d+ to listener 1 of .*denied by --deny-net=127\.0\.0\.3$/);

    // Default destinations are public only: a Wisp stream to the listener is refused like any loopback one.
    const other = await rawClient(url, LISTEN_EXT);
    other.ws.send(encodeConnect(1, 1, bound.port, '127.0.0.1'));
    assert.equal((await other.waitFor('close', (p) => p.stream === 1)).reason, CloseReason.BLOCKED);
    assert.match(log[1] ?? '', /refused stream 1 .* to 127\.0\.0\.1:\d+ \(tcp\): 127\.0\.0\.1 is loopback/);
    assert.equal(c.packets.filter((p) => p.type === 'accept').length, 0);
    other.ws.close();
    c.ws.close();
  });
  // With --allow-net naming it, it is an ordinary destination.
  await withRelay({ allowListen: ['127.0.0.1'], allowNet: ['127.0.0.1'] }, async (url) => {
    const c = await rawClient(url, LISTEN_EXT);
    c.ws.send(encodeListen(1, 1, 0, '127.0.0.1'));
    const bound = await c.waitFor('listening', (p) => p.stream === 1);
    const other = await rawClient(url, LISTEN_EXT);
    other.ws.send(encodeConnect(1, 1, bound.port, '127.0.0.1'));
    const accept = await c.waitFor('accept', (p) => p.stream === 1);
    other.ws.send(encodeData(1, Buffer.from('client to client')));
    assert.equal(Buffer.from((await c.waitFor('data', (p) => p.stream === accept.newStream)).data).toString(), 'client to client');
    other.ws.close();
    c.ws.close();
  });
});

test('a client that listed the extension may not open streams in the relay range', async () => {
  await withRelay({ allowListen: ['127.0.0.1'] }, async (url, log) => {
    const c = await rawClient(url, LISTEN_EXT);
    const closed = new Promise<number>((resolve) => c.ws.once('close', (code) => resolve(code)));
    c.ws.send(encodeConnect(FIRST_RELAY_STREAM, 1, 80, '127.0.0.1'));
    assert.equal(await closed, 1002);
    assert.match(log[0] ?? '', /protocol error: CONNECT uses stream id 2147483648, in the relay's range/);
  });
});

/** Waits until `sock` is ready for `kind` (bounded). */
function ready(sock: NetSocket, kind: 'read' | 'write', ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (sock.poll(kind).ready) return resolve();
    const timer = setTimeout(() => reject(new Error(`not ${kind}-ready in ${ms} ms`)), ms);
    sock.onReady(kind, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function readAll(sock: NetSocket, want: number): Promise<string> {
  let text = '';
  for (let i = 0; i < 100 && text.length < want; i++) {
    await ready(sock, 'read');
    const buf = new Uint8Array(256);
    const r = sock.recv([buf], false);
    if (r.n === 0) break;
    text += new TextDecoder().decode(buf.subarray(0, r.n));
  }
  return text;
}

const eagain = (e: unknown): boolean => e instanceof SysError && e.errno === 'EAGAIN';

test('the client driver: bind records, listen settles with the relay port, accept yields connected sockets (EAGAIN when none)', async () => {
  await withRelay({ allowListen: ['127.0.0.1'] }, async (url) => {
    const driver = await WispDriver.open(url);
    try {
      assert.equal(driver.connection.listens, true);
      const listener = driver.socket('ipv4', 'stream');
      listener.bind(ipEndpoint('127.0.0.1', 0));
      assert.deepEqual(listener.localEndpoint(), ipEndpoint('127.0.0.1', 0));
      await listener.listen(4);
      const local = listener.localEndpoint() as IpEndpoint;
      assert.equal(local.address, '127.0.0.1');
      assert.ok(local.port > 0);
      assert.throws(() => listener.accept(), eagain);
      assert.equal(listener.poll('read').ready, false);

      const peer = await dial(local.port);
      await ready(listener, 'read');
      assert.equal(listener.poll('read').nbytes, 1);
      const conn = listener.accept();
      assert.throws(() => listener.accept(), eagain);
      assert.deepEqual(conn.remoteEndpoint(), ipEndpoint('127.0.0.1', peer.localPort!));
      assert.deepEqual(conn.localEndpoint(), local);

      peer.write('ping');
      assert.equal(await readAll(conn, 4), 'ping');
      await ready(conn, 'write');
      const got = new Promise<string>((resolve) => peer.once('data', (b) => resolve(b.toString())));
      assert.equal(conn.send([new TextEncoder().encode('pong')]), 4);
      assert.equal(await got, 'pong');
      const peerClosed = new Promise<void>((resolve) => peer.once('close', () => resolve()));
      conn.close();
      peer.resume();
      await peerClosed;

      // A second socket cannot take the same port: EADDRINUSE, as listen(2) gives.
      const twin = driver.socket('ipv4', 'stream');
      twin.bind(local);
      await assert.rejects(
        async () => twin.listen(4),
        (e: unknown) => e instanceof SysError && e.errno === 'EADDRINUSE',
      );
      twin.close();

      listener.close();
      let stopped = false;
      for (let i = 0; i < 50 && !stopped; i++) {
        stopped = await refused(local.port);
        if (!stopped) await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(stopped, 'closing the listener stops the relay listening');
    } finally {
      driver.close();
    }
  });
});

test('the client driver: a refused listen is EACCES; a relay without --allow-listen makes it ENOTSUP; past the backlog connections are closed', async () => {
  await withRelay({ allowListen: ['127.0.0.1'] }, async (url) => {
    const driver = await WispDriver.open(url);
    try {
      const s = driver.socket('ipv4', 'stream');
      s.bind(ipEndpoint('127.0.0.2', 0));
      await assert.rejects(
        async () => s.listen(4),
        (e: unknown) => e instanceof SysError && e.errno === 'EACCES',
      );
      s.close();

      const listener = driver.socket('ipv4', 'stream');
      listener.bind(ipEndpoint('127.0.0.1', 0));
      await listener.listen(1);
      const port = (listener.localEndpoint() as IpEndpoint).port;
      const a = await dial(port);
      await ready(listener, 'read');
      const b = await dial(port);
      const bClosed = new Promise<void>((resolve) => b.once('close', () => resolve()));
      b.on('error', () => {});
      b.resume();
      await bClosed;
      assert.equal(listener.poll('read').nbytes, 1, 'one connection queued, the other refused');
      listener.close();
      a.destroy();
    } finally {
      driver.close();
    }
  });
  await withRelay({ allowNet: ['127.0.0.1'] }, async (url) => {
    const driver = await WispDriver.open(url);
    try {
      assert.equal(driver.connection.listens, false);
      const s = driver.socket('ipv4', 'stream');
      s.bind(ipEndpoint('127.0.0.1', 0));
      await assert.rejects(
        async () => s.listen(4),
        (e: unknown) => e instanceof SysError && e.errno === 'ENOTSUP',
      );
      s.close();
    } finally {
      driver.close();
    }
  });
});

test('the client driver: when the relay goes away, the listener wakes and accept reports ENETDOWN', async () => {
  const relay = await startRelay({ port: 0, allowListen: ['127.0.0.1'], log: () => {} });
  const driver = await WispDriver.open(relay.url);
  try {
    const listener = driver.socket('ipv4', 'stream');
    listener.bind(ipEndpoint('127.0.0.1', 0));
    await listener.listen(4);
    const woke = ready(listener, 'read');
    await relay.close();
    await woke;
    assert.throws(
      () => listener.accept(),
      (e: unknown) => e instanceof SysError && e.errno === 'ENETDOWN',
    );
    listener.close();
  } finally {
    driver.close();
    await relay.close();
  }
});

test('TypeScript code listens through the relay with dialtone/net: Network over a WispDriver', async () => {
  await withRelay({ allowListen: ['127.0.0.1'] }, async (url) => {
    const driver = await WispDriver.open(url);
    const network = new Network({ driver, policy: { allowListen: ['127.0.0.1'] } });
    try {
      const listener = await network.listen('tcp', '127.0.0.1:0');
      assert.equal(listener.addr.ip, '127.0.0.1');
      assert.ok(listener.addr.port > 0);
      const peer = await dial(listener.addr.port);
      const conn = await listener.accept();
      assert.equal(conn.remoteAddr.port, peer.localPort);
      peer.write('hello listener');
      const buf = new Uint8Array(64);
      const n = await conn.read(buf);
      assert.equal(new TextDecoder().decode(buf.subarray(0, n ?? 0)), 'hello listener');
      const got = new Promise<string>((resolve) => peer.once('data', (b) => resolve(b.toString())));
      await conn.write(new TextEncoder().encode('hello peer'));
      assert.equal(await got, 'hello peer');
      await conn.close();
      listener.close();
      peer.destroy();
      // Outside the policy: refused before anything is asked of the relay.
      await assert.rejects(network.listen('tcp', '127.0.0.2:0'), /permission denied/i);
    } finally {
      driver.close();
    }
  });
});
