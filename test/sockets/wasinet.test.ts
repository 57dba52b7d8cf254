// Go guests built with github.com/egdaemon/wasinet (the wasinet_v0 host
// module), checked against real peers on loopback.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { dialtone, startDialtone } from '../helpers/cli.ts';
import { guest, tempDir } from '../helpers/paths.ts';

// Loopback only: every run below is allowed exactly this much network.
const POLICY = ['--allow-net=127.0.0.1,::1,localhost', '--allow-listen=127.0.0.1,::1'];
const run = (...args: string[]): string[] => ['run', ...POLICY, guest('wasinetapp'), ...args];

/** A TCP port that was just free (listened on, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as AddressInfo;
  s.close();
  await once(s, 'close');
  return port;
}

test('autohijack + http.Get fetches from a server on the host, by address and by localhost', { timeout: 60_000 }, async () => {
  const srv = createHttpServer((req, res) => res.end(`host saw ${req.method} ${req.url}\n`)).listen(0, '127.0.0.1');
  await once(srv, 'listening');
  try {
    const { port } = srv.address() as AddressInfo;
    for (const host of ['127.0.0.1', 'localhost']) {
      const r = await dialtone(run('get', `http://${host}:${port}/from-guest`));
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.toString(), 'status 200: host saw GET /from-guest\n');
    }
  } finally {
    srv.close();
  }
});

test('a wasinet.Listen HTTP server answers requests from the host', { timeout: 60_000 }, async () => {
  const g = startDialtone(run('serve', '127.0.0.1:0'));
  try {
    const [, addr] = await g.waitForLine(/^listening on (\S+)$/);
    const body = 'x'.repeat(200_000);
    const answers = await Promise.all(
      [0, 1, 2, 3].map(async (i) => (await fetch(`http://${addr}/r${i}`, { method: 'POST', body })).text()),
    );
    assert.deepEqual(
      answers,
      [0, 1, 2, 3].map((i) => `hello from wasinet: POST /r${i} (200000 bytes)\n`),
    );
    assert.equal(await (await fetch(`http://${addr}/quit`)).text(), 'bye\n');
    assert.equal((await g.exited).status, 0);
  } finally {
    g.kill();
  }
});

test('one guest runs a server and a client against it', { timeout: 60_000 }, async () => {
  const r = await dialtone(run('both'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.toString(), 'status 200: hello from wasinet: GET /from-myself (0 bytes)\n');
});

test('UDP echo through wasinet.ListenPacket, over IPv4 and IPv6', { timeout: 60_000 }, async () => {
  for (const [bind, type] of [
    ['127.0.0.1:0', 'udp4'],
    ['[::1]:0', 'udp6'],
  ] as const) {
    const g = startDialtone(run('udpecho', bind, '3'));
    const client = createSocket(type);
    try {
      const [, addr] = await g.waitForLine(/^listening on (\S+)$/);
      const m = /^\[?([^\]]+)\]?:(\d+)$/.exec(addr as string);
      assert.ok(m, addr);
      const replies: string[] = [];
      for (const msg of ['one', 'two', 'three']) {
        client.send(msg, Number(m[2]), m[1]);
        const [reply] = (await once(client, 'message')) as [Buffer];
        replies.push(reply.toString());
      }
      assert.deepEqual(replies, ['one', 'two', 'three']);
      assert.equal((await g.exited).status, 0);
    } finally {
      client.close();
      g.kill();
    }
  }
});

test('a Unix socket is dialed through its preopened directory', { timeout: 60_000 }, async () => {
  const d = tempDir();
  const srv = createServer((c) => c.once('data', (b) => c.end(`host got ${b.toString().trim()}\n`))).listen(join(d.path, 'app.sock'));
  await once(srv, 'listening');
  try {
    const r = await dialtone([
      'run',
      ...POLICY,
      `--allow-net=${d.path}`,
      '--dir',
      `${d.path}:/run`,
      guest('wasinetapp'),
      'dial',
      'unix',
      '/run/app.sock',
      'ping',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'reply: host got ping\n');
  } finally {
    srv.close();
    d.cleanup();
  }
});

test('a dial to a closed port fails within a second with "connection refused"', { timeout: 60_000 }, async () => {
  const port = await closedPort();
  const r = await dialtone(run('dial', 'tcp', `127.0.0.1:${port}`, 'x'));
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stdout.toString(), /^dial error after <1s=true: .*connection refused\n$/i);
});

test('a dial refused by the policy fails with a permission error, and --trace says which rule', { timeout: 60_000 }, async () => {
  const r = await dialtone(['run', '--trace', '--allow-net=::1', guest('wasinetapp'), 'dial', 'tcp', '127.0.0.1:9', 'x']);
  assert.equal(r.status, 3);
  assert.match(r.stdout.toString(), /^dial error after <1s=true: .*permission denied\n$/i);
  assert.match(r.stderr, /^policy: connect to 127\.0\.0\.1:9 refused: not in --allow-net \(allowed: ::1\)$/m);
});

test('SO_RCVTIMEO set by a read deadline ends a read with ETIMEDOUT, on time', { timeout: 60_000 }, async () => {
  const silent = createServer(() => {}).listen(0, '127.0.0.1');
  await once(silent, 'listening');
  try {
    const { port } = silent.address() as AddressInfo;
    const r = await dialtone(run('readtimeout', `127.0.0.1:${port}`, '300'));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.toString(), /^read error: .*(timed out|timeout).*; after deadline: true; within 1s of it: true\n$/i);
  } finally {
    silent.close();
  }
});
