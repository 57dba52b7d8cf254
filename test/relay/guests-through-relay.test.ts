// Go guests whose sockets go through a dialtone relay (`dialtone run
// --relay`): an HTTP client, a TCP echo, a UDP echo, and the errors a
// refused or closed destination gives, which match a run without relay.
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startRelay, type Relay } from '../../src/relay/server.ts';
import { dialtone } from '../helpers/cli.ts';
import { guest } from '../helpers/paths.ts';

const BIG = Buffer.alloc(1024 * 1024);
for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 7 + (i >> 10)) & 0xff;

let relay: Relay;
const relayLog: string[] = [];
let httpServer: http.Server;
let httpPort: number;

before(async () => {
  relay = await startRelay({ port: 0, allowNet: ['127.0.0.1'], log: (l) => relayLog.push(l) });
  httpServer = http.createServer((req, res) => res.end(req.url === '/big' ? BIG : `hello from node: ${req.url}\n`));
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  httpPort = (httpServer.address() as AddressInfo).port;
});

after(async () => {
  await relay.close();
  httpServer.closeAllConnections();
  await new Promise<void>((resolve) => httpServer.close(() => resolve()));
});

test('a Go HTTP client fetches a page and 1 MiB through the relay, by IP and by name', { timeout: 60_000 }, async () => {
  const urls = [`http://127.0.0.1:${httpPort}/hello`, `http://127.0.0.1:${httpPort}/big`, `http://localhost:${httpPort}/by-name`];
  const r = await dialtone(['run', '--relay', relay.url, '--allow-net=127.0.0.1,localhost', guest('httpclient'), ...urls], {
    timeoutMs: 50_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout.toString();
  assert.match(out, /GET http:\/\/127\.0\.0\.1:\d+\/hello\nstatus: 200 OK\n/);
  assert.match(out, /body: hello from node: \/hello\n/);
  assert.match(out, new RegExp(`length: ${BIG.length}\\n`));
  assert.match(out, /body: hello from node: \/by-name\n/);
});

test('a TCP echo of 1 MiB makes the round trip through the relay', { timeout: 60_000 }, async () => {
  // benchecho half-closes when done; Wisp has no half-close, so this server
  // ends the connection itself once it has echoed everything.
  const total = 1024 * 1024;
  const server = net.createServer((s) => {
    let n = 0;
    s.on('data', (b) => {
      n += b.length;
      s.write(b);
      if (n >= total) s.end();
    });
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    const r = await dialtone(
      ['run', '--relay', relay.url, '--allow-net=127.0.0.1', guest('benchecho'), 'stream', `127.0.0.1:${port}`, '1'],
      {
        timeoutMs: 50_000,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.toString(), new RegExp(`^echoed ${total} bytes in \\d+ ns, crc32 [0-9a-f]+\\n$`));
  } finally {
    server.close();
  }
});

test('UDP datagrams make the round trip through the relay (udpecho client, node:dgram echo server)', { timeout: 60_000 }, async () => {
  const server = dgram.createSocket('udp4');
  server.on('message', (data, rinfo) => server.send(`echo: ${data.toString()}`, rinfo.port, rinfo.address));
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  try {
    const messages = ['first datagram', 'x'.repeat(8000)];
    const r = await dialtone(
      ['run', '--relay', relay.url, '--allow-net=127.0.0.1', guest('udpecho'), 'client', `127.0.0.1:${server.address().port}`, ...messages],
      { timeoutMs: 50_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.toString(), messages.map((m) => `reply: echo: ${m}\n`).join(''));
  } finally {
    server.close();
  }
});

test(
  'a destination the relay refuses gives the guest "connect: Permission denied", as the local policy does',
  { timeout: 60_000 },
  async () => {
    let seen = 0;
    const sink = net.createServer((s) => {
      seen++;
      s.destroy();
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.2', resolve));
    try {
      const port = (sink.address() as AddressInfo).port;
      relayLog.length = 0;
      // The guest's own policy allows 127.0.0.0/8; the relay allows only 127.0.0.1.
      const r = await dialtone(
        ['run', '--relay', relay.url, '--allow-net=127.0.0.0/8', guest('connerrors'), 'denied', `127.0.0.2:${port}`],
        {
          timeoutMs: 50_000,
        },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.toString(), `denied: dial tcp 127.0.0.2:${port}: connect: Permission denied\n`);
      assert.equal(seen, 0);
      assert.equal(relayLog.length, 1, relayLog.join('\n'));
      assert.match(relayLog[0]!, /^relay: refused stream \d+ from 127\.0\.0\.1:\d+ to 127\.0\.0\.2:\d+ \(tcp\): .*not in --allow-net/);
    } finally {
      sink.close();
    }
  },
);

test('a closed port through the relay gives "connect: connection refused", as without relay', { timeout: 60_000 }, async () => {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const args = [guest('connerrors'), 'refused', `127.0.0.1:${port}`];
  const direct = await dialtone(['run', '--allow-net=127.0.0.1', ...args], { timeoutMs: 50_000 });
  const relayed = await dialtone(['run', '--relay', relay.url, '--allow-net=127.0.0.1', ...args], { timeoutMs: 50_000 });
  assert.equal(relayed.status, 0, relayed.stderr);
  assert.equal(relayed.stdout.toString(), direct.stdout.toString());
  assert.match(relayed.stdout.toString(), /connect: connection refused\n$/i);
});

test('a relay that cannot be reached is a one-line dialtone error, exit 1', { timeout: 60_000 }, async () => {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const r = await dialtone(['run', '--relay', `ws://127.0.0.1:${port}/`, '--allow-net', guest('hello')], { timeoutMs: 50_000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`^dialtone: cannot reach relay ws://127\\.0\\.0\\.1:${port}/: .+\\n$`));
});
