// The WasmEdge socket calls wait on a socket the guest left blocking (C and
// Rust guests never set NONBLOCK) and answer at once on one it made
// non-blocking (Go's netpoller does, before it connects): sock_connect
// returns 0 or the real errno instead of EINPROGRESS, sock_accept,
// sock_recv, sock_recv_from and fd_read wait for the peer. The policy still
// refuses at once. The peers are real Node sockets on 127.0.0.1.
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { ALLOW_ALL, DENY_ALL } from '../../src/policy/policy.ts';
import { makeHost, type TestHost } from '../helpers/host.ts';
import { eventually } from '../helpers/eventually.ts';

// WASI errnos and WasmEdge numbers used here (docs/abi/wasmedge-sockets.md).
const OK = 0;
const EACCES = 2;
const EAGAIN = 6;
const ECONNREFUSED = 14;
const EINPROGRESS = 26;
const INET4 = 1;
const DGRAM = 1;
const STREAM = 2;
const NONBLOCK = 4;
const SOL_SOCKET = 0;
const SO_ERROR = 2;

// Guest memory layout.
const DESC = 100; // address descriptor {buf, len}
const IP = 120; // 4 address bytes
const STORAGE = 200; // 128-byte address storage for results
const OUT = 400; // fd / port / count outputs
const OUT2 = 404;
const OUT3 = 408;
const IOVS = 500;
const DATA = 1000;

const hosts: TestHost[] = [];
after(async () => {
  for (const t of hosts) await t.host.close();
});

function host(policy = ALLOW_ALL): TestHost {
  const t = makeHost({ network: { policy } });
  hosts.push(t);
  return t;
}

function open(t: TestHost, type: number): number {
  assert.equal(t.callSync('sock_open', INET4, type, OUT), OK);
  return t.memory.getU32(OUT);
}

/** Points DESC at 127.0.0.1. */
function loopback(t: TestHost): number {
  t.memory.write(IP, new Uint8Array([127, 0, 0, 1]));
  t.memory.setU32(DESC, IP);
  t.memory.setU32(DESC + 4, 4);
  return DESC;
}

/** One iovec over DATA, `len` bytes (holding `text` if given). */
function iovec(t: TestHost, len: number, text?: string): number {
  if (text !== undefined) t.memory.write(DATA, new TextEncoder().encode(text));
  t.memory.setU32(IOVS, DATA);
  t.memory.setU32(IOVS + 4, len);
  return IOVS;
}

const text = (t: TestHost, n: number): string => new TextDecoder().decode(t.memory.bytes(DATA, n));

