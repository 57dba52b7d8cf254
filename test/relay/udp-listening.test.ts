// dialtone's UDP listening extension (0xDB, docs/wisp-extensions.md): the
// relay binds a real UDP port for its client and carries each datagram with
// its peer's address in DATAGRAM packets. Pinned with a raw Wisp client (the
// packet layout, the INFO entry, refusals) and with dialtone/net's
// listenPacket over a WispDriver, talking to real node:dgram peers on
// 127.0.0.1.
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { test } from 'node:test';
import { Network, OpError } from '../../src/net/index.ts';
import { WispDriver } from '../../src/netdev/wisp/driver.ts';
import { startRelay, type RelayOptions } from '../../src/relay/server.ts';
import {
  CloseReason,
  ExtensionId,
  StreamType,
  decodePacket,
  encodeDatagram,
  encodeListen,
  type WispPacket,
} from '../../src/wisp/packet.ts';
import { rawWispHandshake, type PacketOf } from '../helpers/raw-wisp-client.ts';

type Of<T extends WispPacket['type']> = PacketOf<T>;

async function withRelay(options: RelayOptions, fn: (url: string, log: string[]) => Promise<void>): Promise<void> {
  const log: string[] = [];
  const relay = await startRelay({ port: 0, log: (l) => log.push(l), ...options });
  try {
    await fn(relay.url, log);
  } finally {
    await relay.close();
  }
}

/** A raw Wisp v2 client listing `extensions` in its INFO; `waitFor` takes a packet type. */
async function rawClient(url: string, extensions: readonly number[]) {
  const c = await rawWispHandshake(url, extensions);
  return { ...c, waitFor: c.waitForType };
}

