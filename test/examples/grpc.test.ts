// examples/grpc builds and runs as its README shows: a gRPC server and
// client (google.golang.org/grpc, the Greeter service of
// examples/grpc/greeter/greeter.proto plus gRPC's health service) as
// GOOS=wasip1 guests under dialtone, each talking over loopback to a
// native build of the other from the same source.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { dialtone, runProcess, startDialtone } from '../helpers/cli.ts';
import { buildGoExample, exampleDir } from '../helpers/examples.ts';
import { spawnServer, waitUntilReady, type ServerProcess } from '../helpers/servers/server-process.ts';
import { eventually } from '../helpers/eventually.ts';

const README_LINES = [
  'GOOS=wasip1 GOARCH=wasm go build -o grpc-server.wasm ./server',
  'GOOS=wasip1 GOARCH=wasm go build -o grpc-client.wasm ./client',
  'npx dialtone run --allow-listen=127.0.0.1 grpc-server.wasm 127.0.0.1:50051',
  'npx dialtone run --allow-net=127.0.0.1:50051 grpc-client.wasm 127.0.0.1:50051',
  'go build -o grpc-server ./server',
  'go build -o grpc-client ./client',
];

/** The 1 MiB the client sends to Digest (as client/main.go makes it), so the expected digest is computed here, not copied. */
function digestPayload(): Buffer {
  const data = Buffer.alloc(1 << 20);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 251;
  return data;
}

/** What the client prints after a full, successful run: every answer comes from the server. */
const EXPECTED_CLIENT_OUTPUT = [
  'health of dialtone.example.greeter.Greeter: SERVING',
  'SayHello: hello, wasm',
  'SayHello with no name: InvalidArgument "name is empty"',
  `Digest: 1048576 bytes sha256:${createHash('sha256').update(digestPayload()).digest('hex')}`,
  'Chat: 1 "one" -> "ONE"',
  'Chat: 2 "two" -> "TWO"',
  'Chat: 3 "three" -> "THREE"',
  'done',
  '',
].join('\n');

/** The server's lines for one run of the client, which made every call on one connection from `peer`. */
function expectedServerLines(peer: string): string[] {
  return [
    `SayHello "wasm" from ${peer}`,
    `SayHello "" from ${peer}`,
    `Digest of 1048576 bytes from ${peer}`,
    `Chat of 3 messages from ${peer}`,
  ];
}

/** The lines a server printed after "listening on", for the client's calls. */
function callLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l !== '' && !l.startsWith('listening on '));
}

const built = { serverWasm: '', clientWasm: '', serverNative: '', clientNative: '' };

// Cold (an empty Go build cache, as on a fresh CI machine), google.golang.org/grpc takes about
// two minutes to compile for each target on two cores; warm, the four builds take seconds.
before(
  () => {
    built.serverWasm = buildGoExample('grpc', { pkg: './server' });
    built.clientWasm = buildGoExample('grpc', { pkg: './client' });
    built.serverNative = buildGoExample('grpc', { pkg: './server', native: true });
    built.clientNative = buildGoExample('grpc', { pkg: './client', native: true });
  },
  { timeout: 900_000 },
);

/** Starts the native server on a port of its choosing; resolves once it prints its address. */
async function startNativeServer(): Promise<{ server: ServerProcess; addr: string }> {
  const server = spawnServer(built.serverNative, ['127.0.0.1:0']);
  const listening = (): RegExpExecArray | null => /^listening on (127\.0\.0\.1:\d+)$/m.exec(server.log());
  if (!(await waitUntilReady(server, () => Promise.resolve(listening() !== null), 20_000))) {
    await server.stop();
    assert.fail(`the native server did not start: ${server.log()}`);
  }
  const addr = listening()?.[1];
  assert.ok(addr !== undefined);
  return { server, addr };
}

/** Resolves once `read()` contains `text`; fails after 10 s. */
function until(read: () => string, text: string): Promise<void> {
  return eventually(
    () => read().includes(text),
    () => `"${text}" in:\n${read()}`,
  );
}

test('the README shows how to build and run examples/grpc', () => {
  const readme = readFileSync(join(exampleDir('grpc'), 'README.md'), 'utf8');
  for (const line of README_LINES) assert.ok(readme.includes(`${line}\n`), `README shows: ${line}`);
});

test(
  'the guest gRPC server answers a native client: health, unary, an error status, 1 MiB, a bidirectional stream',
  { timeout: 300_000 },
  async () => {
    // Port 0 rather than the README's 50051, so the test never collides.
    const g = startDialtone(['run', '--allow-listen=127.0.0.1', built.serverWasm, '127.0.0.1:0'], { timeoutMs: 120_000 });
    try {
      const [, addr = ''] = await g.waitForLine(/^listening on (127\.0\.0\.1:\d+)$/);
      const r = await runProcess(built.clientNative, [addr], { timeoutMs: 60_000 });
      assert.equal(r.stderr, '', g.stderr());
      assert.equal(r.stdout.toString(), EXPECTED_CLIENT_OUTPUT);
      assert.equal(r.status, 0);
      // The guest saw every call, all from the client's one connection (its address as the guest's accept returned it).
      await until(g.stdout, 'Chat of 3 messages');
      const calls = callLines(g.stdout());
      const peer = /^SayHello "wasm" from (127\.0\.0\.1:\d+)$/.exec(calls[0] ?? '')?.[1];
      assert.ok(peer, g.stdout());
      assert.deepEqual(calls, expectedServerLines(peer));
      assert.equal(g.stderr(), '');
    } finally {
      g.kill();
      await g.exited;
    }
  },
);

test('the guest gRPC client calls a native server through --allow-net', { timeout: 300_000 }, async () => {
  const { server, addr } = await startNativeServer();
  try {
    const r = await dialtone(['run', `--allow-net=${addr}`, built.clientWasm, addr], { timeoutMs: 120_000 });
    assert.equal(r.stderr, '', server.log());
    assert.equal(r.stdout.toString(), EXPECTED_CLIENT_OUTPUT);
    assert.equal(r.status, 0);
    await until(server.log, 'Chat of 3 messages');
    const calls = callLines(server.log());
    const peer = /^SayHello "wasm" from (127\.0\.0\.1:\d+)$/.exec(calls[0] ?? '')?.[1];
    assert.ok(peer, server.log());
    assert.deepEqual(calls, expectedServerLines(peer));
  } finally {
    await server.stop();
  }
});

test('without --allow-net the guest client gets UNAVAILABLE, and the server sees no call', { timeout: 300_000 }, async () => {
  const { server, addr } = await startNativeServer();
  try {
    const r = await dialtone(['run', built.clientWasm, addr], { timeoutMs: 120_000 });
    assert.equal(r.status, 1);
    assert.equal(r.stdout.toString(), '');
    assert.match(r.stderr, /^health: rpc error: code = Unavailable desc = .*dial tcp 127\.0\.0\.1:\d+: connect: permission denied"?$/im);
    assert.deepEqual(callLines(server.log()), []);
  } finally {
    await server.stop();
  }
});
