// dialtone/net's `ws` and `wss` networks: dial('ws', url) gives a Conn over
// Node 24's global WebSocket, against a real `ws` (npm) server on 127.0.0.1
// port 0: bytes both ways across message boundaries, text messages as their
// UTF-8 bytes, end of stream on a normal close and ECONNRESET on another,
// closeWrite refused, deadlines, the policy judging host and port, bad URLs.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { Network, OpError, type Conn } from '../../src/net/index.ts';
import { dial } from '../../src/net/node.ts';
import { NodeDriver } from '../../src/netdev/node/driver.ts';
import { MAX_WS_MESSAGE } from '../../src/net/websocket.ts';

/** A `ws` server on 127.0.0.1:0 handing each connection to `onConnection`. */
async function withServer(onConnection: (ws: ServerSocket, path: string) => void, fn: (port: number) => Promise<void>): Promise<void> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (ws, req) => onConnection(ws, req.url ?? ''));
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  try {
    await fn((server.address() as AddressInfo).port);
  } finally {
    for (const c of server.clients) c.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function readAll(conn: Conn): Promise<Buffer> {
  const out: Buffer[] = [];
  const buf = new Uint8Array(7000);
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) return Buffer.concat(out);
    out.push(Buffer.from(buf.subarray(0, n)));
  }
}

const echo = (ws: ServerSocket): void => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
};

test('dial("ws") echoes bytes through a ws server; reads are a stream across messages; addresses name the URL', async () => {
  let path = '';
  await withServer(
    (ws, p) => {
      path = p;
      echo(ws);
    },
    async (port) => {
      const url = `ws://127.0.0.1:${port}/echo?x=1`;
      const conn = await dial('ws', url, { timeout: 5000 });
      assert.equal(path, '/echo?x=1');
      assert.equal(conn.remoteAddr.network, 'ws');
      assert.equal(String(conn.remoteAddr), url);
      assert.equal(conn.remoteAddr.ip, '127.0.0.1');
      assert.equal(conn.remoteAddr.port, port);
      assert.equal(conn.localAddr.network, 'ws');
      // 3 writes of 100 KiB, read back through a 7000-byte buffer.
      const sent = Buffer.alloc(300 * 1024);
      for (let i = 0; i < sent.length; i++) sent[i] = (i * 31) % 251;
      const reading = (async () => {
        const got: Buffer[] = [];
        let n = 0;
        const buf = new Uint8Array(7000);
        while (n < sent.length) {
          const r = await conn.read(buf);
          assert.notEqual(r, null);
          got.push(Buffer.from(buf.subarray(0, r!)));
          n += r!;
        }
        return Buffer.concat(got);
      })();
      for (let off = 0; off < sent.length; off += 100 * 1024) await conn.write(sent.subarray(off, off + 100 * 1024));
      assert.ok((await reading).equals(sent));
      await conn.close();
      await assert.rejects(conn.read(new Uint8Array(1)), (e: unknown) => e instanceof OpError && e.code === 'ERR_NET_CLOSED');
    },
  );
});

test('a write larger than one message is split; a text message reads as its UTF-8 bytes; a normal close is the end of the stream', async () => {
  const sizes: number[] = [];
  await withServer(
    (ws) => {
      ws.on('message', (data: Buffer, isBinary) => {
        assert.ok(isBinary);
        sizes.push(data.length);
        if (sizes.reduce((a, b) => a + b, 0) === MAX_WS_MESSAGE + 10) {
          ws.send('héllo', { binary: false });
          ws.send(Buffer.from(' bytes'));
          ws.close(1000);
        }
      });
    },
    async (port) => {
      const conn = await dial('ws', `ws://127.0.0.1:${port}/`);
      await conn.write(new Uint8Array(MAX_WS_MESSAGE + 10));
      assert.equal((await readAll(conn)).toString(), 'héllo bytes');
      assert.deepEqual(sizes, [MAX_WS_MESSAGE, 10]);
      await conn.close();
    },
  );
});

test('closeWrite is ENOTSUP; a close with an error code is ECONNRESET; a read deadline times out and can be lifted', async () => {
  await withServer(
    (ws) => {
      ws.on('message', (data: Buffer) => {
        if (data.toString() === 'fail') ws.close(1011, 'server error');
        else ws.send(data);
      });
    },
    async (port) => {
      const conn = await dial('ws', `ws://127.0.0.1:${port}/`);
      await assert.rejects(conn.closeWrite(), (e: unknown) => e instanceof OpError && e.code === 'ENOTSUP');
      conn.setReadDeadline(Date.now() + 50);
      await assert.rejects(conn.read(new Uint8Array(8)), (e: unknown) => e instanceof OpError && e.timeout);
      conn.setReadDeadline(null);
      await conn.write(Buffer.from('still open'));
      const buf = new Uint8Array(32);
      assert.equal(Buffer.from(buf.subarray(0, (await conn.read(buf))!)).toString(), 'still open');
      await conn.write(Buffer.from('fail'));
      await assert.rejects(conn.read(buf), (e: unknown) => e instanceof OpError && e.code === 'ECONNRESET');
      await conn.close();
    },
  );
});

