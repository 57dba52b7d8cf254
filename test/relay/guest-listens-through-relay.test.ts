// A Go net/http server guest listening through a relay (`dialtone run
// --relay` against `dialtone relay --allow-listen`): the relay binds the port
// and hands the guest each connection (docs/wisp-extensions.md); a Go UDP
// server guest binds a UDP port there the same way. A relay
// that does not offer listening makes it "not supported"; one that refuses
// the address, "permission denied", with a log line.
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { after, before, test } from 'node:test';
import { startRelay } from '../../src/relay/server.ts';
import { dialtone, startDialtone, type RunningCli } from '../helpers/cli.ts';
import { guest } from '../helpers/paths.ts';

let relayCli: RunningCli;
let relayUrl: string;

before(async () => {
  // The real command, so that the flag is tested as users give it.
  relayCli = startDialtone(['relay', '--listen', '127.0.0.1:0', '--allow-net=127.0.0.1', '--allow-listen=127.0.0.1'], {
    timeoutMs: 170_000,
  });
  const [, url, rest] = await relayCli.waitForLine(/^dialtone relay listening on (ws:\/\/127\.0\.0\.1:\d+\/) \((.*)\)$/);
  assert.equal(rest, 'destinations: 127.0.0.1; clients may listen on: 127.0.0.1');
  relayUrl = url!;
});

after(async () => {
  relayCli?.kill();
  await relayCli?.exited;
});

test('a Go HTTP server guest listens through the relay and answers requests from the host', { timeout: 60_000 }, async () => {
  const g = startDialtone(['run', '--relay', relayUrl, '--allow-listen=127.0.0.1', guest('httpserver'), '127.0.0.1:0'], {
    timeoutMs: 50_000,
  });
  try {
    const [, addr] = await g.waitForLine(/^listening on (127\.0\.0\.1:\d+)$/);
    const res = await fetch(`http://${addr}/hello`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello from wasm: GET /hello (0 bytes)\n');
    // 1 MiB each way, several requests on one connection and on several.
    const big = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 12)) & 0xff;
    const echoes = await Promise.all(
      [0, 1, 2].map(async () => Buffer.from(await (await fetch(`http://${addr}/echo`, { method: 'POST', body: big })).arrayBuffer())),
    );
    for (const e of echoes) assert.ok(e.equals(big), 'the echo is the request body');
    assert.equal(await (await fetch(`http://${addr}/quit`)).text(), 'bye\n');
    const r = await g.exited;
    assert.equal(r.status, 0, r.stderr);
  } finally {
    g.kill();
    await g.exited;
  }
});

test('a listen the relay refuses is "permission denied" for the guest, and the relay logs why', { timeout: 60_000 }, async () => {
  // The guest's own policy allows 127.0.0.0/8; the relay allows only 127.0.0.1.
  const r = await dialtone(['run', '--relay', relayUrl, '--allow-listen=127.0.0.0/8', guest('httpserver'), '127.0.0.2:0'], {
    timeoutMs: 50_000,
  });
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr, 'listen: listen tcp 127.0.0.2:0: listen: Permission denied\n');
  for (let i = 0; i < 100 && !relayCli.stderr().includes('refused listen'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.match(
    relayCli.stderr(),
    /^relay: refused listen 1 from 127\.0\.0\.1:\d+ on 127\.0\.0\.2:0 \(tcp\): listen on 127\.0\.0\.2:0 refused: not in --allow-listen \(allowed: 127\.0\.0\.1\)$/m,
  );
});

test('through a relay without --allow-listen, listening is "not supported", as through any Wisp relay', { timeout: 60_000 }, async () => {
  const log: string[] = [];
  const relay = await startRelay({ port: 0, allowNet: ['127.0.0.1'], log: (l) => log.push(l) });
  try {
    const r = await dialtone(['run', '--relay', relay.url, '--allow-listen=127.0.0.1', guest('httpserver'), '127.0.0.1:0'], {
      timeoutMs: 50_000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, 'listen: listen tcp 127.0.0.1:0: listen: Not supported\n');
    assert.deepEqual(log, [], 'the client asks nothing of a relay that did not offer the extension');
  } finally {
    await relay.close();
  }
});

test('dialtone relay refuses a bad --allow-listen entry as a usage error, exit 2', { timeout: 30_000 }, async () => {
  const r = await dialtone(['relay', '--listen', '127.0.0.1:0', '--allow-listen=127.0.0.1:99999'], { timeoutMs: 20_000 });
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'dialtone: --allow-listen entry "127.0.0.1:99999": port 99999 is out of range (0-65535)\n');
});

test(
  'a Go UDP server guest binds a port through the relay and echoes datagrams from a node:dgram client',
  { timeout: 60_000 },
  async () => {
    const g = startDialtone(['run', '--relay', relayUrl, '--allow-listen=127.0.0.1', guest('udpecho'), 'server', '127.0.0.1:0', '3'], {
      timeoutMs: 50_000,
    });
    const client = dgram.createSocket('udp4');
    try {
      const [, port] = await g.waitForLine(/^listening on 127\.0\.0\.1:(\d+)$/);
      await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
      const replies: { text: string; port: number }[] = [];
      client.on('message', (msg, rinfo) => replies.push({ text: msg.toString(), port: rinfo.port }));
      // Each word once: loopback and the relay's stream do not drop, and a
      // resent word would be echoed twice and use up the guest's three.
      for (const word of ['alpha', 'beta', 'gamma']) {
        const before = replies.length;
        client.send(word, Number(port), '127.0.0.1');
        for (let i = 0; i < 500 && replies.length === before; i++) await new Promise((resolve) => setTimeout(resolve, 20));
        assert.deepEqual(replies.at(-1), { text: word, port: Number(port) }, 'the echo comes from the port the guest bound');
      }
      const r = await g.exited;
      assert.equal(r.status, 0, r.stderr);
      assert.match(String(r.stdout), /echoed alpha\nechoed beta\nechoed gamma\n$/);
    } finally {
      client.close();
      g.kill();
      await g.exited;
    }
  },
);
