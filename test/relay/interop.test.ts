// Interop with the reference Wisp implementation (npm @mercuryworkshop/wisp-js):
// its client against dialtone's relay, and dialtone's client driver against
// its server, over Wisp v1 and v2. dialtone's listening extension is on at
// both ends (the relay offers it, the driver lists it) and harmless to wisp-js,
// which lacks it: it skips the unknown INFO entry, and never sees a packet of it.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { client as wispClient, server as wispServer } from '@mercuryworkshop/wisp-js';
import { logging } from '@mercuryworkshop/wisp-js/server';
import { WispDriver } from '../../src/netdev/wisp/driver.ts';
import { ipEndpoint } from '../../src/netdev/endpoint.ts';
import type { NetSocket } from '../../src/netdev/socket.ts';
import { SysError } from '../../src/internal/errno.ts';
import { startRelay, type Relay } from '../../src/relay/server.ts';

let echo: net.Server;
let echoPort: number;
let relay: Relay;

before(async () => {
  logging.set_level(logging.NONE);
  echo = net.createServer((s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoPort = (echo.address() as AddressInfo).port;
  // Listening on: the relay's INFO lists extension 0xDA, which wisp-js does not know.
  relay = await startRelay({ port: 0, allowNet: ['127.0.0.1'], allowListen: ['127.0.0.1'], log: () => {} });
});

after(async () => {
  await relay.close();
  echo.close();
});

interface WispJsStream {
  send(data: Uint8Array): void;
  close(reason?: number): void;
  onmessage: (data: Uint8Array) => void;
  onclose: (reason: number) => void;
}

for (const version of [1, 2] as const) {
  test(
    `the wisp-js client (Wisp v${version}) echoes through dialtone's relay, and sees a refusal as CLOSE 0x48`,
    { timeout: 20_000 },
    async () => {
      const conn = new wispClient.ClientConnection(relay.url, { wisp_version: version });
      await new Promise<void>((resolve, reject) => {
        conn.onopen = () => resolve();
        conn.onerror = () => reject(new Error('wisp-js could not connect'));
      });
      const stream = conn.create_stream('127.0.0.1', echoPort, 'tcp') as WispJsStream;
      const got: Uint8Array[] = [];
      const echoed = new Promise<void>((resolve) => {
        stream.onmessage = (d) => {
          got.push(d);
          if (Buffer.concat(got).toString() === 'ping through dialtone') resolve();
        };
      });
      stream.send(new TextEncoder().encode('ping through dialtone'));
      await echoed;
      stream.close();
      const refused = conn.create_stream('::ffff:10.0.0.1', 80, 'tcp') as WispJsStream;
      const reason = await new Promise<number>((resolve) => {
        refused.onclose = resolve;
        refused.onmessage = () => {};
      });
      assert.equal(reason, 0x48);
      conn.close();
    },
  );
}

/** Waits until `sock` is ready for `kind`. */
function ready(sock: NetSocket, kind: 'read' | 'write'): Promise<void> {
  return new Promise((resolve) => {
    if (sock.poll(kind).ready) return resolve();
    sock.onReady(kind, () => resolve());
  });
}

async function echoThrough(driver: WispDriver): Promise<string> {
  const sock = driver.socket('ipv4', 'stream');
  assert.throws(
    () => sock.connect(ipEndpoint('127.0.0.1', echoPort)),
    (e: unknown) => e instanceof SysError && e.errno === 'EINPROGRESS',
  );
  await ready(sock, 'write');
  assert.equal(sock.takeError(), undefined);
  assert.equal(sock.send([new TextEncoder().encode('hello wisp-js')]), 13);
  let text = '';
  while (text.length < 13) {
    await ready(sock, 'read');
    const buf = new Uint8Array(64);
    const r = sock.recv([buf], false);
    text += new TextDecoder().decode(buf.subarray(0, r.n));
  }
  sock.close();
  return text;
}

for (const version of [1, 2] as const) {
  test(`dialtone's client driver (Wisp v${version}) echoes through the wisp-js server`, { timeout: 20_000 }, async () => {
    Object.assign(wispServer.options, { allow_loopback_ips: true, allow_private_ips: true });
    const server = http.createServer();
    server.on('upgrade', (req, socket, head) => wispServer.routeRequest(req, socket, head));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const driver = new WispDriver(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, { version });
    try {
      assert.equal(await echoThrough(driver), 'hello wisp-js');
      assert.equal(driver.connection.v2, version === 2);
      // wisp-js does not list the listening extension: listening stays ENOTSUP, and nothing of it is sent.
      assert.equal(driver.connection.listens, false);
      const listener = driver.socket('ipv4', 'stream');
      listener.bind(ipEndpoint('127.0.0.1', 0));
      await assert.rejects(
        async () => listener.listen(16),
        (e: unknown) => e instanceof SysError && e.errno === 'ENOTSUP',
      );
      listener.close();
      assert.equal(await echoThrough(driver), 'hello wisp-js', 'the connection still works');
    } finally {
      driver.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
}
