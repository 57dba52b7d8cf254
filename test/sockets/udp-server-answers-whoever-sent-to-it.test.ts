// A Go UDP server (dispatchrun/net's ListenPacket, ReadFrom / WriteTo) run
// with --allow-listen=127.0.0.1 and no --allow-net may answer whoever just
// sent to it, as a TCP server may write back on a connection it accepted;
// it may not send anywhere else (udpanswer tries), and --deny-net covering
// a client wins: that client's datagram never reaches the guest.
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDialtone, type RunningCli } from '../helpers/cli.ts';
import { guest } from '../helpers/paths.ts';

/** A node:dgram socket bound on `host`, recording what it receives. */
async function peer(host: string): Promise<{ s: dgram.Socket; port: number; got: string[] }> {
  const s = dgram.createSocket('udp4');
  const got: string[] = [];
  s.on('message', (m) => got.push(m.toString()));
  await new Promise<void>((resolve) => s.bind(0, host, resolve));
  return { s, port: s.address().port, got };
}

/** Waits until `got` holds `n` datagrams or `ms` pass. */
async function arrived(got: string[], n: number, ms = 5_000): Promise<void> {
  for (let t = 0; t < ms && got.length < n; t += 20) await sleep(20);
}

/** Starts a guest that prints "listening on 127.0.0.1:PORT"; resolves with it and the port. */
async function start(args: readonly string[]): Promise<{ g: RunningCli; port: number }> {
  const g = startDialtone(['run', ...args], { timeoutMs: 50_000 });
  try {
    const [, port] = await g.waitForLine(/^listening on 127\.0\.0\.1:(\d+)$/);
    return { g, port: Number(port) };
  } catch (err) {
    g.kill();
    throw err;
  }
}

const policyLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('policy: '));

test('a Go UDP server with only --allow-listen answers a node:dgram client', { timeout: 60_000 }, async () => {
  const { g, port } = await start(['--trace', '--allow-listen=127.0.0.1', guest('udpecho'), 'server', '127.0.0.1:0', '2']);
  const c = await peer('127.0.0.1');
  try {
    c.s.send('first', port, '127.0.0.1');
    await arrived(c.got, 1);
    c.s.send('second', port, '127.0.0.1');
    await arrived(c.got, 2);
    assert.deepEqual(c.got, ['first', 'second']);
    const r = await g.exited;
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    assert.equal(r.stdout.toString(), `listening on 127.0.0.1:${port}\nechoed first\nechoed second\n`);
    assert.deepEqual(policyLines(r.stderr), []);
  } finally {
    c.s.close();
    g.kill();
  }
});

test(
  'a Go UDP server may still not send to an address that never sent to it: permission denied, with a --trace line',
  { timeout: 60_000 },
  async () => {
    const third = await peer('127.0.0.1');
    const { g, port } = await start(['--trace', '--allow-listen=127.0.0.1', guest('udpanswer'), '127.0.0.1:0', `127.0.0.1:${third.port}`]);
    const c = await peer('127.0.0.1');
    try {
      c.s.send('question', port, '127.0.0.1');
      await arrived(c.got, 1);
      assert.deepEqual(c.got, ['question']);
      const r = await g.exited;
      assert.equal(r.status, 0, r.stderr.slice(-2000));
      const out = r.stdout.toString().split('\n');
      assert.match(out[1] ?? '', new RegExp(`^to 127\\.0\\.0\\.1:${third.port}: .*permission denied$`, 'i'));
      assert.equal(out[2], 'answered question');
      // The guest's address arrives IPv4-mapped: dispatchrun/net writes every address as IPv6.
      assert.deepEqual(
        policyLines(r.stderr).map((l) => l.replace('[::ffff:7f00:1]', '127.0.0.1')),
        [
          `policy: send to 127.0.0.1:${third.port} refused: network access is off (no --allow-net); ` +
            'not a recent peer of this UDP server (one of the last 1024 it read from, within 120 s)',
        ],
      );
      await sleep(100);
      assert.deepEqual(third.got, [], 'the refused datagram went out');
    } finally {
      third.s.close();
      c.s.close();
      g.kill();
    }
  },
);

test(
  '--deny-net covering a client wins: its datagram is dropped, with a --trace line, and never answered',
  { timeout: 60_000 },
  async () => {
    const { g, port } = await start([
      '--trace',
      '--allow-listen=127.0.0.1',
      '--deny-net=127.0.0.2',
      guest('udpecho'),
      'server',
      '127.0.0.1:0',
      '1',
    ]);
    const denied = await peer('127.0.0.2');
    const allowed = await peer('127.0.0.1');
    try {
      denied.s.send('from denied', port, '127.0.0.1');
      await arrived(denied.got, 1, 500);
      allowed.s.send('from allowed', port, '127.0.0.1');
      await arrived(allowed.got, 1);
      assert.deepEqual(allowed.got, ['from allowed']);
      const r = await g.exited;
      assert.equal(r.status, 0, r.stderr.slice(-2000));
      assert.equal(r.stdout.toString(), `listening on 127.0.0.1:${port}\nechoed from allowed\n`);
      assert.deepEqual(denied.got, []);
      const at = `127.0.0.2:${denied.port}`;
      assert.deepEqual(policyLines(r.stderr), [
        `policy: datagram from ${at} to 127.0.0.1:${port} dropped: accept from ${at} refused: denied by --deny-net=127.0.0.2`,
      ]);
    } finally {
      denied.s.close();
      allowed.s.close();
      g.kill();
    }
  },
);
