// The in-memory network driver (src/netdev/memory/) beyond the NetDriver
// contract: ports and their conflicts, ephemeral ports, refusals, the
// accept queue, resets, lookups from the hosts table, the datagram queue
// bound, many connections at once, and that it stays portable.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { build } from 'esbuild';
import { isNameNotFound } from '../../src/dns/resolver.ts';
import { SysError, type Errno } from '../../src/internal/errno.ts';
import { MAX_QUEUED_DATAGRAMS } from '../../src/netdev/datagram-queue.ts';
import { ipEndpoint, type IpEndpoint } from '../../src/netdev/endpoint.ts';
import { MemoryNetwork } from '../../src/netdev/memory/network.ts';
import { STREAM_BUFFER } from '../../src/netdev/memory/pipe.ts';
import { EPHEMERAL_FIRST } from '../../src/netdev/memory/ports.ts';
import { MAX_WAITING_CONNECTS } from '../../src/netdev/memory/stream.ts';
import type { NetSocket } from '../../src/netdev/socket.ts';
import { MAX_BACKLOG } from '../../src/netdev/stream-limits.ts';
import { repoRoot } from '../helpers/paths.ts';
import { errnoOf, ready } from '../helpers/readiness.ts';

/** Lets queued microtasks (wake-ups, connects) run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function listener(net: MemoryNetwork, address = '127.0.0.1', port = 0, backlog = 16): NetSocket {
  const family = address.includes(':') ? 'ipv6' : 'ipv4';
  const l = net.socket(family, 'stream');
  void l.bind(ipEndpoint(address, port));
  void l.listen(backlog);
  return l;
}

const portOf = (s: NetSocket): number => (s.localEndpoint() as IpEndpoint).port;

/** Starts a connect (EINPROGRESS); returns the socket. */
function dial(net: MemoryNetwork, address: string, port: number): NetSocket {
  const sock = net.socket(address.includes(':') ? 'ipv6' : 'ipv4', 'stream');
  assert.equal(
    errnoOf(() => sock.connect(ipEndpoint(address, port))),
    'EINPROGRESS',
  );
  return sock;
}

/** A connected pair: the dialling socket (to `address`, default the listener's) and the accepted one. */
async function pair(net: MemoryNetwork, l: NetSocket, address?: string): Promise<{ client: NetSocket; server: NetSocket }> {
  const local = l.localEndpoint() as IpEndpoint;
  const client = dial(net, address ?? local.address, local.port);
  await ready(client, 'write');
  assert.equal(client.takeError(), undefined);
  await ready(l, 'read');
  return { client, server: l.accept() };
}

