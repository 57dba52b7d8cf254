// Clients that reset their connections (RST: wrk at the end of a run, a
// client closing with a response unread) must not break a wasinet server.
// Two guest-library traits made them do so: its stream Read returns a count
// of -1 with any error but EAGAIN/EINTR, on which bufio.Reader panics
// ("reader returned negative count from Read", logged by net/http per
// connection), and its Accept fails, ending http.Server.Serve, when the new
// connection cannot name its peer. So the wasinet host reads a reset stream
// as end of stream (as Linux does after reporting the reset once) and skips
// connections reset before they were accepted. Checked at the ABI and with
// the real wasinetapp HTTP server guest and Node clients on 127.0.0.1.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { ALLOW_ALL } from '../../src/policy/policy.ts';
import { run } from '../../src/run.ts';
import { eventually } from '../helpers/eventually.ts';
import { guestOutput } from '../helpers/guest-output.ts';
import { makeHost, type TestHost } from '../helpers/host.ts';
import { guest } from '../helpers/paths.ts';

// WASI errnos, wasinet numbers (docs/abi/wasinet.md) and guest memory layout.
const OK = 0;
const EAGAIN = 6;
const EINPROGRESS = 26;
const ETIMEDOUT = 73;
const AF_INET = 2;
const SOCK_STREAM = 1;
const SO_RCVTIMEO = 20;
const SOCKADDR = 100; // 130 bytes
const FROM = 300; // 130 bytes
const OUT = 500;
const NREAD = 504;
const OFLAGS = 508;
const TIMEVAL = 520; // 16 bytes
const IOVS = 600; // one 16-byte iovec
const DATA = 1000;
const DATA_LEN = 64;

const hosts: TestHost[] = [];
after(async () => {
  for (const t of hosts) await t.host.close();
});

/** A wasinet TCP socket connected to 127.0.0.1:`port` (the connect may still be finishing). */
async function connectedSocket(t: TestHost, port: number): Promise<number> {
  assert.equal(t.callSync('wasinet_v0.sock_open', AF_INET, SOCK_STREAM, 0, OUT), OK);
  const fd = t.memory.getU32(OUT);
  t.memory.bytes(SOCKADDR, 130).fill(0);
  t.memory.setU16(SOCKADDR, AF_INET);
  t.memory.setU32(SOCKADDR + 8, port);
  t.memory.write(SOCKADDR + 12, new Uint8Array([127, 0, 0, 1]));
  // EINPROGRESS only if loopback took longer than the host's connect wait: recv spins on it (EAGAIN) meanwhile.
  assert.ok([OK, EINPROGRESS].includes(await t.call('wasinet_v0.sock_connect', fd, SOCKADDR, 130)));
  return fd;
}

/** The first answer of sock_recv_from other than EAGAIN (the guest's spin, bounded), with the bytes read. */
async function recvAnswer(t: TestHost, fd: number): Promise<{ errno: number; text: string }> {
  t.memory.setU32(IOVS, DATA);
  t.memory.setU32(IOVS + 4, 0);
  t.memory.setU32(IOVS + 8, DATA_LEN);
  const deadline = Date.now() + 10_000;
  for (;;) {
    t.memory.setU32(NREAD, 0xdead); // proves the count is written
    const errno = await t.call('wasinet_v0.sock_recv_from', fd, IOVS, 1, 0, 0, FROM, 130, 0, NREAD, OFLAGS);
    if (errno !== EAGAIN) {
      const n = errno === OK ? t.memory.getU32(NREAD) : 0;
      return { errno, text: new TextDecoder().decode(t.memory.bytes(DATA, n)) };
    }
    if (Date.now() > deadline) throw new Error('sock_recv_from kept answering EAGAIN for 10 s');
  }
}

