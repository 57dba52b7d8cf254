// A UDP socket the guest bound where --allow-listen allows it is a server:
// it may answer the peers it has lately read datagrams from without
// --allow-net, as an accepted TCP connection may write back, and nothing
// else. The socket model (src/sockets/) is used directly over the Node
// driver and node:dgram peers on 127.0.0.1, with small bounds given to the
// GuestNetwork; RecentPeers, the table behind it, is checked alone with a
// clock of its own at its default bounds.
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SysError } from '../../src/internal/errno.ts';
import { ipEndpoint, type Endpoint, type IpEndpoint } from '../../src/netdev/endpoint.ts';
import { NodeDriver } from '../../src/netdev/node/driver.ts';
import { RulePolicy } from '../../src/policy/index.ts';
import {
  DEFAULT_MAX_RECENT_PEERS,
  DEFAULT_RECENT_PEER_TTL_MS,
  GuestNetwork,
  RecentPeers,
  type GuestNetworkOptions,
  type GuestSocket,
} from '../../src/sockets/index.ts';
import { ready } from '../helpers/readiness.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const isEacces = (err: unknown): boolean => err instanceof SysError && err.errno === 'EACCES';

/** node:dgram peers on 127.0.0.1, each recording what it receives. */
async function peers(n: number): Promise<{ sockets: dgram.Socket[]; got: string[][]; ends: IpEndpoint[] }> {
  const sockets: dgram.Socket[] = [];
  const got: string[][] = [];
  const ends: IpEndpoint[] = [];
  for (let i = 0; i < n; i++) {
    const s = dgram.createSocket('udp4');
    const mine: string[] = [];
    s.on('message', (m) => mine.push(m.toString()));
    await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
    sockets.push(s);
    got.push(mine);
    ends.push(ipEndpoint('127.0.0.1', s.address().port));
  }
  return { sockets, got, ends };
}

/** A guest network allowed only to listen on 127.0.0.1, and a UDP server socket bound there. */
async function server(
  extra: Partial<GuestNetworkOptions> = {},
): Promise<{ network: GuestNetwork; s: GuestSocket; port: number; lines: string[] }> {
  const lines: string[] = [];
  const network = new GuestNetwork({
    driver: new NodeDriver(),
    policy: new RulePolicy({ allowListen: ['127.0.0.1'] }),
    onRefused: (line) => lines.push(line),
    ...extra,
  });
  const s = network.open('ipv4', 'dgram');
  await s.bind(ipEndpoint('127.0.0.1', 0));
  const local = s.localEndpoint();
  assert.equal(local.kind, 'ip');
  return { network, s, port: (local as IpEndpoint).port, lines };
}

/** Reads the next datagram from `s`; returns its text and sender. */
async function read(s: GuestSocket): Promise<{ text: string; from: Endpoint | undefined }> {
  const buf = new Uint8Array(2048);
  await ready(s, 'read');
  const r = s.recv([buf], false);
  return { text: decoder.decode(buf.subarray(0, r.n)), from: r.from };
}