function recvText(sock: NetSocket, size = 1024): string {
  const buf = new Uint8Array(size);
  const r = sock.recv([buf], false);
  return new TextDecoder().decode(buf.subarray(0, r.n));
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('ports', () => {
  test('EADDRINUSE for a taken address and port; wildcards conflict with the addresses they cover; TCP and UDP are separate', () => {
    const net = new MemoryNetwork();
    const bind = (family: 'ipv4' | 'ipv6', type: 'stream' | 'dgram', address: string, port: number): Errno | undefined =>
      errnoOf(() => net.socket(family, type).bind(ipEndpoint(address, port)));
    assert.equal(bind('ipv4', 'stream', '127.0.0.1', 8080), undefined);
    assert.equal(bind('ipv4', 'stream', '127.0.0.1', 8080), 'EADDRINUSE');
    assert.equal(bind('ipv4', 'stream', '0.0.0.0', 8080), 'EADDRINUSE', '0.0.0.0 covers 127.0.0.1');
    assert.equal(bind('ipv6', 'stream', '::', 8080), 'EADDRINUSE', ':: is dual-stack: it covers IPv4 too');
    assert.equal(bind('ipv6', 'stream', '::ffff:127.0.0.1', 8080), 'EADDRINUSE', 'an IPv4-mapped address is the IPv4 address');
    assert.equal(bind('ipv4', 'stream', '127.0.0.2', 8080), undefined, 'another address, same port');
    assert.equal(bind('ipv6', 'stream', '::1', 8080), undefined, '::1 is not covered by an IPv4 binding');
    assert.equal(bind('ipv4', 'dgram', '127.0.0.1', 8080), undefined, 'UDP ports are not TCP ports');
    assert.equal(bind('ipv4', 'dgram', '0.0.0.0', 8080), 'EADDRINUSE');

    assert.equal(bind('ipv4', 'stream', '0.0.0.0', 9090), undefined);
    assert.equal(bind('ipv4', 'stream', '10.1.2.3', 9090), 'EADDRINUSE', 'a wildcard binding covers every IPv4 address');
    assert.equal(bind('ipv6', 'stream', '::1', 9090), undefined, '0.0.0.0 does not cover IPv6');
    assert.equal(bind('ipv6', 'stream', '::', 9090), 'EADDRINUSE');
  });

  test('closing a socket frees its port; binding twice is EINVAL; bad addresses and families are refused', () => {
    const net = new MemoryNetwork();
    const a = net.socket('ipv4', 'stream');
    a.bind(ipEndpoint('127.0.0.1', 7000));
    assert.equal(
      errnoOf(() => a.bind(ipEndpoint('127.0.0.1', 7001))),
      'EINVAL',
    );
    a.close();
    const b = net.socket('ipv4', 'stream');
    assert.equal(
      errnoOf(() => b.bind(ipEndpoint('127.0.0.1', 7000))),
      undefined,
    );
    assert.equal(
      errnoOf(() => net.socket('ipv4', 'stream').bind(ipEndpoint('::1', 1))),
      'EAFNOSUPPORT',
    );
    assert.equal(
      errnoOf(() => net.socket('ipv4', 'dgram').bind(ipEndpoint('224.0.0.1', 1))),
      'EADDRNOTAVAIL',
    );
    assert.equal(
      errnoOf(() => net.socket('ipv6', 'dgram').bind(ipEndpoint('ff02::1', 1))),
      'EADDRNOTAVAIL',
    );
    assert.equal(
      errnoOf(() => net.socket('ipv4', 'stream').bind({ kind: 'ip', family: 4, address: '127.0.0.1', port: 70000 })),
      'EINVAL',
    );
    assert.equal(
      errnoOf(() => net.socket('unix', 'stream')),
      'EAFNOSUPPORT',
    );
    assert.equal(
      errnoOf(() => net.socket('unix', 'dgram')),
      'EAFNOSUPPORT',
    );
  });

  test('port 0 takes ephemeral ports in order from 49152, skipping taken ones; a listener unbound gets the wildcard', async () => {
    const net = new MemoryNetwork();
    const taken = net.socket('ipv4', 'stream');
    taken.bind(ipEndpoint('127.0.0.1', EPHEMERAL_FIRST + 1));
    const a = listener(net);
    assert.deepEqual(a.localEndpoint(), ipEndpoint('127.0.0.1', EPHEMERAL_FIRST));
    const b = net.socket('ipv4', 'stream');
    b.listen(1);
    assert.deepEqual(b.localEndpoint(), ipEndpoint('0.0.0.0', EPHEMERAL_FIRST + 2), '49153 is taken');
    const unbound = net.socket('ipv6', 'stream');
    assert.deepEqual(unbound.localEndpoint(), ipEndpoint('::', 0));

    // A connect binds implicitly: an ephemeral port on the loopback address of the destination's family.
    const { client, server } = await pair(net, a);
    assert.deepEqual(client.localEndpoint(), ipEndpoint('127.0.0.1', EPHEMERAL_FIRST + 3));
    assert.deepEqual(client.remoteEndpoint(), ipEndpoint('127.0.0.1', EPHEMERAL_FIRST));
    assert.deepEqual(server.remoteEndpoint(), client.localEndpoint());
    assert.deepEqual(server.localEndpoint(), client.remoteEndpoint());
    assert.deepEqual(net.boundPorts, { tcp: 4, udp: 0 }, 'accepted connections hold no port of their own');
    for (const s of [taken, a, b, client, server]) s.close();
    assert.deepEqual(net.boundPorts, { tcp: 0, udp: 0 });
  });

  test('an IPv6 listener on :: is dual-stack: it accepts IPv4 clients, seen as IPv4-mapped', async () => {
    const net = new MemoryNetwork();
    const l = listener(net, '::', 8443);
    const { client, server } = await pair(net, l, '127.0.0.1');
    assert.deepEqual(client.remoteEndpoint(), ipEndpoint('127.0.0.1', 8443));
    assert.deepEqual(server.localEndpoint(), ipEndpoint('::ffff:127.0.0.1', 8443));
    assert.deepEqual(server.remoteEndpoint(), ipEndpoint('::ffff:127.0.0.1', (client.localEndpoint() as IpEndpoint).port));
    // And an IPv6 client reaches it on ::1, or by the IPv4-mapped form of an IPv4 address.
    const six = dial(net, '::1', 8443);
    const mapped = dial(net, '::ffff:7f00:1', 8443);
    await ready(six, 'write');
    await ready(mapped, 'write');
    assert.equal(six.takeError(), undefined);
    assert.equal(mapped.takeError(), undefined);
    assert.deepEqual(mapped.localEndpoint(), ipEndpoint('::ffff:127.0.0.1', (mapped.localEndpoint() as IpEndpoint).port));
  });
});

describe('connecting', () => {
  test('ECONNREFUSED (through takeError, after EINPROGRESS) when nothing listens, or the port is only bound', async () => {
    const net = new MemoryNetwork();
    const nothing = dial(net, '127.0.0.1', 5555);
    assert.equal(nothing.poll('write').ready, false, 'the connect completes later, not inside connect');
    await ready(nothing, 'write');
    assert.equal(nothing.takeError(), 'ECONNREFUSED');
    assert.equal(nothing.takeError(), undefined, 'SO_ERROR is cleared by reading it');
    assert.equal(
      errnoOf(() => nothing.send([bytes('x')])),
      'ENOTCONN',
    );

    const bound = net.socket('ipv4', 'stream');
    bound.bind(ipEndpoint('10.0.0.5', 80));
    const notListening = dial(net, '10.0.0.5', 80);
    await ready(notListening, 'write');
    assert.equal(notListening.takeError(), 'ECONNREFUSED');
  });

  test('a connect to an address with a listener on the wildcard reaches it; connect to 0.0.0.0 is loopback', async () => {
    const net = new MemoryNetwork();
    const l = listener(net, '0.0.0.0', 80);
    const far = dial(net, '192.0.2.77', 80);
    await ready(far, 'write');
    assert.equal(far.takeError(), undefined);
    const conn = l.accept();
    assert.deepEqual(conn.localEndpoint(), ipEndpoint('192.0.2.77', 80), 'the accepted side sees the address dialled');
    const any = dial(net, '0.0.0.0', 80);
    await ready(any, 'write');
    assert.deepEqual(any.remoteEndpoint(), ipEndpoint('127.0.0.1', 80));
  });

  test('connect twice is EALREADY then EISCONN; listen on a connected socket is EINVAL', async () => {
    const net = new MemoryNetwork();
    const l = listener(net);
    const sock = dial(net, '127.0.0.1', portOf(l));
    assert.equal(
      errnoOf(() => sock.connect(ipEndpoint('127.0.0.1', portOf(l)))),
      'EALREADY',
    );
    await ready(sock, 'write');
    assert.equal(
      errnoOf(() => sock.connect(ipEndpoint('127.0.0.1', portOf(l)))),
      'EISCONN',
    );
    assert.equal(
      errnoOf(() => sock.listen(1)),
      'EINVAL',
    );
  });

  test('the accept queue holds `backlog` connections; further connects wait in progress until an accept makes room', async () => {
    const net = new MemoryNetwork();
    const l = listener(net, '127.0.0.1', 0, 2);
    const port = portOf(l);
    const clients = [dial(net, '127.0.0.1', port), dial(net, '127.0.0.1', port), dial(net, '127.0.0.1', port)];
    await settle();
    assert.deepEqual(
      clients.map((c) => c.poll('write').ready),
      [true, true, false],
    );
    assert.deepEqual(l.poll('read'), { ready: true, nbytes: 2, hangup: false });
    assert.equal(
      errnoOf(() => clients[2]?.send([bytes('x')])),
      'EAGAIN',
      'still connecting',
    );
    l.accept();
    await ready(clients[2] as NetSocket, 'write');
    assert.equal(clients[2]?.takeError(), undefined);
    assert.equal(l.poll('read').nbytes, 2);

    // Closing the listener resets what it had not accepted and refuses what waits.
    const waiting = dial(net, '127.0.0.1', port);
    await settle();
    assert.equal(waiting.poll('write').ready, false);
    l.close();
    await ready(waiting, 'write');
    assert.equal(waiting.takeError(), 'ECONNREFUSED');
    const unaccepted = clients[1] as NetSocket;
    await ready(unaccepted, 'read');
    assert.equal(
      errnoOf(() => unaccepted.recv([new Uint8Array(4)], false)),
      'ECONNRESET',
    );
    assert.equal(unaccepted.recv([new Uint8Array(4)], false).n, 0, 'then end of stream');
  });

  test('listen again changes the backlog and admits waiting connects', async () => {
    const net = new MemoryNetwork();
    const l = listener(net, '127.0.0.1', 0, 1);
    const a = dial(net, '127.0.0.1', portOf(l));
    const b = dial(net, '127.0.0.1', portOf(l));
    await settle();
    assert.equal(b.poll('write').ready, false);
    l.listen(8);
    await ready(a, 'write');
    await ready(b, 'write');
    assert.equal(b.takeError(), undefined);
  });

  test(`at most ${MAX_WAITING_CONNECTS} connects wait for room; one past that is refused (ECONNREFUSED)`, async () => {
    const net = new MemoryNetwork();
    const l = listener(net, '127.0.0.1', 0, 1);
    const port = portOf(l);
    const queued = dial(net, '127.0.0.1', port);
    const waiting: NetSocket[] = [];
    for (let i = 0; i < MAX_WAITING_CONNECTS; i++) waiting.push(dial(net, '127.0.0.1', port));
    await settle();
    assert.equal(queued.poll('write').ready, true);
    assert.equal(
      waiting.some((c) => c.poll('write').ready),
      false,
      'all still in progress',
    );
    const over = dial(net, '127.0.0.1', port);
    await ready(over, 'write');
    assert.equal(over.takeError(), 'ECONNREFUSED');
    // An accept makes room: the first waiting connect is established, and there is room to wait again.
    l.accept();
    await ready(waiting[0] as NetSocket, 'write');
    assert.equal(waiting[0]?.takeError(), undefined);
    const again = dial(net, '127.0.0.1', port);
    await settle();
    assert.equal(again.poll('write').ready, false, 'waits');
    l.close();
    await ready(again, 'write');
    assert.equal(again.takeError(), 'ECONNREFUSED');
  });

  test('listen(-1), as a guest passes it (a u32 0xffffffff), is the largest backlog, not 1', async () => {
    const net = new MemoryNetwork();
    const l = net.socket('ipv4', 'stream');
    l.bind(ipEndpoint('127.0.0.1', 0));
    void l.listen(0xffff_ffff);
    const clients = [dial(net, '127.0.0.1', portOf(l)), dial(net, '127.0.0.1', portOf(l)), dial(net, '127.0.0.1', portOf(l))];
    await settle();
    assert.deepEqual(
      clients.map((c) => c.poll('write').ready),
      [true, true, true],
    );
    assert.equal(l.poll('read').nbytes, 3);
    assert.ok(MAX_BACKLOG >= 3);
  });

  test('closing a socket whose connect waits in the queue withdraws it', async () => {
    const net = new MemoryNetwork();
    const l = listener(net, '127.0.0.1', 0, 1);
    dial(net, '127.0.0.1', portOf(l));
    const gone = dial(net, '127.0.0.1', portOf(l));
    const next = dial(net, '127.0.0.1', portOf(l));
    await settle();
    gone.close();
    l.accept();
    await ready(next, 'write');
    assert.equal(next.takeError(), undefined);
  });
});

describe('streams', () => {
  test('wake-ups come after the call that caused them, in a later microtask', async () => {
    const net = new MemoryNetwork();
    const { client, server } = await pair(net, listener(net));
    let woken = false;
    server.onReady('read', () => (woken = true));
    client.send([bytes('hi')]);
    assert.equal(woken, false, 'not inside send');
    assert.equal(server.poll('read').nbytes, 2, 'the data is there already');
    await Promise.resolve();
    await Promise.resolve();
    assert.equal(woken, true);
  });

  test('a cancelled wake-up is not called', async () => {
    const net = new MemoryNetwork();
    const { client, server } = await pair(net, listener(net));
    let woken = false;
    const cancel = server.onReady('read', () => (woken = true));
    cancel();
    client.send([bytes('hi')]);
    await settle();
    assert.equal(woken, false);
  });

  test('per-direction buffers: EAGAIN when full, `whole` takes all, the writer is woken when the reader drains', async () => {
    const net = new MemoryNetwork();
    const { client, server } = await pair(net, listener(net));
    const chunk = new Uint8Array(100_000);
    let sent = 0;
    let sends = 0;
    const maxSends = Math.ceil(STREAM_BUFFER / chunk.length) + 1;
    for (; sends < maxSends; sends++) {
      const e = errnoOf(() => (sent += client.send([chunk])));
      if (e === 'EAGAIN') break;
      assert.equal(e, undefined);
    }
    assert.ok(sends < maxSends, `still no EAGAIN after ${maxSends} sends`);
    assert.equal(sent, STREAM_BUFFER, 'a short write fills the buffer exactly');
    assert.deepEqual(client.poll('write'), { ready: false, nbytes: 0, hangup: false });
    assert.equal(server.poll('read').nbytes, STREAM_BUFFER);
    const wake = ready(client, 'write');
    const buf = new Uint8Array(50_000);
    assert.equal(server.recv([buf], false).n, 50_000);
    await wake;
    assert.equal(client.poll('write').nbytes, 50_000);
    assert.equal(client.send([chunk], undefined, true), 100_000, 'whole: all of it, past the bound');
    assert.equal(
      errnoOf(() => client.send([chunk])),
      'EAGAIN',
    );
  });

  test('peek keeps data; data crosses in order, scattered and gathered', async () => {
    const net = new MemoryNetwork();
    const { client, server } = await pair(net, listener(net));
    client.send([bytes('hello '), bytes('world')]);
    const a = new Uint8Array(3);
    const b = new Uint8Array(20);
    assert.deepEqual(server.recv([a, b], true), { n: 11, truncated: false });
    assert.equal(recvText(server), 'hello world');
    assert.equal(
      errnoOf(() => server.recv([a], false)),
      'EAGAIN',
    );
  });

  test('half-close: shutdown(write) lets the peer read to end of stream and still answer', async () => {
    const net = new MemoryNetwork();
    const { client, server } = await pair(net, listener(net));
    client.send([bytes('request')]);
    client.shutdown(false, true);
    assert.equal(
      errnoOf(() => client.send([bytes('more')])),
      'EPIPE',
    );
    await ready(server, 'read');
    assert.equal(recvText(server), 'request');
    assert.deepEqual(server.poll('read'), { ready: true, nbytes: 0, hangup: true });
    assert.equal(server.recv([new Uint8Array(8)], false).n, 0);
    server.send([bytes('reply')]);
    server.close();
    await ready(client, 'read');
    assert.equal(recvText(client), 'reply');
    assert.equal(client.recv([new Uint8Array(8)], false).n, 0);
  });

  test('shutdown(read) drops what arrives, without filling the buffer', async () => {
    const net = new MemoryNetwork();
    const { client, server } = await pair(net, listener(net));
    server.shutdown(true, false);
    assert.equal(client.send([new Uint8Array(STREAM_BUFFER)]), STREAM_BUFFER);
    assert.equal(client.send([new Uint8Array(10)]), 10);
    assert.equal(server.recv([new Uint8Array(8)], false).n, 0);
  });

  test('close with nothing unread: the peer reads the rest, then end of stream; its next send is taken, then EPIPE', async () => {
    const net = new MemoryNetwork();
    const { client, server } = await pair(net, listener(net));
    server.send([bytes('last words')]);
    server.close();
    await server.closed();
    await ready(client, 'read');
    assert.equal(recvText(client), 'last words');
    assert.equal(client.recv([new Uint8Array(8)], false).n, 0);
    assert.equal(client.send([bytes('anyone?')]), 7, 'like TCP: the first write after the peer left is taken');
    assert.equal(
      errnoOf(() => client.send([bytes('anyone?')])),
      'EPIPE',
    );
    assert.equal(client.poll('write').hangup, true);
  });

  test('close with unread data resets: the peer reads what was sent, then ECONNRESET once, then EOF / EPIPE', async () => {
    const net = new MemoryNetwork();
    const { client, server } = await pair(net, listener(net));
    client.send([bytes('unread')]);
    server.send([bytes('for you')]);
    server.close(); // 'unread' was never read: a reset
    await ready(client, 'read');
    assert.equal(recvText(client), 'for you', 'what was sent before the reset is still read');
    assert.equal(
      errnoOf(() => client.recv([new Uint8Array(8)], false)),
      'ECONNRESET',
    );
    assert.equal(client.recv([new Uint8Array(8)], false).n, 0);
    assert.equal(
      errnoOf(() => client.send([bytes('x')])),
      'EPIPE',
    );
  });

  test('after a reset the next send reports ECONNRESET when it comes first', async () => {
    const net = new MemoryNetwork();
    const { client, server } = await pair(net, listener(net));
    client.send([bytes('unread')]);
    server.close();
    await settle();
    assert.equal(
      errnoOf(() => client.send([bytes('x')])),
      'ECONNRESET',
    );
    assert.equal(
      errnoOf(() => client.send([bytes('x')])),
      'EPIPE',
    );
    assert.equal(client.recv([new Uint8Array(8)], false).n, 0);
  });

  test('every call on a closed socket is EBADF; close twice is harmless', async () => {
    const net = new MemoryNetwork();
    const l = listener(net);
    const { client } = await pair(net, l);
    client.close();
    client.close();
    l.close();
    const calls: Record<string, () => unknown> = {
      send: () => client.send([bytes('x')]),
      recv: () => client.recv([new Uint8Array(1)], false),
      connect: () => client.connect(ipEndpoint('127.0.0.1', 1)),
      bind: () => client.bind(ipEndpoint('127.0.0.1', 1)),
      listen: () => client.listen(1),
      shutdown: () => client.shutdown(true, true),
      remoteEndpoint: () => client.remoteEndpoint(),
      accept: () => l.accept(),
    };
    for (const [name, call] of Object.entries(calls)) assert.equal(errnoOf(call), 'EBADF', name);
    assert.equal(client.poll('read').hangup, true);
  });

  test('options are remembered', () => {
    const net = new MemoryNetwork();
    const s = net.socket('ipv4', 'stream');
    assert.equal(s.getOption('nodelay'), 1);
    assert.equal(s.getOption('rcvbuf'), STREAM_BUFFER);
    s.setOption('keepalive', 1);
    s.setOption('reuseaddr', 1);
    assert.equal(s.getOption('keepalive'), 1);
    assert.equal(s.getOption('reuseaddr'), 1);
  });

  test('many connections at once, each echoing its own data', { timeout: 30_000 }, async () => {
    const net = new MemoryNetwork();
    const l = listener(net, '127.0.0.1', 0, 4096);
    const port = portOf(l);
    const echo = (conn: NetSocket): void => {
      const buf = new Uint8Array(4096);
      const pump = (): void => {
        for (;;) {
          let n: number;
          try {
            n = conn.recv([buf], false).n;
          } catch {
            conn.onReady('read', pump);
            return;
          }
          if (n === 0) return conn.close();
          conn.send([buf.subarray(0, n)], undefined, true);
        }
      };
      pump();
    };
    const acceptAll = (): void => {
      for (;;) {
        try {
          echo(l.accept());
        } catch {
          l.onReady('read', acceptAll);
          return;
        }
      }
    };
    acceptAll();
    const N = 500;
    const results = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const sock = dial(net, '127.0.0.1', port);
        await ready(sock, 'write');
        const msg = `message ${i} `.repeat((i % 7) + 1);
        sock.send([bytes(msg)]);
        sock.shutdown(false, true);
        let got = '';
        for (;;) {
          await ready(sock, 'read');
          const text = recvText(sock, 64);
          if (text === '') break;
          got += text;
        }
        sock.close();
        return got === msg;
      }),
    );
    assert.equal(results.filter(Boolean).length, N);
    l.close();
    assert.deepEqual(net.boundPorts, { tcp: 0, udp: 0 });
  });
});