/** A Node TCP server on 127.0.0.1:0 that greets each connection with "before". */
async function greeter(): Promise<{ port: number; conns: net.Socket[]; close: () => void }> {
  const conns: net.Socket[] = [];
  const server = net.createServer((s) => {
    conns.push(s);
    s.on('error', () => {});
    s.write('before');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    conns,
    close: () => {
      for (const c of conns) c.destroy();
      server.close();
    },
  };
}

test('a peer that resets a wasinet stream: what it sent is read, then 0 bytes (end of stream), never ECONNRESET', async () => {
  const t = makeHost({ network: { policy: ALLOW_ALL } });
  hosts.push(t);
  const peer = await greeter();
  try {
    const fd = await connectedSocket(t, peer.port);
    assert.deepEqual(await recvAnswer(t, fd), { errno: OK, text: 'before' });
    await eventually(() => peer.conns.length === 1, 'the peer to see the connection');
    peer.conns[0]!.resetAndDestroy(); // RST, as a client closing with unread data sends
    assert.deepEqual(await recvAnswer(t, fd), { errno: OK, text: '' });
    assert.equal(t.memory.getU32(NREAD), 0);
    assert.deepEqual(await recvAnswer(t, fd), { errno: OK, text: '' }, 'and stays ended');
    assert.deepEqual(t.internalErrors, []);
  } finally {
    peer.close();
  }
});

test('a read deadline on a live wasinet stream is still ETIMEDOUT (Go needs it as a timeout)', async () => {
  const t = makeHost({ network: { policy: ALLOW_ALL } });
  hosts.push(t);
  const peer = await greeter();
  try {
    const fd = await connectedSocket(t, peer.port);
    assert.deepEqual(await recvAnswer(t, fd), { errno: OK, text: 'before' });
    // {i64 seconds, i64 milliseconds}: 50 ms from now, and the peer sends nothing more.
    t.memory.setU64(TIMEVAL, 0n);
    t.memory.setU64(TIMEVAL + 8, 50n);
    assert.equal(t.callSync('wasinet_v0.sock_setsockopt', fd, SOCK_STREAM, SO_RCVTIMEO, TIMEVAL, 16), OK);
    assert.equal((await recvAnswer(t, fd)).errno, ETIMEDOUT);
  } finally {
    peer.close();
  }
});

test('sock_accept skips a connection reset while it was queued and hands over the next, peer address and all', async () => {
  const t = makeHost({ network: { policy: ALLOW_ALL } });
  hosts.push(t);
  assert.equal(t.callSync('wasinet_v0.sock_open', AF_INET, SOCK_STREAM, 0, OUT), OK);
  const listener = t.memory.getU32(OUT);
  t.memory.bytes(SOCKADDR, 130).fill(0);
  t.memory.setU16(SOCKADDR, AF_INET);
  t.memory.write(SOCKADDR + 12, new Uint8Array([127, 0, 0, 1]));
  assert.equal(await t.call('wasinet_v0.sock_bind', listener, SOCKADDR, 130), OK);
  assert.equal(await t.call('wasinet_v0.sock_listen', listener, 8), OK);
  assert.equal(t.callSync('wasinet_v0.sock_getlocaladdr', listener, SOCKADDR, 130), OK);
  const port = t.memory.getU32(SOCKADDR + 8);
  const gone = await client(port);
  gone.resetAndDestroy();
  const next = await client(port);
  try {
    // Loopback delivers the reset at once; this leaves Node time to see it
    // (were it still unseen, the first connection would be handed over
    // alive, with its peer, and the checks below would still hold).
    await new Promise((resolve) => setTimeout(resolve, 200));
    const peers: number[] = [];
    const deadline = Date.now() + 10_000;
    while (!peers.includes(next.localPort!)) {
      const errno = await t.call('wasinet_v0.sock_accept', listener, OUT, FROM, 130);
      if (errno === EAGAIN) {
        if (Date.now() > deadline) throw new Error(`no second connection accepted in 10 s (accepted ${peers.join(', ')})`);
        continue;
      }
      assert.equal(errno, OK);
      const conn = t.memory.getU32(OUT);
      // What the guest asks next, and gives up accepting on when it fails.
      assert.equal(t.callSync('wasinet_v0.sock_getpeeraddr', conn, FROM, 130), OK);
      peers.push(t.memory.getU32(FROM + 8));
      assert.ok(peers.length <= 2, `accepted ${peers.join(', ')}`);
    }
    assert.ok(
      peers.every((p) => p === gone.localPort || p === next.localPort),
      `accepted ${peers.join(', ')}`,
    );
  } finally {
    next.destroy();
  }
});

/** HTTP/1.1 request text for `path` on a kept-alive connection. */
const request = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: guest\r\n\r\n`;

/** Connects to `port` on 127.0.0.1 and resolves once connected. */
async function client(port: number): Promise<net.Socket> {
  const s = net.connect({ host: '127.0.0.1', port });
  s.on('error', () => {}); // the guest may close first: only what the guest logs matters here
  await once(s, 'connect');
  return s;
}

/** Resolves when `s` has received `text` (or ended, or after `ms`, whichever first). */
function received(s: net.Socket, text: string, ms = 10_000): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const done = (): void => {
      clearTimeout(timer);
      s.off('data', onData);
      resolve(got);
    };
    const onData = (b: Buffer): void => {
      got += b.toString('utf8');
      if (got.includes(text)) done();
    };
    const timer = setTimeout(done, ms);
    s.on('data', onData);
    s.once('close', done);
  });
}

// Each of these ends with the client's RST reaching a connection the
// server reads from: idle after a response (wrk at the end of a run),
// between the request and its response, in the middle of a request's headers.
const RESETS: Readonly<Record<string, (port: number) => Promise<void>>> = {
  'after a response': async (port) => {
    const s = await client(port);
    s.write(request('/one'));
    assert.match(await received(s, 'hello from wasinet'), /hello from wasinet: GET \/one/);
    s.resetAndDestroy();
  },
  'before the response': async (port) => {
    const s = await client(port);
    s.write(request('/two'));
    s.resetAndDestroy();
  },
  'mid-request': async (port) => {
    const s = await client(port);
    s.write('GET /three HTTP/1.1\r\nHost: gu');
    s.resetAndDestroy();
  },
};
const CLIENTS_PER_KIND = 6;

test('the wasinetapp HTTP server guest ends reset connections quietly and keeps serving', { timeout: 60_000 }, async () => {
  const out = guestOutput();
  const err = guestOutput();
  // The guest's Close is sock_shutdown(fd, 3): when as many as it accepted
  // have come, the server has dealt with every connection (panicked or not).
  let accepts = 0;
  let closes = 0;
  const stop = new AbortController();
  const done = run(guest('wasinetapp'), {
    args: ['serve', '127.0.0.1:0'],
    stdio: { stdout: out.sink, stderr: err.sink },
    net: { policy: { allowNet: ['127.0.0.1'], allowListen: ['127.0.0.1'] } },
    trace: (line) => {
      if (/^sock_accept\(.* => SUCCESS$/.test(line)) accepts++;
      else if (/^sock_shutdown\(fd=\d+, how=0x3\) => SUCCESS$/.test(line)) closes++;
    },
    signal: stop.signal,
  });
  const ended = done.then(
    (r) => r,
    () => undefined,
  );
  try {
    const [, addr] = await out.line(/^listening on (\S+)$/m);
    const port = Number(/:(\d+)$/.exec(addr!)?.[1]);
    const kinds = Object.values(RESETS);
    await Promise.all(kinds.flatMap((reset) => Array.from({ length: CLIENTS_PER_KIND }, () => reset(port))));
    // Still serving. This connection queues behind the reset ones, so once
    // it is answered the guest has accepted (or the host dropped) them all.
    const s = await client(port);
    s.write(`GET /after HTTP/1.1\r\nHost: guest\r\nConnection: close\r\n\r\n`);
    assert.match(await received(s, '(0 bytes)'), /hello from wasinet: GET \/after \(0 bytes\)/);
    s.destroy();
    await eventually(
      () => closes === accepts,
      () => `the guest to close each connection it accepted (accepted ${accepts}, closed ${closes}); stderr: ${err.text()}`,
      20_000,
    );
    assert.ok(accepts > CLIENTS_PER_KIND, `accepted ${accepts}: fewer than were answered`);
    assert.doesNotMatch(err.text(), /negative count|panic/);
    assert.equal(await (await fetch(`http://${addr}/quit`)).text(), 'bye\n');
    assert.equal((await done).exitCode, 0);
    assert.doesNotMatch(err.text(), /negative count|panic/);
  } catch (e) {
    // A guest that stopped serving fails a client: say why it stopped.
    throw new Error(`${String(e)}\nguest stderr: ${err.text()}`, { cause: e });
  } finally {
    stop.abort();
    await ended;
  }
});