/** Sends from a node:dgram peer to the server and waits until the server has read it; returns the sender as the server saw it. */
async function hear(s: GuestSocket, from: dgram.Socket, port: number, text: string): Promise<Endpoint> {
  await new Promise<void>((resolve, reject) => from.send(text, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  const got = await read(s);
  assert.equal(got.text, text);
  assert.ok(got.from !== undefined);
  return got.from;
}

/** Waits until `got` holds `n` datagrams (or 2 s pass). */
async function arrived(got: string[], n: number): Promise<void> {
  for (let i = 0; i < 200 && got.length < n; i++) await sleep(10);
}

test('a UDP server bound under --allow-listen alone answers a peer it read from, without --allow-net', async () => {
  const { network, s, port, lines } = await server();
  const p = await peers(1);
  try {
    const from = await hear(s, p.sockets[0]!, port, 'question');
    assert.equal(s.send([encoder.encode('answer')], from), 6);
    await arrived(p.got[0]!, 1);
    assert.deepEqual(p.got[0], ['answer']);
    assert.deepEqual(lines, []);
  } finally {
    s.close();
    for (const x of p.sockets) x.close();
  }
  await network.flushed();
});

test('a UDP server may not send where no datagram came from: EACCES and a refusal line naming why, nothing sent', async () => {
  const { network, s, port, lines } = await server();
  const p = await peers(2);
  try {
    await hear(s, p.sockets[0]!, port, 'question');
    // Another port of the same address is another peer.
    assert.throws(() => s.send([encoder.encode('unasked')], p.ends[1]), isEacces);
    assert.equal(lines.length, 1);
    assert.equal(
      lines[0],
      `policy: send to 127.0.0.1:${p.ends[1]!.port} refused: network access is off (no --allow-net); ` +
        `not a recent peer of this UDP server (one of the last ${DEFAULT_MAX_RECENT_PEERS} it read from, within 120 s)`,
    );
    await sleep(100);
    assert.deepEqual(p.got[1], []);
  } finally {
    s.close();
    for (const x of p.sockets) x.close();
  }
  await network.flushed();
});

test('a UDP server remembers at most maxRecentPeers peers: the one heard from longest ago can no longer be answered', async () => {
  const { network, s, port, lines } = await server({ maxRecentPeers: 4 });
  const p = await peers(5);
  try {
    const from: Endpoint[] = [];
    for (let i = 0; i < 5; i++) from.push(await hear(s, p.sockets[i]!, port, `from ${i}`));
    assert.throws(() => s.send([encoder.encode('too late')], from[0]), isEacces);
    assert.match(lines[0] ?? '', /not a recent peer of this UDP server \(one of the last 4 it read from, within 120 s\)$/);
    for (let i = 1; i < 5; i++) s.send([encoder.encode(`to ${i}`)], from[i]);
    // Heard from again, peer 0 is recent once more, and peer 1 (now the oldest) is forgotten.
    await hear(s, p.sockets[0]!, port, 'again');
    s.send([encoder.encode('to 0')], from[0]);
    assert.throws(() => s.send([encoder.encode('no more')], from[1]), isEacces);
    for (let i = 0; i < 5; i++) await arrived(p.got[i]!, 1);
    assert.deepEqual(
      p.got.map((g) => g.join(',')),
      ['to 0', 'to 1', 'to 2', 'to 3', 'to 4'],
    );
  } finally {
    s.close();
    for (const x of p.sockets) x.close();
  }
  await network.flushed();
});

test('a UDP server can no longer answer a peer silent for recentPeerTtlMs, until it sends again', async () => {
  const { network, s, port, lines } = await server({ recentPeerTtlMs: 100 });
  const p = await peers(1);
  try {
    const from = await hear(s, p.sockets[0]!, port, 'first');
    s.send([encoder.encode('in time')], from);
    await sleep(250);
    assert.throws(() => s.send([encoder.encode('too late')], from), isEacces);
    assert.equal(lines.length, 1);
    await hear(s, p.sockets[0]!, port, 'second');
    s.send([encoder.encode('in time again')], from);
    await arrived(p.got[0]!, 2);
    assert.deepEqual(p.got[0], ['in time', 'in time again']);
  } finally {
    s.close();
    for (const x of p.sockets) x.close();
  }
  await network.flushed();
});

test('an implicitly bound UDP socket outside --allow-listen gains no peers: a sender it may not send to is dropped and stays unanswerable', async () => {
  // Allowed to send to p0 only; p0 answers from another socket (p1), which
  // the implicit-bind receive filter drops; p0 itself is reachable anyway.
  const lines: string[] = [];
  const p = await peers(1);
  const network = new GuestNetwork({
    driver: new NodeDriver(),
    policy: new RulePolicy({ allowNet: [`127.0.0.1:${p.ends[0]!.port}`] }),
    onRefused: (line) => lines.push(line),
  });
  const s = network.open('ipv4', 'dgram');
  try {
    const sentFrom = new Promise<number>((resolve) => p.sockets[0]!.once('message', (_m, rinfo) => resolve(rinfo.port)));
    s.send([encoder.encode('hello')], p.ends[0]);
    const guestPort = await sentFrom;
    const other = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => other.bind(0, '127.0.0.1', resolve));
    try {
      other.send('intrusion', guestPort, '127.0.0.1');
      await sleep(200);
      assert.equal(s.poll('read').ready, false);
      assert.match(lines[0] ?? '', /^policy: datagram from 127\.0\.0\.1:\d+ to 0\.0\.0\.0:\d+ dropped: /);
      assert.throws(() => s.send([encoder.encode('answer')], ipEndpoint('127.0.0.1', other.address().port)), isEacces);
      assert.match(lines[1] ?? '', /^policy: send to 127\.0\.0\.1:\d+ refused: not in --allow-net \(allowed: [^)]*\)$/);
    } finally {
      other.close();
    }
  } finally {
    s.close();
    for (const x of p.sockets) x.close();
  }
  await network.flushed();
});

