// examples/rust builds from source with Debian's Rust for wasm32-wasi and
// its programs talk TCP through WasmEdge's own Rust socket library
// (wasmedge_wasi_socket, the V1 socket ABI) under dialtone, with blocking
// sockets: the client against a Node echo server (by address and by name),
// Node clients against the server (IPv4 and IPv6), and a refused or
// forbidden connect reported with the errno's own text.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { dialtone, startDialtone } from '../helpers/cli.ts';
import { importSignatures } from '../../src/wasi/import-signatures.ts';
import { wasmEdgeVersion } from '../../src/wasi/sockets/wasmedge.ts';
import { buildRustExample, exampleDir, RUST_EXAMPLE_BUILD } from '../helpers/examples.ts';

let client: string;
let server: string;

before(
  () => {
    const release = buildRustExample('rust');
    client = join(release, 'client.wasm');
    server = join(release, 'server.wasm');
  },
  { timeout: 300_000 },
);

async function listen(s: Server): Promise<number> {
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return (s.address() as AddressInfo).port;
}

/** Sends `text` on a new connection to host:port, half-closes, and resolves with all it got back. */
async function exchange(host: string, port: number, text: string): Promise<{ reply: string; localPort: number }> {
  const sock: Socket = connect(port, host);
  await once(sock, 'connect');
  const localPort = sock.localPort ?? 0;
  let reply = '';
  sock.setEncoding('utf8');
  sock.on('data', (s: string) => (reply += s));
  sock.end(text);
  await once(sock, 'close');
  return { reply, localPort };
}

test('the README shows the build command the tests use', () => {
  const readme = readFileSync(join(exampleDir('rust'), 'README.md'), 'utf8');
  const env = Object.entries(RUST_EXAMPLE_BUILD.env).map(([k, v]) => `${k}=${v}`);
  const line = [...env, RUST_EXAMPLE_BUILD.cargo, ...RUST_EXAMPLE_BUILD.args].join(' ');
  assert.ok(readme.includes(`\n${line}\n`), `README shows: ${line}`);
});

test('the Rust programs import WasmEdge V1 sockets, and dialtone answers them with V1', () => {
  const params = (wasm: string, name: string): number | undefined =>
    importSignatures(readFileSync(wasm))?.get(`wasi_snapshot_preview1.${name}`)?.params;
  assert.equal(params(server, 'sock_accept'), 2);
  for (const wasm of [client, server]) {
    assert.equal(params(wasm, 'sock_getlocaladdr'), 4);
    // Stream data goes through preview 1's sock_recv / sock_send.
    assert.equal(params(wasm, 'sock_recv'), 6);
    assert.equal(params(wasm, 'sock_send'), 5);
    assert.equal(wasmEdgeVersion(importSignatures(readFileSync(wasm))), 'v1');
  }
});

/**
 * Runs the client against a Node echo server on 127.0.0.1, naming it
 * `host`, and checks what both sides saw.
 */
async function clientEchoes(host: string): Promise<void> {
  const seen: { line: string; remotePort: number }[] = [];
  const echo = createServer((s) => {
    s.setEncoding('utf8');
    let got = '';
    s.on('data', (d: string) => {
      got += d;
      if (got.includes('\n')) seen.push({ line: got, remotePort: s.remotePort ?? 0 });
      s.write(d);
    });
    s.on('error', () => {});
  });
  try {
    const port = await listen(echo);
    const r = await dialtone(['run', `--allow-net=${host}:${port}`, client, `${host}:${port}`, 'hello from the test']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'hello from the test\n');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.line, 'hello from the test\n');
    // The local address the guest reads (sock_getlocaladdr, V1) is the one the server saw.
    assert.match(
      r.stderr,
      new RegExp(`^connected to ${host.replaceAll('.', '\\.')}:${port} from 127\\.0\\.0\\.1:${seen[0]?.remotePort}$`, 'm'),
    );
  } finally {
    echo.close();
  }
}

test('the Rust client sends a line to a Node echo server and prints the answer', { timeout: 60_000 }, () => clientEchoes('127.0.0.1'));

test('the Rust client finds the server by name (localhost) through sock_getaddrinfo', { timeout: 60_000 }, () => clientEchoes('localhost'));

test('Node clients reach the Rust echo server, which reports the real port and each peer', { timeout: 60_000 }, async () => {
  const g = startDialtone(['run', '--allow-listen=127.0.0.1', server, '127.0.0.1:0', '2'], { timeoutMs: 60_000 });
  try {
    const [, portText] = await g.waitForLine(/^listening on 127\.0\.0\.1:(\d+)$/);
    const port = Number(portText);
    assert.ok(port > 0, `a real port, not ${portText}`);
    const big = 'x'.repeat(100_000);
    const first = await exchange('127.0.0.1', port, 'first line\nsecond line\n');
    assert.equal(first.reply, 'first line\nsecond line\n');
    const second = await exchange('127.0.0.1', port, big);
    assert.equal(second.reply, big);
    const done = await g.exited;
    assert.equal(done.status, 0, done.stderr);
    assert.deepEqual(done.stdout.toString().split('\n').slice(1), [
      `echoed 23 bytes to 127.0.0.1:${first.localPort}`,
      `echoed ${big.length} bytes to 127.0.0.1:${second.localPort}`,
      '',
    ]);
  } finally {
    g.kill();
  }
});

test('the Rust echo server listens on IPv6 loopback and reports its address in brackets', { timeout: 60_000 }, async () => {
  const g = startDialtone(['run', '--allow-listen=::1', server, '[::1]:0'], { timeoutMs: 60_000 });
  try {
    const [, portText] = await g.waitForLine(/^listening on \[::1\]:(\d+)$/);
    const { reply, localPort } = await exchange('::1', Number(portText), 'over IPv6\n');
    assert.equal(reply, 'over IPv6\n');
    const done = await g.exited;
    assert.equal(done.status, 0, done.stderr);
    assert.match(done.stdout.toString(), new RegExp(`^echoed 10 bytes to \\[::1\\]:${localPort}$`, 'm'));
  } finally {
    g.kill();
  }
});

test('a refused connect and a connect the policy forbids fail with their errno texts', { timeout: 60_000 }, async () => {
  // A port that was just free: nothing listens there.
  const gone = createServer();
  const port = await listen(gone);
  gone.close();
  await once(gone, 'close');

  const refused = await dialtone(['run', `--allow-net=127.0.0.1:${port}`, client, `127.0.0.1:${port}`]);
  assert.equal(refused.status, 1, refused.stderr);
  assert.equal(refused.stdout.toString(), '');
  assert.equal(refused.stderr, `client: connect 127.0.0.1:${port}: Connection refused (os error 14)\n`);

  const denied = await dialtone(['run', client, `127.0.0.1:${port}`]);
  assert.equal(denied.status, 1, denied.stderr);
  assert.equal(denied.stderr, `client: connect 127.0.0.1:${port}: Permission denied (os error 2)\n`);
});
