// UDP through dispatchrun/net, both ways and on both IP families: the
// udpecho guest as a server (wasip1.ListenPacket, ReadFrom / WriteTo) for a
// node:dgram client, and as a connected client (wasip1.Dial("udp")) of a
// node:dgram echo server.
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { test } from 'node:test';
import { dialtone, startDialtone, type RunningCli } from '../helpers/cli.ts';
import { guest } from '../helpers/paths.ts';

const POLICY = ['--allow-net=127.0.0.1,::1,localhost', '--allow-listen=127.0.0.1,::1'];
const MESSAGES = ['first datagram', 'ünïcode ✓', 'x'.repeat(8000)];

const FAMILIES = [
  { name: 'IPv4', type: 'udp4', host: '127.0.0.1', bracketed: '127.0.0.1' },
  { name: 'IPv6', type: 'udp6', host: '::1', bracketed: '[::1]' },
] as const;

/** Sends `msg` to host:port and resolves with the first reply (rejects after 5 s). */
function exchange(sock: dgram.Socket, msg: string, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sock.off('message', onMessage);
      reject(new Error(`no reply to a ${msg.length}-byte datagram within 5 s`));
    }, 5_000);
    const onMessage = (data: Buffer): void => {
      clearTimeout(timer);
      resolve(data.toString());
    };
    sock.once('message', onMessage);
    sock.send(msg, port, host, (err) => {
      if (err) {
        clearTimeout(timer);
        sock.off('message', onMessage);
        reject(err);
      }
    });
  });
}

/** Starts `udpecho server ADDR:0 count`; resolves with the process and its port once it listens. */
async function startServer(f: (typeof FAMILIES)[number], count: number): Promise<{ g: RunningCli; port: number }> {
  const g = startDialtone(['run', ...POLICY, guest('udpecho'), 'server', `${f.bracketed}:0`, String(count)], { timeoutMs: 50_000 });
  const escaped = f.bracketed.replace(/[[\].]/g, '\\$&');
  try {
    const [, port] = await g.waitForLine(new RegExp(`^listening on ${escaped}:(\\d+)$`));
    return { g, port: Number(port) };
  } catch (err) {
    g.kill();
    throw err;
  }
}

for (const f of FAMILIES) {
  test(`udpecho server on ${f.bracketed}:0 echoes a node:dgram client's datagrams (${f.name})`, { timeout: 60_000 }, async () => {
    const { g, port } = await startServer(f, MESSAGES.length);
    const client = dgram.createSocket(f.type);
    try {
      await new Promise<void>((resolve) => client.bind(0, f.host, resolve));
      for (const msg of MESSAGES) assert.equal(await exchange(client, msg, f.host, port), msg);
      const r = await g.exited;
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.toString(), `listening on ${f.bracketed}:${port}\n${MESSAGES.map((m) => `echoed ${m}\n`).join('')}`);
    } finally {
      client.close();
      g.kill();
    }
  });

  test(
    // The reply is sent, the socket closed and the guest gone at once: dialtone
    // must not drop what the guest had already sent.
    `a datagram the guest sends just before it exits still arrives (${f.name})`,
    { timeout: 60_000 },
    async () => {
      const { g, port } = await startServer(f, 1);
      const client = dgram.createSocket(f.type);
      try {
        await new Promise<void>((resolve) => client.bind(0, f.host, resolve));
        assert.equal(await exchange(client, 'last one', f.host, port), 'last one');
        const r = await g.exited;
        assert.equal(r.status, 0, r.stderr);
      } finally {
        client.close();
        g.kill();
      }
    },
  );

  test(`udpecho client gets replies from a node:dgram echo server (${f.name})`, { timeout: 60_000 }, async () => {
    const server = dgram.createSocket(f.type);
    const senders = new Set<string>();
    server.on('message', (data, rinfo) => {
      senders.add(`${rinfo.address}:${rinfo.port}`);
      server.send(`echo: ${data.toString()}`, rinfo.port, rinfo.address);
    });
    try {
      await new Promise<void>((resolve) => server.bind(0, f.host, resolve));
      const { port } = server.address();
      const r = await dialtone(['run', ...POLICY, guest('udpecho'), 'client', `${f.bracketed}:${port}`, ...MESSAGES], {
        timeoutMs: 50_000,
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.toString(), MESSAGES.map((m) => `reply: echo: ${m}\n`).join(''));
      assert.equal(senders.size, 1, `a connected socket sends from one address, got ${[...senders].join(', ')}`);
      assert.match([...senders][0]!, f.type === 'udp4' ? /^127\.0\.0\.1:\d+$/ : /^::1:\d+$/);
    } finally {
      server.close();
    }
  });
}