describe('datagrams', () => {
  test('sendto/recvfrom with the sender; truncation drops the rest; a connected socket filters senders', async () => {
    const net = new MemoryNetwork();
    const a = net.socket('ipv4', 'dgram');
    a.bind(ipEndpoint('127.0.0.1', 5353));
    const b = net.socket('ipv4', 'dgram');
    assert.equal(b.send([bytes('ping')], ipEndpoint('127.0.0.1', 5353)), 4);
    assert.deepEqual(b.localEndpoint(), ipEndpoint('0.0.0.0', EPHEMERAL_FIRST), 'bound implicitly by its first send');
    await ready(a, 'read');
    const buf = new Uint8Array(2);
    assert.deepEqual(a.recv([buf], false), { n: 2, truncated: true, from: ipEndpoint('127.0.0.1', EPHEMERAL_FIRST) });
    assert.equal(
      errnoOf(() => a.recv([buf], false)),
      'EAGAIN',
    );

    const c = net.socket('ipv4', 'dgram');
    c.connect(ipEndpoint('127.0.0.1', 5353));
    assert.deepEqual(c.localEndpoint(), ipEndpoint('127.0.0.1', EPHEMERAL_FIRST + 1), 'a connected socket reports its source address');
    a.send([bytes('from a')], c.localEndpoint());
    b.send([bytes('from b')], c.localEndpoint());
    await settle();
    assert.equal(recvText(c), 'from a');
    assert.equal(
      errnoOf(() => c.recv([buf], false)),
      'EAGAIN',
      'the datagram from b was dropped',
    );
    assert.equal(
      errnoOf(() => c.connect(ipEndpoint('127.0.0.1', 1))),
      'EISCONN',
    );
  });

  test('datagrams to nobody are dropped silently; port 0, oversize, no destination and closed sockets are errors', () => {
    const net = new MemoryNetwork();
    const s = net.socket('ipv4', 'dgram');
    assert.equal(s.send([bytes('lost')], ipEndpoint('10.9.9.9', 9)), 4);
    assert.equal(s.takeError(), undefined);
    assert.equal(
      errnoOf(() => s.send([bytes('x')], ipEndpoint('127.0.0.1', 0))),
      'EINVAL',
    );
    assert.equal(
      errnoOf(() => s.send([new Uint8Array(65508)], ipEndpoint('127.0.0.1', 9))),
      'EMSGSIZE',
    );
    assert.equal(
      errnoOf(() => s.send([bytes('x')])),
      'EDESTADDRREQ',
    );
    assert.equal(
      errnoOf(() => s.send([bytes('x')], ipEndpoint('::1', 9))),
      'EAFNOSUPPORT',
    );
    assert.equal(
      errnoOf(() => s.listen(1)),
      'ENOTSUP',
    );
    s.close();
    assert.equal(
      errnoOf(() => s.send([bytes('x')], ipEndpoint('127.0.0.1', 9))),
      'EBADF',
    );
    assert.equal(
      errnoOf(() => s.recv([new Uint8Array(1)], false)),
      'EBADF',
    );
  });

  test(`the receive queue is bounded (${MAX_QUEUED_DATAGRAMS} datagrams): past it datagrams are dropped, as a full socket buffer drops them`, async () => {
    const net = new MemoryNetwork();
    const r = net.socket('ipv4', 'dgram');
    r.bind(ipEndpoint('127.0.0.1', 6000));
    const s = net.socket('ipv4', 'dgram');
    for (let i = 0; i < MAX_QUEUED_DATAGRAMS + 100; i++) s.send([bytes(String(i))], ipEndpoint('127.0.0.1', 6000));
    let n = 0;
    let last = '';
    const cap = MAX_QUEUED_DATAGRAMS + 100;
    for (; n < cap; n++) {
      try {
        last = recvText(r);
      } catch {
        break;
      }
    }
    assert.ok(n < cap, `recv still succeeding after ${cap} datagrams`);
    assert.equal(n, MAX_QUEUED_DATAGRAMS);
    assert.equal(last, String(MAX_QUEUED_DATAGRAMS - 1), 'the newest were dropped');
  });

  test('an IPv6 socket on :: receives from IPv4 senders as IPv4-mapped; the receive filter sees them so', async () => {
    const net = new MemoryNetwork();
    const r = net.socket('ipv6', 'dgram');
    r.bind(ipEndpoint('::', 7000));
    const seen: string[] = [];
    r.setReceiveFilter?.((from) => {
      seen.push(from.kind === 'ip' ? from.address : from.path);
      return seen.length === 1;
    });
    const s = net.socket('ipv4', 'dgram');
    s.send([bytes('one')], ipEndpoint('127.0.0.1', 7000));
    s.send([bytes('two')], ipEndpoint('127.0.0.1', 7000));
    await ready(r, 'read');
    const got = r.recv([new Uint8Array(8)], false);
    assert.equal(got.n, 3);
    assert.equal((got.from as IpEndpoint).address, '::ffff:127.0.0.1');
    assert.deepEqual(seen, ['::ffff:127.0.0.1', '::ffff:127.0.0.1']);
    assert.equal(
      errnoOf(() => r.recv([new Uint8Array(8)], false)),
      'EAGAIN',
      'the filter dropped the second',
    );
  });
});