test('an implicitly bound UDP socket whose address --allow-listen covers is a server: it answers a sender it was not allowed to send to', async () => {
  const lines: string[] = [];
  const p = await peers(2);
  const network = new GuestNetwork({
    driver: new NodeDriver(),
    policy: new RulePolicy({ allowNet: [`127.0.0.1:${p.ends[0]!.port}`], allowListen: ['0.0.0.0'] }),
    onRefused: (line) => lines.push(line),
  });
  const s = network.open('ipv4', 'dgram');
  try {
    const sentFrom = new Promise<number>((resolve) => p.sockets[0]!.once('message', (_m, rinfo) => resolve(rinfo.port)));
    s.send([encoder.encode('hello')], p.ends[0]);
    const guestPort = await sentFrom;
    const from = await hear(s, p.sockets[1]!, guestPort, 'from elsewhere');
    s.send([encoder.encode('answer')], from);
    await arrived(p.got[1]!, 1);
    assert.deepEqual(p.got[1], ['answer']);
    assert.deepEqual(lines, []);
  } finally {
    s.close();
    for (const x of p.sockets) x.close();
  }
  await network.flushed();
});

test('RecentPeers holds DEFAULT_MAX_RECENT_PEERS peers, each for DEFAULT_RECENT_PEER_TTL_MS after it was last heard from', () => {
  assert.equal(DEFAULT_MAX_RECENT_PEERS, 1024);
  assert.equal(DEFAULT_RECENT_PEER_TTL_MS, 120_000);
  let now = 0;
  const table = new RecentPeers(undefined, undefined, () => now);
  const peer = (i: number): Endpoint => ipEndpoint(`10.0.${i >> 8}.${i & 255}`, 53);
  for (let i = 0; i < 3 * DEFAULT_MAX_RECENT_PEERS; i++) {
    table.heard(peer(i));
    assert.ok(table.size <= DEFAULT_MAX_RECENT_PEERS);
  }
  assert.equal(table.size, DEFAULT_MAX_RECENT_PEERS);
  assert.equal(table.has(peer(2 * DEFAULT_MAX_RECENT_PEERS - 1)), false);
  assert.equal(table.has(peer(2 * DEFAULT_MAX_RECENT_PEERS)), true);
  assert.equal(table.has(peer(3 * DEFAULT_MAX_RECENT_PEERS - 1)), true);
  now += DEFAULT_RECENT_PEER_TTL_MS - 1;
  assert.equal(table.has(peer(3 * DEFAULT_MAX_RECENT_PEERS - 1)), true);
  table.heard(peer(0));
  now += 1;
  assert.equal(table.has(peer(3 * DEFAULT_MAX_RECENT_PEERS - 1)), false);
  assert.equal(table.has(peer(0)), true);
  // Expired peers leave the table as others arrive.
  table.heard(peer(1));
  assert.equal(table.size, 2);
});

test('RecentPeers knows a peer by its address in any spelling, and by its port', () => {
  const table = new RecentPeers(8, 1000, () => 0);
  table.heard(ipEndpoint('::ffff:127.0.0.1', 4000));
  table.heard(ipEndpoint('2001:db8:0:0:0:0:0:1', 53));
  table.heard({ kind: 'unix', path: '/tmp/x' });
  assert.equal(table.has(ipEndpoint('127.0.0.1', 4000)), true);
  assert.equal(table.has(ipEndpoint('::ffff:7f00:1', 4000)), true);
  assert.equal(table.has(ipEndpoint('127.0.0.1', 4001)), false);
  assert.equal(table.has(ipEndpoint('2001:DB8::1', 53)), true);
  assert.equal(table.has(ipEndpoint('2001:db8::2', 53)), false);
  assert.equal(table.has({ kind: 'unix', path: '/tmp/x' }), false);
  assert.equal(table.size, 2);
});
