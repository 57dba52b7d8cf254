// The relay's guards, driven by a raw Wisp client over the `ws` package:
// default refusal of non-public destinations in every spelling, origin and
// token checks, per-client bounds, and the static file server.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import WebSocket from 'ws';
import { startRelay, type RelayOptions } from '../../src/relay/server.ts';
import { encodeConnect, encodeData, type WispPacket } from '../../src/wisp/packet.ts';
import { tempDir } from '../helpers/paths.ts';
import { openRawWispClient } from '../helpers/raw-wisp-client.ts';

/** A raw Wisp client: every packet the relay sends is collected. */
function rawClient(url: string, headers: Record<string, string> = {}, protocols: string[] = []) {
  return openRawWispClient(url, { headers, protocols });
}

/** Whether a WebSocket upgrade succeeds; the HTTP status when it does not. */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => {});
  });
}

async function withRelay(options: RelayOptions, fn: (url: string, log: string[], port: number) => Promise<void>): Promise<void> {
  const log: string[] = [];
  const relay = await startRelay({ port: 0, log: (l) => log.push(l), ...options });
  try {
    await fn(relay.url, log, relay.address.port);
  } finally {
    await relay.close();
  }
}

test('by default the relay refuses loopback, private and NAT64 spellings of them with CLOSE 0x48, one log line each, and connects nowhere', async () => {
  let seen = 0;
  const target = net.createServer((s) => {
    seen++;
    s.destroy();
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const port = (target.address() as AddressInfo).port;
  try {
    await withRelay({}, async (url, log) => {
      const c = await rawClient(url);
      const hosts = [
        '127.0.0.1',
        '::ffff:127.0.0.1',
        '[::ffff:7f00:1]',
        '64:ff9b::7f00:1',
        '::127.0.0.1',
        '10.0.0.1',
        '169.254.169.254',
        '0.0.0.0',
        'localhost',
      ];
      hosts.forEach((h, i) => c.ws.send(encodeConnect(i + 1, 1, port, h)));
      for (let i = 0; i < hosts.length; i++) {
        const p = await c.waitFor((q) => q.type === 'close' && q.stream === i + 1);
        assert.equal((p as Extract<WispPacket, { type: 'close' }>).reason, 0x48, hosts[i]);
      }
      assert.equal(log.length, hosts.length, log.join('\n'));
      assert.match(
        log.find((l) => l.includes('::ffff:127.0.0.1'))!,
        /loopback IPv4 127\.0\.0\.1 in an IPv4-mapped address/,
      );
      assert.match(
        log.find((l) => l.includes('64:ff9b'))!,
        /NAT64/,
      );
      c.ws.close();
    });
    assert.equal(seen, 0, 'nothing may reach the loopback server');
  } finally {
    target.close();
  }
});

test('--deny-net wins over --allow-net in the relay', async () => {
  await withRelay({ allowNet: ['127.0.0.1'], denyNet: ['127.0.0.1:9'] }, async (url, log) => {
    const c = await rawClient(url);
    c.ws.send(encodeConnect(1, 1, 9, '127.0.0.1'));
    const p = await c.waitFor((q) => q.type === 'close' && q.stream === 1);
    assert.equal((p as Extract<WispPacket, { type: 'close' }>).reason, 0x48);
    assert.match(log[0]!, /denied by --deny-net=127\.0\.0\.1:9/);
    c.ws.close();
  });
});

test("upgrades are accepted without Origin and from the relay's own origin; other origins need --origin", async () => {
  await withRelay({}, async (url, log, port) => {
    assert.equal(await upgradeStatus(url, {}), 101);
    assert.equal(await upgradeStatus(url, { Origin: `http://127.0.0.1:${port}` }), 101);
    assert.equal(await upgradeStatus(url, { Origin: 'https://evil.example' }), 403);
    // A rebound name is not the relay's own origin even when Host matches.
    assert.equal(await upgradeStatus(url, { Origin: `http://evil.example:${port}`, Host: `evil.example:${port}` }), 403);
    assert.ok(log.some((l) => /refused WebSocket .*origin "https:\/\/evil\.example"/.test(l)));
  });
  await withRelay({ origins: ['https://app.example'] }, async (url) => {
    assert.equal(await upgradeStatus(url, { Origin: 'https://app.example' }), 101);
    assert.equal(await upgradeStatus(url, { Origin: 'https://other.example' }), 403);
  });
});

test('--token requires the secret as ?token= or a bearer header', async () => {
  await withRelay({ token: 's3cret' }, async (url) => {
    assert.equal(await upgradeStatus(url, {}), 401);
    assert.equal(await upgradeStatus(`${url}?token=wrong`, {}), 401);
    assert.equal(await upgradeStatus(`${url}?token=s3cret`, {}), 101);
    assert.equal(await upgradeStatus(url, { Authorization: 'Bearer s3cret' }), 101);
  });
});

test('per-client bounds: open streams, new-stream rate and buffered bytes are enforced with CLOSE 0x49', async () => {
  const target = net.createServer((s) => s.on('error', () => {}));
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const port = (target.address() as AddressInfo).port;
  try {
    await withRelay({ allowNet: ['127.0.0.1'], limits: { maxStreams: 2, streamBurst: 100 } }, async (url, log) => {
      const c = await rawClient(url);
      for (let i = 1; i <= 3; i++) c.ws.send(encodeConnect(i, 1, port, '127.0.0.1'));
      const p = await c.waitFor((q) => q.type === 'close' && q.stream === 3);
      assert.equal((p as Extract<WispPacket, { type: 'close' }>).reason, 0x49);
      assert.match(log.join('\n'), /too many open streams/);
      c.ws.close();
    });
    await withRelay({ allowNet: ['127.0.0.1'], limits: { streamBurst: 3, streamsPerSecond: 0.001 } }, async (url, log) => {
      const c = await rawClient(url);
      for (let i = 1; i <= 4; i++) c.ws.send(encodeConnect(i, 1, port, '127.0.0.1'));
      const p = await c.waitFor((q) => q.type === 'close' && q.stream === 4);
      assert.equal((p as Extract<WispPacket, { type: 'close' }>).reason, 0x49);
      assert.match(log.join('\n'), /too many new streams per second/);
      assert.ok(!c.packets.some((q) => q.type === 'close' && q.stream < 4));
      c.ws.close();
    });
    // A target that never reads: past the byte bound the stream is closed.
    await withRelay({ allowNet: ['127.0.0.1'], limits: { maxBufferedBytes: 1024 * 1024 } }, async (url, log) => {
      const stall = net.createServer((s) => s.pause());
      await new Promise<void>((resolve) => stall.listen(0, '127.0.0.1', resolve));
      try {
        const c = await rawClient(url);
        c.ws.send(encodeConnect(1, 1, (stall.address() as AddressInfo).port, '127.0.0.1'));
        const chunk = new Uint8Array(64 * 1024);
        for (let i = 0; i < 200; i++) c.ws.send(encodeData(1, chunk));
        const p = await c.waitFor((q) => q.type === 'close' && q.stream === 1, 10_000);
        assert.equal((p as Extract<WispPacket, { type: 'close' }>).reason, 0x49);
        assert.match(log.join('\n'), /bytes buffered|overran its credit/);
        c.ws.close();
      } finally {
        stall.close();
      }
    });
  } finally {
    target.close();
  }
});

test('a v2 client gets INFO (UDP, stream confirmation) then CONTINUE; a v1 client gets CONTINUE only', async () => {
  await withRelay({}, async (url) => {
    const v2 = await rawClient(url, {}, ['wisp-v2']);
    assert.equal(v2.ws.protocol, 'wisp-v2');
    await v2.waitFor((p) => p.type === 'continue' && p.stream === 0);
    assert.equal(v2.packets[0]!.type, 'info');
    assert.deepEqual(
      (v2.packets[0] as Extract<WispPacket, { type: 'info' }>).extensions.map((e) => e.id),
      [1, 5],
    );
    v2.ws.close();
    const v1 = await rawClient(url);
    const first = await v1.waitFor(() => true);
    assert.deepEqual(first, { type: 'continue', stream: 0, remaining: 128 });
    v1.ws.close();
  });
});

test('--static serves files with application/wasm and cross-origin isolation headers, and nothing outside the directory', async () => {
  const dir = tempDir();
  try {
    mkdirSync(join(dir.path, 'site'));
    writeFileSync(join(dir.path, 'site', 'index.html'), '<p>hi</p>');
    writeFileSync(join(dir.path, 'site', 'app.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    writeFileSync(join(dir.path, 'secret.txt'), 'secret');
    symlinkSync(join(dir.path, 'secret.txt'), join(dir.path, 'site', 'link.txt'));
    await withRelay({ staticDir: join(dir.path, 'site') }, async (_url, _log, port) => {
      const base = `http://127.0.0.1:${port}`;
      const wasm = await fetch(`${base}/app.wasm`);
      assert.equal(wasm.status, 200);
      assert.equal(wasm.headers.get('content-type'), 'application/wasm');
      assert.equal(wasm.headers.get('cross-origin-opener-policy'), 'same-origin');
      assert.equal(wasm.headers.get('cross-origin-embedder-policy'), 'require-corp');
      assert.equal((await wasm.arrayBuffer()).byteLength, 8);
      const index = await fetch(`${base}/`);
      assert.equal(await index.text(), '<p>hi</p>');
      assert.equal((await fetch(`${base}/link.txt`)).status, 404);
      const up = await fetch(`${base}/%2e%2e/secret.txt`);
      assert.ok(up.status >= 400);
      assert.notEqual(await up.text(), 'secret');
    });
  } finally {
    dir.cleanup();
  }
});

test("with --static a page may reach the relay's own HTTP server through it, the bundle is at /_dialtone/, and a WebSocket nested that way is refused", async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir.path, 'hello.txt'), 'hello from the relay itself');
    await withRelay({ staticDir: dir.path }, async (url, log, port) => {
      const bundle = await fetch(`http://127.0.0.1:${port}/_dialtone/dialtone.browser.js`);
      assert.equal(bundle.status, 200, 'npm run build makes dist/dialtone.browser.js');
      assert.match(bundle.headers.get('content-type') ?? '', /^text\/javascript/);
      assert.match(await bundle.text(), /export\s*\{/);
      assert.equal((await fetch(`http://127.0.0.1:${port}/_dialtone/other.js`)).status, 404);

      const c = await rawClient(url);
      const text = (stream: number): string =>
        Buffer.concat(c.packets.flatMap((p) => (p.type === 'data' && p.stream === stream ? [p.data] : []))).toString();
      c.ws.send(encodeConnect(1, 0x01, port, '127.0.0.1'));
      c.ws.send(encodeData(1, new TextEncoder().encode('GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')));
      await c.waitFor((p) => p.type === 'close' && p.stream === 1);
      assert.match(text(1), /^HTTP\/1\.1 200 OK/);
      assert.match(text(1), /hello from the relay itself$/);

      const key = 'dGhlIHNhbXBsZSBub25jZQ==';
      c.ws.send(encodeConnect(3, 0x01, port, '127.0.0.1'));
      c.ws.send(
        encodeData(
          3,
          new TextEncoder().encode(
            `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n\r\n`,
          ),
        ),
      );
      await c.waitFor((p) => p.type === 'close' && p.stream === 3);
      assert.match(text(3), /^HTTP\/1\.1 403/);
      assert.ok(
        log.some((l) => l.includes('to itself')),
        log.join('\n'),
      );

      c.ws.send(encodeConnect(5, 0x01, port + 1 > 65535 ? port - 1 : port + 1, '127.0.0.1'));
      const refused = await c.waitFor((p) => p.type === 'close' && p.stream === 5);
      assert.equal(refused.type === 'close' && refused.reason, 0x48, 'other loopback ports stay refused');
      c.ws.close();
    });
    await withRelay({}, async (url, _log, port) => {
      const c = await rawClient(url);
      c.ws.send(encodeConnect(1, 0x01, port, '127.0.0.1'));
      const closed = await c.waitFor((p) => p.type === 'close' && p.stream === 1);
      assert.equal(closed.type === 'close' && closed.reason, 0x48, 'without --static, the relay itself is loopback like any other');
      c.ws.close();
    });
  } finally {
    dir.cleanup();
  }
});
