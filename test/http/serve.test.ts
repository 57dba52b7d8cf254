// serve(): keep-alive timeouts, closing its connections when it ends,
// retrying temporary accept errors, and an onError that throws.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as net from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { serve, type Handler } from '../../src/http/index.ts';
import { Network, OpError, type Conn, type Listener } from '../../src/net/index.ts';
import { MemoryNetwork } from '../../src/netdev/memory/network.ts';
import { NodeDriver } from '../../src/netdev/node/driver.ts';

const hello: Handler = async (w) => {
  await w.write('hi');
};

/** A raw keep-alive connection to `port` on 127.0.0.1 that has had one response; resolves when its socket closes. */
async function keepAliveExchange(port: number): Promise<{ socket: net.Socket; closed: Promise<unknown> }> {
  const socket = net.connect(port, '127.0.0.1');
  const closed = once(socket, 'close');
  await once(socket, 'connect');
  socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
  const [data] = (await once(socket, 'data')) as [Buffer];
  assert.match(data.toString(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n2\r\nhi\r\n/);
  return { socket, closed };
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

test('serve ends a keep-alive connection idle for keepAliveTimeout', { timeout: 20_000 }, async () => {
  const listener = await new Network({ driver: new NodeDriver() }).listen('tcp', '127.0.0.1:0');
  const serving = serve(listener, hello, { keepAliveTimeout: 100 });
  const { socket, closed } = await keepAliveExchange(listener.addr.port);
  try {
    const start = Date.now();
    // Node adds its keepAliveTimeoutBuffer (1 s) to the socket's timeout.
    await within(closed, 4000, 'the idle connection closed');
    assert.ok(Date.now() - start >= 100);
  } finally {
    socket.destroy();
    listener.close();
    await serving;
  }
});

test('when serve ends, the connections it accepted are closed', { timeout: 20_000 }, async () => {
  const listener = await new Network({ driver: new NodeDriver() }).listen('tcp', '127.0.0.1:0');
  const serving = serve(listener, hello, { keepAliveTimeout: 60_000 });
  const { socket, closed } = await keepAliveExchange(listener.addr.port);
  try {
    listener.close();
    await serving;
    await within(closed, 2000, 'the connection closed after serve ended');
  } finally {
    socket.destroy();
  }
});

/** `real`, but its first `failures` accepts reject with `error`. */
function flaky(real: Listener, failures: number, error: () => Error): { listener: Listener; attempts: number[] } {
  const attempts: number[] = [];
  let left = failures;
  const accept = async (): Promise<Conn> => {
    attempts.push(Date.now());
    if (left > 0) {
      left--;
      throw error();
    }
    return real.accept();
  };
  const listener = Object.assign(Object.create(real) as Listener, {
    accept,
    close: () => real.close(),
    // As Listener's own iterator: ends once closed, throws any other error.
    async *[Symbol.asyncIterator]() {
      for (;;) {
        try {
          yield await accept();
        } catch (err) {
          if ((err as OpError).code === 'ERR_NET_CLOSED') return;
          throw err;
        }
      }
    },
  });
  return { listener, attempts };
}

const temporary = (): OpError => new OpError({ op: 'accept', net: 'tcp', code: 'EMFILE', reason: 'too many open files' });

test('serve retries temporary accept errors with Go’s backoff and rejects on others', { timeout: 20_000 }, async () => {
  const network = new Network({ driver: new MemoryNetwork() });
  const real = await network.listen('tcp', '127.0.0.1:0');
  const { listener, attempts } = flaky(real, 4, temporary);
  assert.equal(temporary().temporary, true);
  const serving = serve(listener, hello);
  try {
    const conn = await network.dial('tcp', real.addr.toString());
    await conn.write(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    const buf = new Uint8Array(1024);
    let text = '';
    for (let n = await conn.read(buf); n !== null && text.length < 4096; n = await conn.read(buf)) {
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    assert.match(text, /^HTTP\/1\.1 200 OK/);
    await conn.close();
    const gaps = attempts.slice(1, 5).map((t, i) => t - (attempts[i] as number));
    // 5, 10, 20, 40 ms (timers may run late, never early).
    gaps.forEach((gap, i) => assert.ok(gap >= 5 * 2 ** i - 1, `pause ${i} was ${gap} ms`));
    assert.ok(gaps.reduce((a, b) => a + b) < 1000);
  } finally {
    listener.close();
    await serving;
  }

  const other = flaky(
    await network.listen('tcp', '127.0.0.1:0'),
    1,
    () => new OpError({ op: 'accept', net: 'tcp', code: 'EINVAL', reason: 'invalid argument' }),
  );
  await assert.rejects(serve(other.listener, hello), { code: 'EINVAL' });
  other.listener.close();
});

test('an onError that throws neither breaks the response nor becomes an unhandled rejection', { timeout: 20_000 }, async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  const listener = await new Network({ driver: new NodeDriver() }).listen('tcp', '127.0.0.1:0');
  const serving = serve(
    listener,
    () => {
      throw new Error('handler failed');
    },
    {
      onError: () => {
        throw new Error('onError failed');
      },
    },
  );
  const socket = net.connect(listener.addr.port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    await within(once(socket, 'end'), 2000, 'the response ended');
    assert.match(text, /^HTTP\/1\.1 500 Internal Server Error\r\n/);
    await sleep(50);
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    socket.destroy();
    listener.close();
    await serving;
  }
});