/** A Node TCP server on 127.0.0.1:0 that records what each connection sends and can write to it. */
async function nodeServer(): Promise<{ port: number; conns: net.Socket[]; received: () => string; close: () => void }> {
  const conns: net.Socket[] = [];
  let got = '';
  const server = net.createServer((s) => {
    conns.push(s);
    s.on('data', (b) => (got += b.toString('utf8')));
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    conns,
    received: () => got,
    close: () => {
      for (const c of conns) c.destroy();
      server.close();
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (just freed). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Whether a host call suspended (returned a Promise) rather than answering at once. */
function suspended(r: number | Promise<number>): r is Promise<number> {
  return typeof r !== 'number';
}

test('a blocking sock_connect waits until connected and answers 0; the socket is then usable', async () => {
  const peer = await nodeServer();
  try {
    const t = host();
    const fd = open(t, STREAM);
    const r = t.call('sock_connect', fd, loopback(t), peer.port);
    assert.ok(suspended(r), 'a loopback connect cannot have finished synchronously: the call must wait');
    assert.equal(await r, OK);
    await eventually(() => peer.conns.length === 1, 'the peer to accept');
    // Connected: the peer address is known, and bytes go out without EAGAIN games.
    t.memory.setU32(DESC, STORAGE);
    t.memory.setU32(DESC + 4, 128);
    assert.equal(t.callSync('sock_getpeeraddr', fd, DESC, OUT2), OK);
    assert.equal(t.memory.getU32(OUT2), peer.port);
    assert.equal(await t.call('sock_send', fd, iovec(t, 5, 'hello'), 1, 0, OUT3), OK);
    await eventually(() => peer.received() === 'hello', 'the peer to read hello');
    // The outcome was the call's own: nothing is left pending for SO_ERROR.
    assert.equal(t.callSync('sock_getsockopt', fd, SOL_SOCKET, SO_ERROR, OUT, 4), OK);
    assert.equal(t.memory.getU32(OUT), 0);
    assert.equal(t.callSync('fd_close', fd), OK);
  } finally {
    peer.close();
  }
});

test('a blocking sock_connect to a port nobody listens on answers ECONNREFUSED', async () => {
  const port = await closedPort();
  const t = host();
  const fd = open(t, STREAM);
  assert.equal(await t.call('sock_connect', fd, loopback(t), port), ECONNREFUSED);
  // Reported once, by the connect itself.
  assert.equal(t.callSync('sock_getsockopt', fd, SOL_SOCKET, SO_ERROR, OUT, 4), OK);
  assert.equal(t.memory.getU32(OUT), 0);
  assert.equal(t.callSync('fd_close', fd), OK);
});

test('a non-blocking sock_connect still answers EINPROGRESS at once and reports the outcome through SO_ERROR (the Go guest path)', async () => {
  const peer = await nodeServer();
  const port = await closedPort();
  try {
    const t = host();
    const fd = open(t, STREAM);
    assert.equal(t.callSync('fd_fdstat_set_flags', fd, NONBLOCK), OK);
    assert.equal(t.callSync('sock_connect', fd, loopback(t), peer.port), EINPROGRESS);
    await eventually(() => peer.conns.length === 1, 'the peer to accept');
    t.memory.setU32(DESC, STORAGE);
    t.memory.setU32(DESC + 4, 128);
    await eventually(() => t.callSync('sock_getpeeraddr', fd, DESC, OUT2) === OK, 'the connect to finish');
    assert.equal(t.callSync('sock_getsockopt', fd, SOL_SOCKET, SO_ERROR, OUT, 4), OK);
    assert.equal(t.memory.getU32(OUT), 0);

    const refused = open(t, STREAM);
    assert.equal(t.callSync('fd_fdstat_set_flags', refused, NONBLOCK), OK);
    assert.equal(t.callSync('sock_connect', refused, loopback(t), port), EINPROGRESS);
    let soError = 0;
    await eventually(() => {
      assert.equal(t.callSync('sock_getsockopt', refused, SOL_SOCKET, SO_ERROR, OUT, 4), OK);
      soError = t.memory.getU32(OUT);
      return soError !== 0;
    }, 'SO_ERROR to report the refusal');
    assert.equal(soError, ECONNREFUSED);
  } finally {
    peer.close();
  }
});

test('the policy refuses a connect at once with EACCES, blocking or not, and nothing reaches the peer', async () => {
  const peer = await nodeServer();
  try {
    const t = host(DENY_ALL);
    const blocking = open(t, STREAM);
    assert.equal(t.callSync('sock_connect', blocking, loopback(t), peer.port), EACCES);
    const nonblocking = open(t, STREAM);
    assert.equal(t.callSync('fd_fdstat_set_flags', nonblocking, NONBLOCK), OK);
    assert.equal(t.callSync('sock_connect', nonblocking, loopback(t), peer.port), EACCES);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(peer.conns.length, 0);
  } finally {
    peer.close();
  }
});

test('on a blocking socket sock_recv and fd_read wait for the peer; on a non-blocking one they answer EAGAIN', async () => {
  const peer = await nodeServer();
  try {
    const t = host();
    const fd = open(t, STREAM);
    assert.equal(await t.call('sock_connect', fd, loopback(t), peer.port), OK);
    await eventually(() => peer.conns.length === 1, 'the peer to accept');
    const conn = peer.conns[0]!;

    const recv = t.call('sock_recv', fd, iovec(t, 64), 1, 0, OUT, OUT2);
    assert.ok(suspended(recv), 'sock_recv waits while nothing has arrived');
    conn.write('pong');
    assert.equal(await recv, OK);
    assert.equal(text(t, t.memory.getU32(OUT)), 'pong');

    const read = t.call('fd_read', fd, iovec(t, 64), 1, OUT);
    assert.ok(suspended(read), 'fd_read waits while nothing has arrived');
    conn.write('again');
    assert.equal(await read, OK);
    assert.equal(text(t, t.memory.getU32(OUT)), 'again');

    assert.equal(t.callSync('fd_fdstat_set_flags', fd, NONBLOCK), OK);
    assert.equal(t.callSync('sock_recv', fd, iovec(t, 64), 1, 0, OUT, OUT2), EAGAIN);
    assert.equal(t.callSync('fd_read', fd, iovec(t, 64), 1, OUT), EAGAIN);
  } finally {
    peer.close();
  }
});

test('on a blocking socket sock_send waits for room while the peer does not read; on a non-blocking one it answers EAGAIN', async () => {
  const peer = await nodeServer();
  try {
    const t = host();
    const fd = open(t, STREAM);
    assert.equal(await t.call('sock_connect', fd, loopback(t), peer.port), OK);
    await eventually(() => peer.conns.length === 1, 'the peer to accept');
    const conn = peer.conns[0]!;
    conn.pause(); // the kernel's buffers fill, then the host's send queue
    const CHUNK = 60_000;
    t.memory.bytes(DATA, CHUNK).fill(0x78);
    // Bounded: loopback buffers hold a few MiB; 2000 chunks are 120 MB.
    let sent = 0;
    let pending: Promise<number> | undefined;
    for (let i = 0; i < 2000 && pending === undefined; i++) {
      const r = t.call('sock_send', fd, iovec(t, CHUNK), 1, 0, OUT);
      if (suspended(r)) pending = r;
      else {
        assert.equal(r, OK);
        sent += t.memory.getU32(OUT);
      }
    }
    assert.ok(pending !== undefined, `sock_send never waited after ${sent} bytes`);
    assert.equal(t.callSync('fd_fdstat_set_flags', fd, NONBLOCK), OK);
    assert.equal(t.callSync('sock_send', fd, iovec(t, CHUNK), 1, 0, OUT2), EAGAIN);
    conn.resume();
    assert.equal(await pending, OK);
    assert.ok(t.memory.getU32(OUT) > 0, 'the waiting send took bytes once there was room');
  } finally {
    peer.close();
  }
});

test('on a blocking listener sock_accept waits for a client; the accepted socket reads what it sent', async () => {
  const t = host();
  const fd = open(t, STREAM);
  assert.equal(await t.call('sock_bind', fd, loopback(t), 0), OK);
  assert.equal(await t.call('sock_listen', fd, 8), OK);
  t.memory.setU32(DESC, STORAGE);
  t.memory.setU32(DESC + 4, 128);
  assert.equal(t.callSync('sock_getlocaladdr', fd, DESC, OUT2), OK);
  const port = t.memory.getU32(OUT2);
  assert.ok(port > 0);

  const accept = t.call('sock_accept', fd, 0, OUT);
  assert.ok(suspended(accept), 'sock_accept waits while no client has come');
  const client = net.connect(port, '127.0.0.1');
  client.on('error', () => {});
  try {
    client.end('from node');
    assert.equal(await accept, OK);
    const conn = t.memory.getU32(OUT);
    let got = '';
    for (let i = 0; i < 10; i++) {
      assert.equal(await t.call('sock_recv', conn, iovec(t, 64), 1, 0, OUT, OUT2), OK);
      const n = t.memory.getU32(OUT);
      if (n === 0) break; // end of stream
      got += text(t, n);
    }
    assert.equal(got, 'from node');
  } finally {
    client.destroy();
  }
});

test('on a blocking UDP socket sock_recv_from waits for a datagram and reports its sender', async () => {
  const t = host();
  const fd = open(t, DGRAM);
  assert.equal(await t.call('sock_bind', fd, loopback(t), 0), OK);
  t.memory.setU32(DESC, STORAGE);
  t.memory.setU32(DESC + 4, 128);
  assert.equal(t.callSync('sock_getlocaladdr', fd, DESC, OUT2), OK);
  const port = t.memory.getU32(OUT2);

  const recv = t.call('sock_recv_from', fd, iovec(t, 64), 1, DESC, 0, OUT2, OUT, OUT3);
  assert.ok(suspended(recv), 'sock_recv_from waits while no datagram has come');
  const sender = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
    sender.send('datagram', port, '127.0.0.1');
    assert.equal(await recv, OK);
    assert.equal(text(t, t.memory.getU32(OUT)), 'datagram');
    assert.equal(t.memory.getU32(OUT2), sender.address().port);
    assert.deepEqual([...t.memory.bytes(STORAGE, 6)], [INET4, 0, 127, 0, 0, 1]);
  } finally {
    sender.close();
  }
});
