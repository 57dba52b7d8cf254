// --deny-net wins over listening too, for TCP and UDP alike: a connection
// from a denied peer to a listener the guest opened is closed at accept
// (the guest never sees it), and a datagram from a denied peer to a UDP
// socket the guest bound is dropped (so it is never answered); each leaves
// a refusal line. Peers that are not denied are taken and answered. The
// socket model (src/sockets/) is used directly over the Node driver, with
// node:net / node:dgram peers on 127.0.0.1 and 127.0.0.2 (the denied one).
// A listener the host opened for the guest (a preopened one) is exempt.
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SysError } from '../../src/internal/errno.ts';
import { ipEndpoint, type IpEndpoint } from '../../src/netdev/endpoint.ts';
import { NodeDriver } from '../../src/netdev/node/driver.ts';
import { RulePolicy } from '../../src/policy/index.ts';
import { GuestNetwork, type GuestSocket } from '../../src/sockets/index.ts';
import { ready } from '../helpers/readiness.ts';

const POLICY = { allowListen: ['127.0.0.1'], denyNet: ['127.0.0.2'] };

/** A node:net client from `localAddress`; settles with it once connected, its local port and a promise of its close. */
async function client(port: number, localAddress: string): Promise<{ c: net.Socket; localPort: number; closed: Promise<void> }> {
  const c = net.connect({ port, host: '127.0.0.1', localAddress });
  c.on('error', () => {});
  const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    c.once('connect', resolve);
    c.once('error', reject);
  });
  return { c, localPort: c.localPort ?? 0, closed };
}

test('a connection from a --deny-net peer to a listener the guest opened is closed at accept, with a refusal line; others are accepted', async () => {
  const lines: string[] = [];
  const network = new GuestNetwork({ driver: new NodeDriver(), policy: new RulePolicy(POLICY), onRefused: (l) => lines.push(l) });
  const listener = network.open('ipv4', 'stream');
  const accepted: GuestSocket[] = [];
  try {
    listener.bind(ipEndpoint('127.0.0.1', 0));
    await listener.listen(16);
    const { port } = listener.localEndpoint() as IpEndpoint;
    const denied = await client(port, '127.0.0.2');
    await ready(listener, 'read');
    assert.throws(
      () => listener.accept(),
      (err: unknown) => err instanceof SysError && err.errno === 'EAGAIN',
    );
    await denied.closed;
    assert.equal(lines.length, 1);
    assert.equal(lines[0], `policy: accept from 127.0.0.2:${denied.localPort} refused: denied by --deny-net=127.0.0.2`);

    const allowed = await client(port, '127.0.0.1');
    await ready(listener, 'read');
    const conn = listener.accept();
    accepted.push(conn);
    assert.deepEqual(conn.remoteEndpoint(), ipEndpoint('127.0.0.1', allowed.localPort));
    // An accepted connection writes back without --allow-net.
    const got = new Promise<string>((resolve) => allowed.c.once('data', (b) => resolve(b.toString())));
    await ready(conn, 'write');
    conn.send([new TextEncoder().encode('welcome')]);
    assert.equal(await got, 'welcome');
    allowed.c.destroy();
    assert.equal(lines.length, 1);
  } finally {
    for (const s of accepted) s.close();
    listener.close();
  }
  await network.flushed();
});

test('a listener the host opened for the guest (preopened) takes connections from --deny-net peers: it is exempt from the policy', async () => {
  const driver = new NodeDriver();
  const network = new GuestNetwork({ driver, policy: new RulePolicy(POLICY) });
  const raw = driver.socket('ipv4', 'stream');
  raw.bind(ipEndpoint('127.0.0.1', 0));
  await raw.listen(16);
  const listener = network.adopt(raw);
  let conn: GuestSocket | undefined;
  try {
    const { port } = listener.localEndpoint() as IpEndpoint;
    const denied = await client(port, '127.0.0.2');
    await ready(listener, 'read');
    conn = listener.accept();
    assert.deepEqual(conn.remoteEndpoint(), ipEndpoint('127.0.0.2', denied.localPort));
    denied.c.destroy();
  } finally {
    conn?.close();
    listener.close();
  }
  await network.flushed();
});

test('a datagram from a --deny-net peer to a UDP socket the guest bound is dropped, with a refusal line, and cannot be answered', async () => {
  const lines: string[] = [];
  const network = new GuestNetwork({ driver: new NodeDriver(), policy: new RulePolicy(POLICY), onRefused: (l) => lines.push(l) });
  const s = network.open('ipv4', 'dgram');
  const denied = dgram.createSocket('udp4');
  const allowed = dgram.createSocket('udp4');
  try {
    await s.bind(ipEndpoint('127.0.0.1', 0));
    const { port } = s.localEndpoint() as IpEndpoint;
    await new Promise<void>((resolve) => denied.bind(0, '127.0.0.2', resolve));
    await new Promise<void>((resolve) => allowed.bind(0, '127.0.0.1', resolve));
    denied.send('from denied', port, '127.0.0.1');
    await sleep(200);
    assert.equal(s.poll('read').ready, false, 'the denied datagram was queued');
    const deniedAt = `127.0.0.2:${denied.address().port}`;
    assert.deepEqual(lines, [
      `policy: datagram from ${deniedAt} to 127.0.0.1:${port} dropped: accept from ${deniedAt} refused: denied by --deny-net=127.0.0.2`,
    ]);
    assert.throws(
      () => s.send([new TextEncoder().encode('answer')], ipEndpoint('127.0.0.2', denied.address().port)),
      (err: unknown) => err instanceof SysError && err.errno === 'EACCES',
    );
    assert.equal(
      lines[1],
      `policy: send to ${deniedAt} refused: denied by --deny-net=127.0.0.2; accept from ${deniedAt} refused: denied by --deny-net=127.0.0.2`,
    );

    allowed.send('from allowed', port, '127.0.0.1');
    await ready(s, 'read');
    const buf = new Uint8Array(64);
    const r = s.recv([buf], false);
    assert.equal(new TextDecoder().decode(buf.subarray(0, r.n)), 'from allowed');
    const got = new Promise<string>((resolve) => allowed.once('message', (m) => resolve(m.toString())));
    s.send([new TextEncoder().encode('answer')], r.from);
    assert.equal(await got, 'answer');
  } finally {
    s.close();
    denied.close();
    allowed.close();
  }
  await network.flushed();
});
