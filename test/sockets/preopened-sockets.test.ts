// Sockets the host preopens (--listen, --dial) used by a guest written
// against the standard library alone (filelistener): net.FileListener and
// net.FileConn on the fd that follows stdio and the --dir preopens.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { startDialtone, type RunningCli } from '../helpers/cli.ts';
import { guest, tempDir } from '../helpers/paths.ts';

/** A port that was free a moment ago on 127.0.0.1. */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, '127.0.0.1', resolve);
  });
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/**
 * Starts `filelistener serve FD` behind `--listen 127.0.0.1:PORT` on a port
 * just found free, trying again (up to 5 times) if someone took it meanwhile.
 */
async function serveOnFreePort(extra: readonly string[], fd: number): Promise<{ g: RunningCli; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const g = startDialtone(['run', ...extra, '--listen', `127.0.0.1:${port}`, guest('filelistener'), 'serve', String(fd)], {
      timeoutMs: 50_000,
    });
    try {
      await g.waitForLine(/^serving$/);
      return { g, port };
    } catch (err) {
      g.kill();
      const r = await g.exited;
      if (attempt < 5 && r.status === 1 && /--listen .*(in use|EADDRINUSE)/i.test(r.stderr)) continue;
      throw err;
    }
  }
}

async function get(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(20_000) });
  assert.equal(res.status, 200);
  return res.text();
}

test('net.FileListener serves HTTP on the --listen socket (fd 3)', { timeout: 60_000 }, async () => {
  const { g, port } = await serveOnFreePort([], 3);
  try {
    const base = `http://127.0.0.1:${port}`;
    assert.equal(await get(`${base}/one`), 'hello from a preopened listener: GET /one\n');
    const many = await Promise.all(Array.from({ length: 5 }, (_, i) => get(`${base}/many/${i}`)));
    many.forEach((body, i) => assert.equal(body, `hello from a preopened listener: GET /many/${i}\n`));
    assert.equal(await get(`${base}/quit`), 'bye\n');
    const r = await g.exited;
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'serving\nstopped\n');
  } finally {
    g.kill();
  }
});

test('after a --dir preopen the --listen socket is the next fd (4)', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  try {
    const { g, port } = await serveOnFreePort(['--dir', `${dir.path}:/data`], 4);
    try {
      assert.equal(await get(`http://127.0.0.1:${port}/after-dir`), 'hello from a preopened listener: GET /after-dir\n');
      assert.equal(await get(`http://127.0.0.1:${port}/quit`), 'bye\n');
      const r = await g.exited;
      assert.equal(r.status, 0, r.stderr);
    } finally {
      g.kill();
    }
  } finally {
    dir.cleanup();
  }
});

test('net.FileConn talks over the --dial socket to a node:net server', { timeout: 60_000 }, async () => {
  const received: string[] = [];
  const server = net.createServer((s) => {
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl === -1) return;
      const line = buf.slice(0, nl);
      received.push(line);
      s.end(`echo: ${line}\n`);
    });
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    const g = startDialtone(
      ['run', '--dial', `127.0.0.1:${port}`, guest('filelistener'), 'fileconn', '3', 'hello over a preopened connection'],
      {
        timeoutMs: 50_000,
      },
    );
    const r = await g.exited;
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'reply: echo: hello over a preopened connection\n');
    assert.deepEqual(received, ['hello over a preopened connection']);
  } finally {
    server.close();
  }
});
