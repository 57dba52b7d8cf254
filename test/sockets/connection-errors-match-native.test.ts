// The errors a Go program sees when TCP connections fail, compared between
// a native build (net.Dial, the kernel's answers) and the wasip1 build
// (dispatchrun/net through dialtone) against the same node:net peers: a
// refused dial, a reset after some data, a peer that half-closes, and (wasm
// only) a dial the policy refuses.
//
// Two differences are Go's, not dialtone's, and the comparison allows for
// them (the wasm output is also checked exactly):
// - on wasip1, syscall.Errno texts come from Go's own table
//   (syscall/tables_wasip1.go), capitalised ("Connection refused") where
//   Linux's are lower case ("connection refused");
// - Go's net package on wasip1 names the failing calls after the WASI
//   functions (readSyscallName "fd_read", "fd_write" in net/fd_wasip1.go)
//   where Linux says "read", "write".
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, test } from 'node:test';
import { dialtone, runProcess } from '../helpers/cli.ts';
import { guest, nativeGuest } from '../helpers/paths.ts';

const listen = async (server: net.Server): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
};
const close = (server: net.Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

let closedPort: number;
let resetPort: number;
let halfClosePort: number;
let sinkPort: number;
/** What each half-closing connection received from the guest after the peer's FIN. */
const halfCloseReplies: Promise<string>[] = [];
const servers: net.Server[] = [];

before(async () => {
  // A port that was just closed: nothing listens there.
  const gone = net.createServer();
  closedPort = await listen(gone);
  await close(gone);

  // Sends "hello", waits for the guest's "got it\n", then resets (RST).
  const reset = net.createServer((s) => {
    s.on('error', () => {});
    s.write('hello');
    let seen = '';
    s.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes('got it\n')) s.resetAndDestroy();
    });
  });
  // Sends some bytes and half-closes (FIN), then reads what the guest sends after.
  const halfClose = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => {});
    halfCloseReplies.push(
      new Promise((resolve) => {
        let got = '';
        s.on('data', (d: Buffer) => (got += d.toString()));
        s.on('end', () => resolve(got));
        s.on('close', () => resolve(got));
      }),
    );
    s.end('request data');
  });
  // Accepts and closes: the target of the dial the policy refuses (a
  // wrongly allowed dial would show as "connected").
  const sink = net.createServer((s) => s.destroy());
  servers.push(reset, halfClose, sink);
  resetPort = await listen(reset);
  halfClosePort = await listen(halfClose);
  sinkPort = await listen(sink);
});

after(async () => {
  await Promise.all(servers.map(close));
});

/** Local ports are ephemeral: "127.0.0.1:51234->" becomes "127.0.0.1:*->". */
const normalize = (s: string): string => s.replace(/(127\.0\.0\.1):\d+->/g, '$1:*->');

function cases(): string[] {
  return [
    'refused',
    `127.0.0.1:${closedPort}`,
    'reset',
    `127.0.0.1:${resetPort}`,
    'writereset',
    `127.0.0.1:${resetPort}`,
    'halfclose',
    `127.0.0.1:${halfClosePort}`,
  ];
}

test(
  'connection errors read the same in the wasm guest as natively (up to Go’s own wasip1 errno texts and call names)',
  { timeout: 60_000 },
  async () => {
    halfCloseReplies.length = 0;
    const native = await runProcess(nativeGuest('connerrors'), cases(), { timeoutMs: 30_000 });
    assert.equal(native.status, 0, native.stderr);
    const allow = `--allow-net=127.0.0.1:${closedPort},127.0.0.1:${resetPort},127.0.0.1:${halfClosePort}`;
    const wasm = await dialtone(['run', allow, guest('connerrors'), ...cases()], { timeoutMs: 50_000 });
    assert.equal(wasm.status, 0, wasm.stderr);

    const nativeOut = normalize(native.stdout.toString());
    const wasmOut = normalize(wasm.stdout.toString());
    const peer = (port: number): string => `tcp 127.0.0.1:*->127.0.0.1:${port}`;
    assert.equal(
      wasmOut,
      [
        `refused: dial tcp 127.0.0.1:${closedPort}: connect: Connection refused`,
        'reset: got "hello"',
        `reset: read after reset: 0 bytes, read ${peer(resetPort)}: fd_read: Connection reset by peer`,
        `reset: write after reset: write ${peer(resetPort)}: fd_write: Broken pipe`,
        'reset: read again: 0 bytes, EOF',
        // As on Linux: the first call after the reset reports it (here a
        // write: ECONNRESET), later writes EPIPE, and reads end of stream.
        'writereset: got "hello"',
        `writereset: write after reset: write ${peer(resetPort)}: fd_write: Connection reset by peer`,
        `writereset: write again: write ${peer(resetPort)}: fd_write: Broken pipe`,
        'writereset: read after that: 0 bytes, EOF',
        'halfclose: read "request data", then <nil>',
        'halfclose: read at EOF: 0 bytes, EOF',
        'halfclose: write after EOF: <nil>',
        '',
      ].join('\n'),
    );
    const asOnLinux = (out: string): string => out.replace(/: fd_(read|write): /g, ': $1: ').toLowerCase();
    assert.equal(asOnLinux(wasmOut), nativeOut.toLowerCase(), `native:\n${nativeOut}\nwasm:\n${wasmOut}`);
    // Both runs' replies after the peer's FIN arrived.
    assert.deepEqual(await Promise.all(halfCloseReplies), ['reply after EOF\n', 'reply after EOF\n']);
  },
);

test(
  'a dial the policy refuses fails with "connect: Permission denied" (EACCES), and the target sees nothing',
  { timeout: 60_000 },
  async () => {
    let accepted = 0;
    const sink = servers[2]!;
    const count = (): void => {
      accepted++;
    };
    sink.on('connection', count);
    try {
      const r = await dialtone(
        ['run', '--trace', `--allow-net=127.0.0.1:${closedPort}`, guest('connerrors'), 'denied', `127.0.0.1:${sinkPort}`],
        {
          timeoutMs: 50_000,
        },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.toString(), `denied: dial tcp 127.0.0.1:${sinkPort}: connect: Permission denied\n`);
      assert.match(r.stderr, new RegExp(`^policy: connect to 127\\.0\\.0\\.1:${sinkPort} refused: not in --allow-net`, 'm'));
      assert.equal(accepted, 0);
    } finally {
      sink.off('connection', count);
    }
  },
);