test('the policy judges the host and port of the URL; wrong schemes and bad URLs are ERR_NET_ADDRESS; nothing listening is ECONNREFUSED', async () => {
  await withServer(echo, async (port) => {
    const strict = new Network({ driver: new NodeDriver(), policy: { allowNet: [`127.0.0.1:${port + 1}`] } });
    await assert.rejects(
      strict.dial('ws', `ws://127.0.0.1:${port}/`),
      (e: unknown) => e instanceof OpError && e.code === 'EACCES' && /permission denied/.test(e.message),
    );
    const allowed = new Network({ driver: new NodeDriver(), policy: { allowNet: [`127.0.0.1:${port}`] } });
    const conn = await allowed.dial('ws', `ws://127.0.0.1:${port}/`);
    await conn.close();
    // A name the policy resolves (localhost) and allows by every address it has.
    const both = new Network({ driver: new NodeDriver(), policy: { allowNet: [`127.0.0.1:${port}`, `[::1]:${port}`] } });
    const byName = await both.dial('ws', `ws://localhost:${port}/`);
    await byName.close();
    // The platform's WebSocket resolves the name again and may take any of
    // its addresses, so one refused address refuses the dial. (The name is
    // never looked up by the platform here: the refusal comes first.)
    const node = new NodeDriver();
    const twoAddresses = { socket: node.socket.bind(node), lookup: async (): Promise<string[]> => ['127.0.0.2', '127.0.0.1'] };
    const denyOne = new Network({ driver: twoAddresses, policy: { allowNet: ['127.0.0.0/8'], denyNet: ['127.0.0.1'] } });
    await assert.rejects(denyOne.dial('ws', `ws://ws.test:${port}/`), (e: unknown) => e instanceof OpError && e.code === 'EACCES');

    await assert.rejects(dial('ws', `wss://127.0.0.1:${port}/`), (e: unknown) => e instanceof OpError && e.code === 'ERR_NET_ADDRESS');
    await assert.rejects(dial('wss', 'not a url'), (e: unknown) => e instanceof OpError && e.code === 'ERR_NET_ADDRESS');
    await assert.rejects(
      dial('ws', `ws://127.0.0.1:${port}/`, { localAddr: '127.0.0.1:0' }),
      (e: unknown) => e instanceof OpError && e.code === 'ENOTSUP',
    );
    await assert.rejects(
      dial('ws', `ws://127.0.0.1:${port}/`, { signal: AbortSignal.abort() }),
      (e: unknown) => e instanceof OpError && e.code === 'ECANCELED',
    );
  });
  // The server is gone: its port refuses.
  const gone = await new Promise<number>((resolve) => {
    const s = new WebSocketServer({ host: '127.0.0.1', port: 0 }, () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  await assert.rejects(
    dial('ws', `ws://127.0.0.1:${gone}/`, { timeout: 5000 }),
    (e: unknown) => e instanceof OpError && e.code === 'ECONNREFUSED' && e.op === 'dial' && e.net === 'ws',
  );
});

test('writes wait while the WebSocket has a megabyte buffered, and all bytes arrive once the server reads', async () => {
  let received = 0;
  let server: ServerSocket | undefined;
  await withServer(
    (ws) => {
      server = ws;
      ws.on('message', (d: Buffer) => (received += d.length));
      // Stop reading from the socket: the client's buffer fills.
      (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    },
    async (port) => {
      const conn = await dial('ws', `ws://127.0.0.1:${port}/`);
      const total = 32 * 1024 * 1024;
      const chunk = new Uint8Array(256 * 1024);
      let written = 0;
      const writing = (async () => {
        while (written < total) {
          await conn.write(chunk);
          written += chunk.length;
        }
      })();
      // Give the writer time to fill the buffers; it must be waiting, well short of the total.
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(written < total, `wrote ${written} of ${total} without the server reading`);
      (server as unknown as { _socket: { resume(): void } })._socket.resume();
      await writing;
      for (let i = 0; i < 200 && received < total; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(received, total);
      await conn.close();
    },
  );
});
