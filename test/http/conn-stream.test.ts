// ConnStream: the Conn-as-Duplex under dialtone/http. Its socket timeout
// works as net.Socket's, and short reads do not pin a whole read buffer.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ConnStream } from '../../src/http/index.ts';
import { Network, type Conn } from '../../src/net/index.ts';
import { MemoryNetwork } from '../../src/netdev/memory/network.ts';
import { repoRoot } from '../helpers/paths.ts';

/** Both ends of a connection on a fresh in-memory network. */
async function pair(): Promise<{ client: Conn; server: Conn; done: () => void }> {
  const network = new Network({ driver: new MemoryNetwork() });
  const listener = await network.listen('tcp', '127.0.0.1:0');
  const [client, server] = await Promise.all([network.dial('tcp', listener.addr.toString()), listener.accept()]);
  return { client, server, done: () => listener.close() };
}

test(
  'ConnStream.setTimeout emits timeout once after inactivity, is reset by reads and writes, and 0 disables it',
  { timeout: 20_000 },
  async () => {
    const { client, server, done } = await pair();
    const stream = new ConnStream(server);
    try {
      stream.resume();
      let fired = 0;
      const start = Date.now();
      stream.setTimeout(150, () => fired++);
      assert.equal(stream.timeout, 150);
      // Activity every 50 ms for 300 ms, half of it reads, half writes: no timeout.
      for (let i = 0; i < 6; i++) {
        await sleep(50);
        if (i % 2 === 0) await client.write(new Uint8Array([i]));
        else await new Promise<void>((resolve, reject) => stream.write('x', (err) => (err ? reject(err) : resolve())));
      }
      assert.equal(fired, 0, 'activity kept resetting the timer');
      await once(stream, 'timeout', { signal: AbortSignal.timeout(3000) });
      assert.ok(Date.now() - start >= 400, 'timed out only after the activity stopped');
      assert.equal(fired, 1);
      await sleep(300);
      assert.equal(fired, 1, 'one timeout per idle spell');
      assert.equal(stream.destroyed, false, 'a timeout does not end the stream by itself');

      let again = 0;
      stream.on('timeout', () => again++);
      stream.setTimeout(0);
      assert.equal(stream.timeout, 0);
      await sleep(250);
      assert.equal(again, 0, '0 disables it');

      stream.setTimeout(100);
      stream.destroy();
      await sleep(200);
      assert.equal(again, 0, 'destroy clears it');
    } finally {
      stream.destroy();
      await client.close().catch(() => {});
      done();
    }
  },
);

test('ConnStream reads a peer’s trickle of 1-byte segments into 1-byte buffers, not 64 KiB each', { timeout: 20_000 }, async () => {
  const { client, server, done } = await pair();
  const stream = new ConnStream(server);
  try {
    stream.pause();
    stream.read(0); // start reading while paused: the chunks wait in the stream's buffer
    for (let i = 0; i < 20; i++) {
      await client.write(new Uint8Array([65 + i]));
      await sleep(2);
    }
    const deadline = Date.now() + 2000;
    while (stream.readableLength < 20 && Date.now() < deadline) await sleep(5);
    assert.equal(stream.readableLength, 20);
    let pinned = 0;
    let text = '';
    const ended = once(stream, 'end');
    stream.on('data', (chunk: Buffer) => {
      pinned += chunk.buffer.byteLength;
      text += chunk.toString('latin1');
    });
    stream.resume();
    await client.closeWrite();
    await ended;
    assert.equal(text, 'ABCDEFGHIJKLMNOPQRST');
    assert.ok(pinned <= 20 * 1024, `20 bytes pin ${pinned} bytes`);
  } finally {
    stream.destroy();
    await client.close().catch(() => {});
    done();
  }
});

test('ConnStream passes big reads on intact', { timeout: 20_000 }, async () => {
  const { client, server, done } = await pair();
  const stream = new ConnStream(server);
  try {
    const big = new Uint8Array(500_000).map((_, i) => (i * 7) % 256);
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    const ended = once(stream, 'end');
    await client.write(big);
    await client.closeWrite();
    await ended;
    assert.deepEqual(new Uint8Array(Buffer.concat(chunks)), big);
  } finally {
    stream.destroy();
    await client.close().catch(() => {});
    done();
  }
});

test('a ConnStream’s timer does not keep the process alive', { timeout: 20_000 }, async () => {
  const src = (...p: string[]): string => JSON.stringify(join(repoRoot, 'src', ...p));
  const script = `
    import { ConnStream } from ${src('http', 'index.ts')};
    import { Network } from ${src('net', 'index.ts')};
    import { MemoryNetwork } from ${src('netdev', 'memory', 'network.ts')};
    const network = new Network({ driver: new MemoryNetwork() });
    const listener = await network.listen('tcp', '127.0.0.1:0');
    const [, server] = await Promise.all([network.dial('tcp', listener.addr.toString()), listener.accept()]);
    new ConnStream(server).setTimeout(60_000);
    console.log('armed');
  `;
  const start = Date.now();
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 15_000 });
  assert.equal(stdout, 'armed\n');
  assert.ok(Date.now() - start < 10_000, 'the process exited without waiting for the timer');
});
