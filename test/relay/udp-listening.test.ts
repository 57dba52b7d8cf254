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
  encodeClose,
  encodeConnect,
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

test('a reply sent just before the client closes still reaches its peer (the listener closes once its sends have left)', async () => {
  await withRelay({ allowListen: ['127.0.0.1'] }, async (url) => {
    const peer = await udpPeer();
    try {
      for (let round = 0; round < 5; round++) {
        const c = await rawClient(url, BOTH);
        c.ws.send(encodeListen(1, StreamType.UDP, 0, '127.0.0.1'));
        const bound = await c.waitFor('listening', (p) => p.stream === 1);
        await peer.send('ping', bound.port);
        await c.waitFor('datagram', (p) => p.stream === 1);
        // The reply, the listener's CLOSE and the end of the session leave together, as when a guest answers and exits.
        c.ws.send(encodeDatagram(1, peer.port, '127.0.0.1', Buffer.from(`last ${round}`)));
        c.ws.send(encodeClose(1, CloseReason.VOLUNTARY));
        c.ws.close();
        assert.deepEqual(await peer.next(), { text: `last ${round}`, port: bound.port });
      }
    } finally {
      peer.sock.close();
    }
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

/**
 * A raw client with UDP listener 1 on 127.0.0.1 and a `fence` peer it has
 * heard from; `sync()` sends the fence a datagram through the listener and
 * waits for it: the relay handles a client's packets in order, so by then
 * it has handled (and dropped or judged) everything sent before. The fence
 * then answers, so that it stays the listener's most recent peer.
 */
async function listenerWithFence(url: string) {
  const c = await rawClient(url, BOTH);
  c.ws.send(encodeListen(1, StreamType.UDP, 0, '127.0.0.1'));
  const bound = await c.waitFor('listening', (p) => p.stream === 1);
  const fence = await udpPeer();
  await fence.send('hello', bound.port);
  await c.waitFor('datagram', (p) => p.stream === 1);
  let n = 0;
  const sync = async (): Promise<void> => {
    const text = `fence ${n++}`;
    c.ws.send(encodeDatagram(1, fence.port, '127.0.0.1', Buffer.from(text)));
    assert.deepEqual(await fence.next(), { text, port: bound.port });
    await fence.send(`ack ${text}`, bound.port);
    await c.waitFor('datagram', (p) => p.stream === 1 && Buffer.from(p.data).toString() === `ack ${text}`);
  };
  const send = (host: string, port: number, data: Uint8Array): void => c.ws.send(encodeDatagram(1, port, host, data));
  return { c, bound, fence, sync, send };
}

/** A resolver for names ending in `.test` that answers only when the test says so; `calls` lists the names asked, in order. */
function heldResolver() {
  const calls: string[] = [];
  const held = new Map<string, (addresses: string[]) => void>();
  const resolve = (name: string): Promise<string[]> => {
    calls.push(name);
    return new Promise((answer) => held.set(name, answer));
  };
  const answer = (name: string, addresses: string[]): void => {
    const a = held.get(name);
    assert.ok(a !== undefined, `${name} was not asked`);
    held.delete(name);
    a(addresses);
  };
  return { calls, resolve, answer };
}

test('a new destination of a UDP listener takes a token of the new-stream rate: past the burst, datagrams to new ones are dropped and logged', async () => {
  const calls: string[] = [];
  const resolve = async (name: string): Promise<string[]> => (calls.push(name), ['127.0.0.1']);
  // A burst of 5 that hardly refills: the LISTEN takes one, four new destinations the rest.
  const limits = { streamBurst: 5, streamsPerSecond: 0.001 };
  await withRelay({ allowListen: ['127.0.0.1'], allowNet: ['127.0.0.1'], limits, resolve }, async (url, log) => {
    const { c, bound, fence, sync, send } = await listenerWithFence(url);
    const peers = await Promise.all(Array.from({ length: 10 }, () => udpPeer()));
    try {
      for (const [i, p] of peers.entries()) send('127.0.0.1', p.port, Buffer.from(`to ${i}`));
      send('name.test', peers[0]!.port, Buffer.from('by name'));
      await sync();
      for (const [i, p] of peers.slice(0, 4).entries()) assert.deepEqual(await p.next(), { text: `to ${i}`, port: bound.port });
      // Judged and allowed destinations stay answerable without a token, as the fence (a peer heard from) is.
      send('127.0.0.1', peers[0]!.port, Buffer.from('again'));
      assert.deepEqual(await peers[0]!.next(), { text: 'again', port: bound.port });
      await sync();
      assert.deepEqual(
        peers.slice(4).map((p) => p.got.length),
        [0, 0, 0, 0, 0, 0],
      );
      assert.deepEqual(calls, [], 'a name past the rate is not resolved');
      const throttled = log.filter((l) => / on UDP listener 1 of .*: too many new streams per second/.test(l));
      assert.deepEqual(
        throttled.map((l) => /^relay: dropped datagrams to (\S+) /.exec(l)?.[1]),
        [...peers.slice(4).map((p) => `127.0.0.1:${p.port}`), `name.test:${peers[0]!.port}`],
        log.join('\n'),
      );
    } finally {
      for (const p of peers) p.sock.close();
      fence.sock.close();
    }
    c.ws.close();
  });
});

test('a UDP listener judges at most 16 new destinations at once; datagrams to one being judged wait for its one decision', async () => {
  const r = heldResolver();
  await withRelay({ allowListen: ['127.0.0.1'], allowNet: ['127.0.0.1'], resolve: r.resolve }, async (url, log) => {
    const { c, bound, fence, sync, send } = await listenerWithFence(url);
    const target = await udpPeer();
    try {
      for (let i = 0; i < 17; i++) send(`h${i}.test`, target.port, Buffer.from(`h${i}`));
      send('h0.test', target.port, Buffer.from('h0 again'));
      await sync();
      assert.deepEqual(
        r.calls,
        Array.from({ length: 16 }, (_, i) => `h${i}.test`),
      );
      assert.match(
        log.join('\n'),
        new RegExp(`dropped datagrams to h16\\.test:${target.port} on UDP listener 1 .*: 16 new destinations are being judged already`),
      );
      for (let i = 0; i < 16; i++) r.answer(`h${i}.test`, ['127.0.0.1']);
      const want = ['h0', 'h0 again', ...Array.from({ length: 15 }, (_, i) => `h${i + 1}`)];
      const got: string[] = [];
      while (got.length < want.length) got.push((await target.next()).text);
      assert.deepEqual(got, want);
      // Once the decisions are in, a new destination is judged again.
      send('h16.test', target.port, Buffer.from('h16'));
      await sync();
      assert.equal(r.calls.at(-1), 'h16.test');
      r.answer('h16.test', ['127.0.0.1']);
      assert.deepEqual(await target.next(), { text: 'h16', port: bound.port });
    } finally {
      target.sock.close();
      fence.sock.close();
    }
    c.ws.close();
  });
});

test('a UDP listener queues at most 1 MiB of datagrams waiting for decisions; a decision frees its bytes', async () => {
  const r = heldResolver();
  await withRelay({ allowListen: ['127.0.0.1'], allowNet: ['127.0.0.1'], resolve: r.resolve }, async (url, log) => {
    const { c, bound, fence, sync, send } = await listenerWithFence(url);
    const target = await udpPeer();
    try {
      const big = Buffer.alloc(60_000, 0x61);
      const small = Buffer.alloc(20_000, 0x62);
      // 17 × 60,000 = 1,020,000 bytes fit in 1 MiB (1,048,576); the 18th does not.
      for (let i = 0; i < 18; i++) send('big.test', target.port, big);
      await sync();
      // 28,576 bytes are left: one 20,000-byte datagram fits, a second does not. So exactly 17 big ones wait.
      send('small.test', target.port, small);
      send('small.test', target.port, small);
      await sync();
      assert.deepEqual(r.calls, ['big.test', 'small.test']);
      const full = log.filter((l) => l.includes("the listener's queue of 1048576 bytes is full"));
      assert.deepEqual(
        full.map((l) => /^relay: dropped datagrams to (\S+) /.exec(l)?.[1]),
        [`big.test:${target.port}`, `small.test:${target.port}`],
        log.join('\n'),
      );
      // big.test is refused (127.0.0.2 is outside --allow-net): its 1,020,000 bytes are freed, nothing sent.
      r.answer('big.test', ['127.0.0.2']);
      r.answer('small.test', ['127.0.0.1']);
      const first = await target.next();
      assert.deepEqual([first.text.length, first.port], [20_000, bound.port]);
      send('small.test', target.port, small);
      const second = await target.next();
      assert.deepEqual([second.text.length, second.port], [20_000, bound.port]);
      assert.match(log.join('\n'), new RegExp(`dropped datagrams to big\\.test:${target.port} on UDP listener 1 .*127\\.0\\.0\\.2`));
      await sync();
      assert.equal(target.got.length, 0, 'no big datagram was sent');
    } finally {
      target.sock.close();
      fence.sock.close();
    }
    c.ws.close();
  });
});

test('a UDP listener remembers at most 1024 peers; past that the least recently used destination is forgotten and judged again', async () => {
  const calls: string[] = [];
  const resolve = async (name: string): Promise<string[]> => (calls.push(name), ['127.0.0.1']);
  const limits = { streamBurst: 2000 };
  await withRelay({ allowListen: ['127.0.0.1'], allowNet: ['127.0.0.1'], limits, resolve }, async (url) => {
    const { c, fence, sync, send } = await listenerWithFence(url);
    const target = await udpPeer();
    try {
      // The fence (heard from after each sync, so the most recent) and 1023 destinations (names, all at
      // target's port) fill the 1024 places; sent 16 at a time, the decisions a listener may wait for.
      const fill = 1023;
      for (let i = 0; i < fill; i += 16) {
        for (let j = i; j < Math.min(i + 16, fill); j++) send(`p${j}.test`, target.port, Buffer.from('x'));
        await sync();
      }
      assert.equal(new Set(calls).size, fill);
      send('p0.test', target.port, Buffer.from('x'));
      send(`p${fill - 1}.test`, target.port, Buffer.from('x'));
      await sync();
      assert.equal(calls.length, fill, 'all 1024 are remembered');
      send(`p${fill}.test`, target.port, Buffer.from('x'));
      await sync();
      send('p1.test', target.port, Buffer.from('x'));
      send('p0.test', target.port, Buffer.from('x'));
      await sync();
      assert.deepEqual(calls.slice(fill), [`p${fill}.test`, 'p0.test'], 'the 1025th forgot the oldest, p0');
    } finally {
      target.sock.close();
      fence.sock.close();
    }
    c.ws.close();
  });
});

test('a failure while judging a destination closes that stream or drops those datagrams, with a log line; the relay lives on', async () => {
  // A resolver that breaks its contract (no list of addresses) makes the judging itself throw.
  const resolve = async (): Promise<string[]> => null as unknown as string[];
  await withRelay({ allowListen: ['127.0.0.1'], allowNet: ['127.0.0.1'], resolve }, async (url, log) => {
    const { c, fence, sync, send } = await listenerWithFence(url);
    try {
      send('broken.test', 9, Buffer.from('x'));
      await sync();
      assert.match(log.join('\n'), /dropped datagrams to broken\.test:9 on UDP listener 1 .*: internal error: /);
      c.ws.send(encodeConnect(3, StreamType.UDP, 9, 'broken.test'));
      assert.equal((await c.waitFor('close', (p) => p.stream === 3)).reason, CloseReason.NETWORK_ERROR);
      assert.match(log.join('\n'), /closing stream 3 from .*: internal error: /);
      await sync();
    } finally {
      fence.sock.close();
    }
    c.ws.close();
  });
});