/** A node:dgram socket on 127.0.0.1, port 0, collecting what it receives. */
async function udpPeer() {
  const sock = dgram.createSocket('udp4');
  const got: { text: string; port: number }[] = [];
  const waiters = new Set<() => void>();
  sock.on('message', (msg, rinfo) => {
    got.push({ text: msg.toString(), port: rinfo.port });
    for (const w of [...waiters]) w();
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const next = (ms = 5000): Promise<{ text: string; port: number }> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = got.shift();
        if (m === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no datagram in ${ms} ms`));
      }, ms);
      waiters.add(check);
      check();
    });
  const send = (text: string, port: number): Promise<void> =>
    new Promise((resolve, reject) => sock.send(text, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  return { sock, port: sock.address().port, next, send, got };
}

const BOTH = [ExtensionId.UDP, ExtensionId.DIALTONE_LISTEN, ExtensionId.DIALTONE_LISTEN_UDP];

test('DATAGRAM packets: encode and decode the peer address and payload; an empty or overrunning address is a protocol error', () => {
  // The example of docs/wisp-extensions.md: "hi" from 127.0.0.1:8080 on listener 5.
  const bytes = encodeDatagram(5, 8080, '127.0.0.1', new TextEncoder().encode('hi'));
  assert.deepEqual(
    Buffer.from(bytes).toString('hex').toUpperCase().match(/../g)!.join(' '),
    'D6 05 00 00 00 90 1F 09 31 32 37 2E 30 2E 30 2E 31 68 69',
  );
  assert.equal(
    Buffer.from(encodeListen(5, StreamType.UDP, 0, '127.0.0.1'))
      .toString('hex')
      .toUpperCase()
      .match(/../g)!
      .join(' '),
    'D1 05 00 00 00 02 00 00 31 32 37 2E 30 2E 30 2E 31',
  );
  const p = decodePacket(bytes);
  assert.equal(p.type, 'datagram');
  assert.deepEqual(
    { ...p, data: [...(p as Of<'datagram'>).data] },
    { type: 'datagram', stream: 5, port: 8080, address: '127.0.0.1', data: [0x68, 0x69] },
  );
  assert.throws(() => decodePacket(new Uint8Array([0xd6, 3, 0, 0, 0, 0x90, 0x1f, 0])), /address is empty/);
  assert.throws(() => decodePacket(new Uint8Array([0xd6, 3, 0, 0, 0, 0x90, 0x1f, 9, 0x31])), /shorter than 12/);
  assert.throws(() => encodeDatagram(3, 1, '', new Uint8Array()), RangeError);
});

test('the relay lists 0xDB beside 0xDA with allowListen; a UDP LISTEN from a client that did not list 0xDB is refused 0x41', async () => {
  await withRelay({ allowListen: ['127.0.0.1'] }, async (url, log) => {
    const c = await rawClient(url, [ExtensionId.UDP, ExtensionId.DIALTONE_LISTEN]);
    assert.ok(c.info?.extensions.some((e) => e.id === ExtensionId.DIALTONE_LISTEN_UDP));
    c.ws.send(encodeListen(1, StreamType.UDP, 0, '127.0.0.1'));
    assert.equal((await c.waitFor('close', (p) => p.stream === 1)).reason, CloseReason.INVALID_INFO);
    assert.match(log[0] ?? '', /refused listen 1 .* on 127\.0\.0\.1:0 \(udp\): the client did not list extension 0xdb$/);
    c.ws.close();
  });
  await withRelay({ allowNet: ['127.0.0.1'] }, async (url) => {
    const c = await rawClient(url, BOTH);
    assert.ok(c.info !== undefined && !c.info.extensions.some((e) => e.id === ExtensionId.DIALTONE_LISTEN_UDP));
    c.ws.close();
  });
});

test('a UDP LISTEN binds a real port; datagrams arrive with their sender, replies reach it, unheard destinations obey --allow-net', async () => {
  await withRelay({ allowListen: ['127.0.0.1'], allowNet: ['127.0.0.1:1-1024'] }, async (url, log) => {
    const c = await rawClient(url, BOTH);
    c.ws.send(encodeListen(1, StreamType.UDP, 0, '127.0.0.1'));
    const bound = await c.waitFor('listening', (p) => p.stream === 1);
    assert.equal(bound.address, '127.0.0.1');
    assert.ok(bound.port > 0);

    const peer = await udpPeer();
    try {
      await peer.send('ping', bound.port);
      const d = await c.waitFor('datagram', (p) => p.stream === 1);
      assert.deepEqual([d.address, d.port, Buffer.from(d.data).toString()], ['127.0.0.1', peer.port, 'ping']);

      // A reply to the peer heard from goes out from the bound port, though --allow-net does not cover the peer's port.
      c.ws.send(encodeDatagram(1, peer.port, '127.0.0.1', Buffer.from('pong')));
      assert.deepEqual(await peer.next(), { text: 'pong', port: bound.port });

      // A destination never heard from is judged as a UDP CONNECT: outside --allow-net it is dropped, with one log line.
      const stranger = await udpPeer();
      try {
        c.ws.send(encodeDatagram(1, stranger.port, '127.0.0.1', Buffer.from('unasked')));
        c.ws.send(encodeDatagram(1, stranger.port, '127.0.0.1', Buffer.from('unasked again')));
        await assert.rejects(stranger.next(300), /no datagram/);
        assert.equal(log.filter((l) => l.includes(`to 127.0.0.1:${stranger.port}`)).length, 1, log.join('\n'));
        assert.match(log[0] ?? '', /^relay: dropped datagrams to 127\.0\.0\.1:\d+ on UDP listener 1 of 127\.0\.0\.1:\d+: /);
      } finally {
        stranger.sock.close();
      }
    } finally {
      peer.sock.close();
    }
    c.ws.close();
  });
});

test('UDP LISTEN refusals: outside --allow-listen 0x48, a port in use 0xD4, each with a log line', async () => {
  const busy = await udpPeer();
  try {
    await withRelay({ allowListen: ['127.0.0.1'] }, async (url, log) => {
      const c = await rawClient(url, BOTH);
      c.ws.send(encodeListen(1, StreamType.UDP, 0, '127.0.0.2'));
      c.ws.send(encodeListen(2, StreamType.UDP, busy.port, '127.0.0.1'));
      assert.equal((await c.waitFor('close', (p) => p.stream === 1)).reason, CloseReason.BLOCKED);
      assert.equal((await c.waitFor('close', (p) => p.stream === 2)).reason, CloseReason.ADDRESS_IN_USE);
      assert.match(log.find((l) => l.startsWith('relay: refused listen 1 ')) ?? '', /on 127\.0\.0\.2:0 \(udp\): .*not in --allow-listen/);
      assert.match(log.find((l) => l.startsWith('relay: refused listen 2 ')) ?? '', /\(udp\): cannot listen: EADDRINUSE$/);
      c.ws.close();
    });
  } finally {
    busy.sock.close();
  }
});

test('--deny-net drops datagrams from a denied peer before they reach the client', async () => {
  const peer = await udpPeer();
  try {
    await withRelay({ allowListen: ['127.0.0.1'], denyNet: [`127.0.0.1:${peer.port}`] }, async (url, log) => {
      const c = await rawClient(url, BOTH);
      c.ws.send(encodeListen(1, StreamType.UDP, 0, '127.0.0.1'));
      const bound = await c.waitFor('listening', (p) => p.stream === 1);
      await peer.send('denied', bound.port);
      const other = await udpPeer();
      try {
        await other.send('allowed', bound.port);
        const d = await c.waitFor('datagram', (p) => p.stream === 1);
        assert.equal(Buffer.from(d.data).toString(), 'allowed');
        assert.equal(c.packets.filter((p) => p.type === 'datagram').length, 1);
        assert.match(log.join('\n'), new RegExp(`dropped datagrams from 127\\.0\\.0\\.1:${peer.port} .*deny-net`));
      } finally {
        other.sock.close();
      }
      c.ws.close();
    });
  } finally {
    peer.sock.close();
  }
});

test('dialtone/net: listenPacket("udp") through the relay answers a node:dgram client; refusals are EACCES and ENOTSUP', async () => {
  await withRelay({ allowListen: ['127.0.0.1'] }, async (url) => {
    const driver = await WispDriver.open(url);
    const network = new Network({ driver, policy: { allowListen: ['127.0.0.1'] } });
    const peer = await udpPeer();
    try {
      const pc = await network.listenPacket('udp', '127.0.0.1:0');
      assert.equal(pc.localAddr.ip, '127.0.0.1');
      assert.ok(pc.localAddr.port > 0);
      const buf = new Uint8Array(64);
      for (const word of ['one', 'two', 'three']) {
        await peer.send(word, pc.localAddr.port);
        const { n, addr } = await pc.readFrom(buf);
        assert.equal(addr.port, peer.port);
        assert.equal(addr.ip, '127.0.0.1');
        const text = new TextDecoder().decode(buf.subarray(0, n));
        assert.equal(text, word);
        await pc.writeTo(new TextEncoder().encode(`echo: ${text}`), addr);
        assert.deepEqual(await peer.next(), { text: `echo: ${word}`, port: pc.localAddr.port });
      }
      // A read deadline works as on any PacketConn.
      pc.setReadDeadline(Date.now() + 50);
      await assert.rejects(pc.readFrom(buf), (e: unknown) => e instanceof OpError && e.timeout);
      pc.close();

      // The relay refuses 127.0.0.2 (outside its --allow-listen): EACCES, as a refused bind.
      const open = new Network({ driver });
      await assert.rejects(open.listenPacket('udp', '127.0.0.2:0'), (e: unknown) => e instanceof OpError && e.code === 'EACCES');
    } finally {
      peer.sock.close();
      driver.close();
    }
  });
  await withRelay({ allowNet: ['127.0.0.1'] }, async (url) => {
    const driver = await WispDriver.open(url);
    try {
      const network = new Network({ driver });
      await assert.rejects(network.listenPacket('udp', '127.0.0.1:0'), (e: unknown) => e instanceof OpError && e.code === 'ENOTSUP');
      // A socket that only sends (":0") still works without listening: one stream per destination.
      const pc = await network.listenPacket('udp', ':0');
      pc.close();
    } finally {
      driver.close();
    }
  });
});

test('the client driver: a UDP listener the relay ends reports ENETDOWN on read', async () => {
  const relay = await startRelay({ port: 0, allowListen: ['127.0.0.1'], log: () => {} });
  const driver = await WispDriver.open(relay.url);
  try {
    const network = new Network({ driver });
    const pc = await network.listenPacket('udp', '127.0.0.1:0');
    const reading = pc.readFrom(new Uint8Array(16));
    await relay.close();
    await assert.rejects(reading, (e: unknown) => e instanceof OpError && e.code === 'ENETDOWN');
    pc.close();
  } finally {
    driver.close();
  }
});
