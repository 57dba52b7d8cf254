// dispatchrun/net's own name-resolution tests (TestLookup*, in
// github.com/stealthrocket/net/wasip1/lookup_wasip1_test.go) under
// dialtone, the way the library's CI runs them with wasirun: against a DNS
// server set up for them, named by `--dns-server`.
//
//   GOOS=wasip1 GOARCH=wasm go test -tags getaddrinfo -count=1 -v \
//     -run '^TestLookup' github.com/stealthrocket/net/wasip1
//
// The server is started here on 127.0.0.1 and answers what the tests
// expect (example.com → 10.0.0.1, 10.0.0.2, fe80::ec34:70ff:fe53:470e;
// nothing else exists). The tests only resolve, never connect; the policy
// allows looking example.com up and denies its addresses, so everything
// stays on loopback.
//
// Built with `-tags getaddrinfo`, the library resolves through
// sock_getaddrinfo (with its hints: family, AI_PASSIVE for ":443"), which is
// what the tests are written for. Its default build resolves with Go's own
// resolver through the DNS stub, but asks for every family whatever the
// network ("tcp4" gets IPv6 addresses too), so the family-specific cases
// fail there whatever the host does; that build's resolver path is covered
// by test/dns/dns-server-cli.test.ts.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { DnsStub } from '../../src/dns/stub.ts';
import { runProcess } from '../helpers/cli.ts';
import { repoRoot } from '../helpers/paths.ts';
import { serveStub, type StubServer } from '../dns/server.ts';

const PACKAGE = 'github.com/stealthrocket/net/wasip1';

/** The records lookup_wasip1_test.go expects. */
const EXAMPLE_COM = ['10.0.0.1', '10.0.0.2', 'fe80::ec34:70ff:fe53:470e'];

/** Every test and subtest expected to PASS (stealthrocket/net v0.2.1). */
const EXPECTED: readonly string[] = [
  'TestLookupAddr',
  ...['tcp', 'tcp4', 'tcp6'].map((n) => `TestLookupAddr/dial_${n}_example.com:443`),
  ...['udp', 'udp4', 'udp6'].map((n) => `TestLookupAddr/dial_${n}_example.com:80`),
  'TestLookupAddr/dial_unix_example.sock',
  ...['tcp', 'tcp4', 'tcp6'].map((n) => `TestLookupAddr/listen_${n}_:443`),
];

let upstream: StubServer | undefined;
const asked: string[] = [];
let run: { status: number | null; out: string; context: string; seen: [string, string][] } | undefined;

before(
  async () => {
    upstream = await serveStub(
      new DnsStub({
        policy: () => ({ allowed: true }),
        resolve: async (name, family) => {
          asked.push(name);
          if (name !== 'example.com') throw Object.assign(new Error(`${name} not found`), { code: 'ENOTFOUND' });
          return EXAMPLE_COM.filter((a) => a.includes(':') === (family === 6));
        },
      }),
    );
    const tmp = mkdtempSync('/tmp/dialtone-dlookup-');
    try {
      const bin = join(tmp, 'bin');
      mkdirSync(bin);
      symlinkSync(join(repoRoot, 'bin', 'go_wasip1_wasm_exec.js'), join(bin, 'go_wasip1_wasm_exec'));
      const loopback = '127.0.0.1,::1,0.0.0.0,::,localhost';
      const args = [
        `--dns-server=127.0.0.1:${upstream.port}`,
        `--allow-net=${loopback},example.com`,
        '--deny-net=10.0.0.0/8,fe80::/10',
        `--allow-listen=${loopback}`,
      ].join(' ');
      const { GOOS: _os, GOARCH: _arch, ...env } = process.env;
      const result = await runProcess(
        'go',
        ['test', '-tags', 'getaddrinfo', '-count=1', '-v', '-timeout=120s', '-run', '^TestLookup', PACKAGE],
        {
          cwd: join(repoRoot, 'test', 'guests'),
          env: {
            ...env,
            PATH: [bin, dirname(process.execPath), process.env.PATH].join(':'),
            GOOS: 'wasip1',
            GOARCH: 'wasm',
            GOWASIRUNTIMEARGS: args,
          },
          timeoutMs: 240_000,
        },
      );
      const out = result.stdout.toString();
      const seen: [string, string][] = [];
      for (const m of out.matchAll(/^\s*--- (PASS|FAIL|SKIP): (\S+) \([0-9.]+s\)$/gm)) seen.push([m[2] as string, m[1] as string]);
      run = { status: result.status, out, context: `${out}\n${result.stderr}`, seen };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  },
  { timeout: 300_000 },
);

after(async () => {
  await upstream?.close();
});

test(`dispatchrun/net's TestLookup* (${PACKAGE}, -tags getaddrinfo) pass against a DNS server on loopback named by --dns-server`, () => {
  assert.ok(run, 'go test did not run');
  const { seen, context, status, out } = run;
  assert.deepEqual(seen.map(([n]) => n).sort(), [...EXPECTED].sort(), context);
  assert.deepEqual(
    seen.filter(([, r]) => r !== 'PASS').map(([n, r]) => `${r} ${n}`),
    [],
    context,
  );
  assert.equal(status, 0, context);
  assert.match(out, new RegExp(`^ok\\s+${PACKAGE.replaceAll('.', '\\.')}\\s`, 'm'), context);
  assert.ok(asked.includes('example.com'), 'the names were asked of the loopback server');
  assert.deepEqual([...new Set(asked)], ['example.com'], 'no other name was looked up');
});