describe('lookup', () => {
  const net = new MemoryNetwork({ hosts: { 'api.test': ['10.0.0.2', 'fd00::2'], 'Mixed.Case.test': ['10.0.0.3'] } });

  test('answers from the hosts table, IPv4 first, by family; names are case-insensitive, a trailing dot ignored', async () => {
    assert.deepEqual(await net.lookup('api.test'), ['10.0.0.2', 'fd00::2']);
    assert.deepEqual(await net.lookup('api.test', 4), ['10.0.0.2']);
    assert.deepEqual(await net.lookup('api.test', 6), ['fd00::2']);
    assert.deepEqual(await net.lookup('mixed.case.test.'), ['10.0.0.3']);
    assert.deepEqual(await net.lookup('mixed.case.test', 6), [], 'a known name without that family: no addresses');
  });

  test('localhost is 127.0.0.1 and ::1; an IP literal answers itself', async () => {
    assert.deepEqual(await net.lookup('localhost'), ['127.0.0.1', '::1']);
    assert.deepEqual(await net.lookup('app.localhost', 6), ['::1']);
    assert.deepEqual(await net.lookup('192.0.2.1'), ['192.0.2.1']);
    assert.deepEqual(await net.lookup('192.0.2.1', 6), []);
  });

  test('an unknown name rejects with ENOTFOUND, as the resolver reads "not found"', async () => {
    const err = await net.lookup('nowhere.test').then(
      () => assert.fail('resolved'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof SysError);
    assert.equal(err.errno, 'ENOENT');
    assert.equal(err.code, 'ENOTFOUND');
    assert.ok(isNameNotFound(err));
  });

  test('a hosts table with a bad address is a TypeError', () => {
    assert.throws(() => new MemoryNetwork({ hosts: { 'a.test': ['not-an-ip'] } }), TypeError);
  });
});

describe('portability', () => {
  const dir = join(repoRoot, 'src', 'netdev', 'memory');

  test('the memory driver bundles for browsers (esbuild fails on any node: import)', async () => {
    const result = await build({
      entryPoints: [join(dir, 'network.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      logLevel: 'silent',
    });
    assert.equal(result.errors.length, 0);
  });

  test('its sources use no Node globals (Buffer, process)', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length > 0);
    const code = (f: string): string =>
      readFileSync(join(dir, f), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
    const bad = files.filter((f) => /\bBuffer\b|\bprocess\./.test(code(f)));
    assert.deepEqual(bad, []);
  });
});
