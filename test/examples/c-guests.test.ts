// examples/c builds from source with clang and wasi-libc, and its programs
// talk TCP under dialtone through the WasmEdge socket extensions with plain
// blocking sockets: the C client against a Node echo server, a Node client
// against the C server, and a refused or forbidden connect reported with
// wasi-libc's own errno text.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { dialtone, startDialtone } from '../helpers/cli.ts';
import { buildCExample, C_EXAMPLE_BUILD, exampleDir } from '../helpers/examples.ts';

let client: string;
let server: string;

before(
  () => {
    client = buildCExample('c', 'tcp_client');
    server = buildCExample('c', 'tcp_server');
  },
  { timeout: 120_000 },
);

async function listen(s: Server): Promise<number> {
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return (s.address() as AddressInfo).port;
}

/** A Node server that answers each line with "echo: " and the line, recording what it read. */
function echoServer(lines: string[]): Server {
  return createServer((s) => {
    s.setEncoding('utf8');
    let got = '';
    s.on('data', (d: string) => {
      got += d;
      for (let nl = got.indexOf('\n'); nl !== -1; nl = got.indexOf('\n')) {
        const line = got.slice(0, nl);
        got = got.slice(nl + 1);
        lines.push(line);
        s.write(`echo: ${line}\n`);
      }
    });
    s.on('error', () => {});
  });
}

/** Sends `text` on a new connection to 127.0.0.1:port, half-closes, and resolves with all it got back. */
async function exchange(port: number, text: string): Promise<string> {
  const sock: Socket = connect(port, '127.0.0.1');
  await once(sock, 'connect');
  let reply = '';
  sock.setEncoding('utf8');
  sock.on('data', (s: string) => (reply += s));
  sock.end(text);
  await once(sock, 'close');
  return reply;
}

test('the README shows the build command the tests use, and how to run each program', () => {
  const readme = readFileSync(join(exampleDir('c'), 'README.md'), 'utf8');
  for (const program of ['tcp_client', 'tcp_server']) {
    const line = [C_EXAMPLE_BUILD.cc, ...C_EXAMPLE_BUILD.args, '-o', `${program}.wasm`, `${program}.c`].join(' ');
    assert.ok(readme.includes(`\n${line}\n`), `README shows: ${line}`);
  }
  assert.ok(readme.includes('npx dialtone run --allow-listen=127.0.0.1 tcp_server.wasm 127.0.0.1 8080'));
  assert.ok(readme.includes('npx dialtone run --allow-net=127.0.0.1:8080 tcp_client.wasm 127.0.0.1 8080'));
});

test('the C client connects to a Node echo server, sends its line and prints the reply', { timeout: 60_000 }, async () => {
  const lines: string[] = [];
  const echo = echoServer(lines);
  try {
    const port = await listen(echo);
    const r = await dialtone(['run', `--allow-net=127.0.0.1:${port}`, client, '127.0.0.1', String(port), 'ping from C']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.toString('utf8'), 'reply: echo: ping from C\n');
    assert.deepEqual(lines, ['ping from C']);
  } finally {
    echo.close();
  }
});

test(
  'Node clients reach the C server on the port it prints, one after another, and get their bytes back',
  { timeout: 60_000 },
  async () => {
    const g = startDialtone(['run', '--allow-listen=127.0.0.1', server, '127.0.0.1', '0', '2'], { timeoutMs: 50_000 });
    try {
      const [, port] = await g.waitForLine(/^listening on 127\.0\.0\.1:(\d+)$/);
      assert.notEqual(Number(port), 0, 'the real port, not the 0 asked for');
      assert.equal(await exchange(Number(port), 'first connection\n'), 'first connection\n');
      const big = 'x'.repeat(200_000);
      assert.equal(await exchange(Number(port), big), big, 'a reply larger than any one buffer comes back whole');
      const r = await g.exited;
      assert.equal(r.status, 0, r.stderr);
    } finally {
      g.kill();
      await g.exited;
    }
  },
);

test('the C client reports a refused connect and a forbidden one with the errno text', { timeout: 60_000 }, async () => {
  const closed = createServer();
  const port = await listen(closed);
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const refused = await dialtone(['run', `--allow-net=127.0.0.1:${port}`, client, '127.0.0.1', String(port)]);
  assert.equal(refused.status, 1, refused.stderr);
  assert.equal(refused.stderr, 'connect: Connection refused\n');

  // Something listens this time: the policy, not the peer, must refuse.
  const lines: string[] = [];
  const echo = echoServer(lines);
  let connections = 0;
  echo.on('connection', () => connections++);
  try {
    const open = await listen(echo);
    const denied = await dialtone(['run', client, '127.0.0.1', String(open)]);
    assert.equal(denied.status, 1, denied.stderr);
    assert.equal(denied.stderr, 'connect: Permission denied\n');
    assert.equal(connections, 0);
  } finally {
    echo.close();
  }
});
