// dispatchrun/net's own test suite (github.com/stealthrocket/net/wasip1, the
// version test/guests/go.mod pins) under dialtone, through `go test` and
// go_wasip1_wasm_exec, the way a user of that library would run it:
//
//   GOOS=wasip1 GOARCH=wasm go test -count=1 -v \
//     -skip 'TestLookup|TestPacketConn/unixgram' github.com/stealthrocket/net/wasip1
//
// TestConn runs golang.org/x/net/nettest's conformance tests for net.Conn
// (basic I/O, ping-pong, racy reads and writes, deadlines in the past,
// present and future, close during a blocked call, concurrent methods) over
// tcp, tcp4, tcp6 and unix listeners and dialers; TestPacketConn sends one
// datagram each way over udp, udp4 and udp6. Every one of those subtests
// must be reported PASS: the exit code alone would not show a subtest that
// silently went missing. (BasicIO, which closes right after writing 1 MiB,
// is what caught close() dropping bytes Node still held for sending.)
//
// Skipped, on purpose:
//   - TestLookup*: they expect example.com to resolve to fixed records
//     (10.0.0.1, 10.0.0.2, fe80::ec34:70ff:fe53:470e) from a DNS server set
//     up for them, and are written for the library's `-tags getaddrinfo`
//     build. test/sockets/dispatchrun-lookup.test.ts runs them that way,
//     against a DNS server on loopback named by --dns-server. Run here they
//     would ask the machine's real resolver, sending queries off the machine.
//   - TestPacketConn/unixgram: Node.js has no Unix datagram sockets, so
//     dialtone answers ENOTSUP for SOCK_DGRAM in AF_UNIX (docs/compatibility.md).
//
// The network policy is loopback-only: the tests dial the wildcard address
// their ":0" listeners report (0.0.0.0 or ::, which Linux delivers to
// loopback), and their Unix sockets live under a fresh TMPDIR below /tmp.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { before, test } from 'node:test';
import { runProcess } from '../helpers/cli.ts';
import { repoRoot } from '../helpers/paths.ts';

const PACKAGE = 'github.com/stealthrocket/net/wasip1';
const SKIP = 'TestLookup|TestPacketConn/unixgram';

/** golang.org/x/net/nettest's TestConn subtests (x/net v0.10.0). */
const NETTEST = [
  'BasicIO',
  'PingPong',
  'RacyRead',
  'RacyWrite',
  'ReadTimeout',
  'WriteTimeout',
  'PastTimeout',
  'PresentTimeout',
  'FutureTimeout',
  'CloseTimeout',
  'ConcurrentMethods',
];
const STREAM_NETWORKS = ['tcp', 'tcp4', 'tcp6', 'unix'];
const PACKET_NETWORKS = ['udp', 'udp4', 'udp6'];

/** Every test and subtest expected to PASS. */
const EXPECTED: readonly string[] = [
  'TestConn',
  ...STREAM_NETWORKS.flatMap((n) => [`TestConn/${n}`, ...NETTEST.map((s) => `TestConn/${n}/${s}`)]),
  'TestPacketConn',
  ...PACKET_NETWORKS.map((n) => `TestPacketConn/${n}`),
];

/** `--- RESULT: name` lines of `go test -v`, as [name, result]. */
function verdicts(out: string): [string, string][] {
  const found: [string, string][] = [];
  for (const m of out.matchAll(/^\s*--- (PASS|FAIL|SKIP): (\S+) \([0-9.]+s\)$/gm)) found.push([m[2] as string, m[1] as string]);
  return found;
}

interface SuiteRun {
  status: number | null;
  out: string;
  /** stdout and stderr, for assertion messages. */
  context: string;
  seen: [string, string][];
}

let run: SuiteRun | undefined;

before(
  async () => {
    // Short, so Unix socket paths under t.TempDir() stay well below 108 bytes.
    const tmp = mkdtempSync('/tmp/dialtone-dnet-');
    try {
      const bin = join(tmp, 'bin');
      const gotmp = join(tmp, 't');
      mkdirSync(bin);
      mkdirSync(gotmp);
      symlinkSync(join(repoRoot, 'bin', 'go_wasip1_wasm_exec.js'), join(bin, 'go_wasip1_wasm_exec'));
      const loopback = '127.0.0.1,::1,0.0.0.0,::,localhost';
      const policy = `--allow-net=${loopback},${gotmp} --allow-listen=${loopback},${gotmp}`;
      const { GOOS: _os, GOARCH: _arch, ...env } = process.env;
      const result = await runProcess('go', ['test', '-count=1', '-v', '-timeout=300s', '-skip', SKIP, PACKAGE], {
        cwd: join(repoRoot, 'test', 'guests'),
        env: {
          ...env,
          PATH: [bin, dirname(process.execPath), process.env.PATH].join(':'),
          GOOS: 'wasip1',
          GOARCH: 'wasm',
          TMPDIR: gotmp,
          GOWASIRUNTIMEARGS: policy,
        },
        timeoutMs: 420_000,
      });
      const out = result.stdout.toString();
      run = { status: result.status, out, context: `${out}\n${result.stderr}`, seen: verdicts(out) };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  },
  { timeout: 480_000 },
);

function suite(): SuiteRun {
  assert.ok(run, 'go test did not run');
  return run;
}

test(`dispatchrun/net's own suite (${PACKAGE}): every TestConn and TestPacketConn subtest passes`, () => {
  const { seen, context, status, out } = suite();
  // Exactly the expected tests ran, each to a verdict: the skip pattern kept
  // out exactly what it names, and nothing panicked or hung half-way.
  assert.deepEqual(seen.map(([n]) => n).sort(), [...EXPECTED].sort(), context);
  const failed = seen.filter(([, r]) => r !== 'PASS').map(([n, r]) => `${r} ${n}`);
  assert.deepEqual(failed, [], context);
  for (const name of EXPECTED)
    assert.ok(
      seen.some(([n, r]) => n === name && r === 'PASS'),
      `${name} did not PASS\n${context}`,
    );
  assert.equal(status, 0, context);
  assert.match(out, new RegExp(`^ok\\s+${PACKAGE.replaceAll('.', '\\.')}\\s`, 'm'), context);
});
