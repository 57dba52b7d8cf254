// The socket model (src/sockets/) used directly, with no WASI host, fd
// table or guest memory around it, as a TypeScript networking API would use
// it: over the Node driver and a real echo server on 127.0.0.1, a
// GuestNetwork refuses what its policy refuses (EACCES, the reason as a
// refusal line, nothing reaching the network), stops at its socket cap
// (EMFILE) until a socket closes, and carries bytes both ways on a
// connection the policy allows.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, test } from 'node:test';
import { SysError, type Errno } from '../../src/internal/errno.ts';
import { ipEndpoint, type Endpoint } from '../../src/netdev/endpoint.ts';
import { NodeDriver } from '../../src/netdev/node/driver.ts';
import { DENY_ALL, RulePolicy } from '../../src/policy/index.ts';
import { GuestNetwork, type GuestSocket } from '../../src/sockets/index.ts';
import { ready } from '../helpers/readiness.ts';

let server: net.Server;
let port: number;
/** Connections the echo server has accepted. */
const accepted: net.Socket[] = [];

before(async () => {
  server = net.createServer((s) => {
    accepted.push(s);
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

after(async () => {
  for (const s of accepted) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const failsWith =
  (errno: Errno) =>
  (err: unknown): boolean =>
    err instanceof SysError && err.errno === errno;

/** Connects a stream socket and waits for the outcome (the driver answers EINPROGRESS first). */
async function connect(s: GuestSocket, ep: Endpoint): Promise<void> {
  try {
    await s.connect(ep);
  } catch (err) {
    if (!failsWith('EINPROGRESS')(err)) throw err;
  }
  await ready(s, 'write');
  assert.equal(s.takeError(), undefined);
}

test('a connect the policy refuses is EACCES, with the rule in the refusal line, and reaches nothing', async () => {
  const lines: string[] = [];
  const network = new GuestNetwork({
    driver: new NodeDriver(),
    policy: new RulePolicy({ allowNet: [`127.0.0.1:${port}`] }),
    onRefused: (line) => lines.push(line),
  });
  const acceptedBefore = accepted.length;
  const s = network.open('ipv4', 'stream');
  try {
    assert.throws(
      () => s.connect(ipEndpoint('127.0.0.2', port)),
      (err: unknown) => failsWith('EACCES')(err) && /not in --allow-net/.test((err as Error).message),
    );
  } finally {
    s.close();
  }
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? '', new RegExp(`^policy: connect to 127\\.0\\.0\\.2:${port} refused: not in --allow-net \\(allowed: .*\\)$`));
  await network.flushed();
  assert.equal(accepted.length, acceptedBefore, 'the refused connect reached no server');
});

test('a GuestNetwork holds at most maxSockets open: EMFILE past the cap, a place again once one closes', async () => {
  const network = new GuestNetwork({ driver: new NodeDriver(), policy: DENY_ALL, maxSockets: 2 });
  const a = network.open('ipv4', 'stream');
  const b = network.open('ipv4', 'dgram');
  assert.throws(() => network.open('ipv4', 'stream'), failsWith('EMFILE'));
  a.close();
  a.close(); // closing twice gives back one place, not two
  const c = network.open('ipv4', 'stream');
  assert.throws(() => network.open('ipv6', 'stream'), failsWith('EMFILE'));
  b.close();
  c.close();
  await network.flushed();
});

test('a connect the policy allows carries bytes both ways', async () => {
  const lines: string[] = [];
  const network = new GuestNetwork({
    driver: new NodeDriver(),
    policy: new RulePolicy({ allowNet: [`127.0.0.1:${port}`] }),
    onRefused: (line) => lines.push(line),
  });
  const s = network.open('ipv4', 'stream');
  try {
    await connect(s, ipEndpoint('127.0.0.1', port));
    assert.deepEqual(s.remoteEndpoint(), ipEndpoint('127.0.0.1', port));
    const ping = new TextEncoder().encode('ping over the model');
    let sent = 0;
    while (sent < ping.length) {
      await ready(s, 'write');
      sent += s.send([ping.subarray(sent)]);
    }
    const buf = new Uint8Array(ping.length);
    let got = 0;
    while (got < buf.length) {
      await ready(s, 'read');
      const r = s.recv([buf.subarray(got)], false);
      assert.ok(r.n > 0, 'the server closed before echoing everything');
      got += r.n;
    }
    assert.equal(new TextDecoder().decode(buf), 'ping over the model');
  } finally {
    s.close();
  }
  await network.flushed();
  assert.deepEqual(lines, []);
});
