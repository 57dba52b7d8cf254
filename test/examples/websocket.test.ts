// examples/websocket builds from its source: its client (coder/websocket)
// echoes text and binary messages with a real `ws` server on 127.0.0.1, and
// its server answers a real `ws` client, both as the README shows.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { dialtone, startDialtone } from '../helpers/cli.ts';
import { buildGoExample, exampleDir } from '../helpers/examples.ts';
import { eventually } from '../helpers/eventually.ts';
import { wsClientMessages, wsClientOutput } from '../helpers/example-outputs.ts';

const README = readFileSync(join(exampleDir('websocket'), 'README.md'), 'utf8');
const LINES = [
  'GOOS=wasip1 GOARCH=wasm go build -o ws-client.wasm ./client',
  'GOOS=wasip1 GOARCH=wasm go build -o ws-server.wasm ./server',
  'npx dialtone run --allow-net=127.0.0.1:8080 ws-client.wasm ws://127.0.0.1:8080/echo',
  'npx dialtone run --allow-listen=127.0.0.1 ws-server.wasm 127.0.0.1:8080',
];

test("the example's README shows how to build and run the client and the server", () => {
  for (const line of LINES) assert.ok(README.includes(`${line}\n`), `README shows: ${line}`);
});

test('the guest client echoes text and binary messages with a ws server, and closes normally', { timeout: 180_000 }, async () => {
  const wasm = buildGoExample('websocket', { pkg: './client' });
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 4 << 20 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const received: { binary: boolean; data: Buffer }[] = [];
  const closes: { code: number; reason: string }[] = [];
  const paths: string[] = [];
  wss.on('connection', (ws, req) => {
    paths.push(req.url ?? '');
    ws.on('message', (data: Buffer, isBinary) => {
      received.push({ binary: isBinary, data });
      ws.send(data, { binary: isBinary });
    });
    ws.on('close', (code, reason) => closes.push({ code, reason: reason.toString() }));
  });
  try {
    const addr = `127.0.0.1:${(wss.address() as AddressInfo).port}`;
    const r = await dialtone(['run', `--allow-net=${addr}`, wasm, `ws://${addr}/echo`], { timeoutMs: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const sent = wsClientMessages();
    assert.equal(r.stdout.toString(), wsClientOutput());
    // The server saw exactly those messages, in order, with their types.
    assert.deepEqual(paths, ['/echo']);
    assert.equal(received.length, sent.length);
    for (const [i, m] of sent.entries()) {
      assert.equal(received[i]?.binary, m.binary, `message ${i} type`);
      assert.ok(received[i]?.data.equals(m.data), `message ${i} bytes`);
    }
    // The close handshake arrives (the server's 'close' event may trail the guest's exit a little).
    await eventually(() => closes.length > 0, 'the close handshake', 5000);
    assert.deepEqual(closes, [{ code: 1000, reason: 'done' }]);

    // Without --allow-net the connection is refused by the policy.
    const denied = await dialtone(['run', wasm, `ws://${addr}/echo`], { timeoutMs: 60_000 });
    assert.equal(denied.status, 1);
    assert.match(denied.stderr, /^dial: .*permission denied/im);
  } finally {
    for (const c of wss.clients) c.terminate();
    await new Promise((resolve) => wss.close(resolve));
  }
});

test('the guest server echoes what a ws client sends, text and binary, and sees its normal close', { timeout: 180_000 }, async () => {
  const wasm = buildGoExample('websocket', { pkg: './server' });
  const g = startDialtone(['run', '--allow-listen=127.0.0.1', wasm, '127.0.0.1:0'], { timeoutMs: 60_000 });
  try {
    const [, addr] = await g.waitForLine(/^listening on (127\.0\.0\.1:\d+)$/);
    const ws = new WebSocket(`ws://${addr}/echo`);
    const inbox: { binary: boolean; data: Buffer }[] = [];
    let wake: (() => void) | undefined;
    ws.on('message', (data: Buffer, isBinary) => {
      inbox.push({ binary: isBinary, data });
      wake?.();
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const next = async (): Promise<{ binary: boolean; data: Buffer }> => {
      const deadline = Date.now() + 10_000;
      while (inbox.length === 0) {
        if (Date.now() > deadline) throw new Error(`no echo within 10 s; guest said:\n${g.stdout()}${g.stderr()}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      }
      return inbox.shift() as { binary: boolean; data: Buffer };
    };
    const messages = [
      { binary: false, data: Buffer.from('ping from node') },
      { binary: false, data: Buffer.from('ünïcödé ✓') },
      { binary: true, data: Buffer.from([0, 1, 2, 253, 254, 255]) },
      { binary: true, data: Buffer.alloc(200_000, 0xa5) },
    ];
    for (const m of messages) {
      ws.send(m.data, { binary: m.binary });
      const echo = await next();
      assert.equal(echo.binary, m.binary);
      assert.ok(echo.data.equals(m.data), `echo of ${m.data.length} bytes`);
    }
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    ws.close(1000, 'bye');
    assert.equal(await closed, 1000);
    await g.waitForLine(/^closed by client: StatusNormalClosure "bye"$/);
    assert.deepEqual(
      g
        .stdout()
        .split('\n')
        .filter((l) => l.startsWith('echoed ')),
      [
        'echoed MessageText, 14 bytes',
        `echoed MessageText, ${Buffer.byteLength('ünïcödé ✓')} bytes`,
        'echoed MessageBinary, 6 bytes',
        'echoed MessageBinary, 200000 bytes',
      ],
    );
  } finally {
    g.kill();
    await g.exited;
  }
});
