// `dialtone run --dns-server HOST:PORT` end to end, with Go guests: the
// lookup guest (Go's pure-Go resolver → the in-host stub → the upstream)
// and the wasinet guest (sock_getaddrip → the same resolver). The upstream
// is a DNS server this test starts on 127.0.0.1, answering from a table
// whose addresses are all loopback: no query and no connection leaves the
// machine, and names unknown to the table are never asked of the system
// resolver.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, test } from 'node:test';
import { DnsStub } from '../../src/dns/stub.ts';
import { dialtone } from '../helpers/cli.ts';
import { guest } from '../helpers/paths.ts';
import { serveStub, type StubServer } from './server.ts';

/** Names only the test's upstream knows. */
const NAMES: Record<string, string[]> = {
  'only-upstream.test': ['127.0.0.1', '::1'],
  'v4only.test': ['127.0.0.1'],
};

let upstream: StubServer;
let echo: Server;
let echoPort: number;

before(async () => {
  upstream = await serveStub(
    new DnsStub({
      policy: () => ({ allowed: true }),
      resolve: async (name, family) => {
        const all = NAMES[name];
        if (all === undefined) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
        return all.filter((a) => a.includes(':') === (family === 6));
      },
    }),
  );
  // A line echo server for the wasinet guest to reach by name.
  echo = createServer((c) => {
    c.on('error', () => {});
    c.once('data', (b) => c.end(b));
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoPort = (echo.address() as { port: number }).port;
});

after(async () => {
  await upstream?.close();
  await new Promise<void>((resolve) => (echo ? echo.close(() => resolve()) : resolve()));
});

const server = (): string => `--dns-server=127.0.0.1:${upstream.port}`;
const LOOPBACK = '127.0.0.1,::1,localhost';

test('with --dns-server, Go’s resolver gets a name only that server knows', { timeout: 60_000 }, async () => {
  const before = upstream.transports.length;
  const r = await dialtone(['run', server(), `--allow-net=${LOOPBACK},only-upstream.test`, guest('lookup'), 'only-upstream.test'], {
    timeoutMs: 50_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.toString(), 'only-upstream.test 127.0.0.1 ::1\n');
  assert.ok(upstream.transports.length > before, 'the upstream was asked');
});

test('a name that does not exist is NXDOMAIN: Go says "no such host", not "server misbehaving"', { timeout: 60_000 }, async () => {
  const r = await dialtone(['run', server(), `--allow-net=${LOOPBACK},missing.test`, guest('lookup'), 'missing.test'], {
    timeoutMs: 50_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.toString(), 'missing.test error: lookup missing.test on 127.0.0.53:53: no such host\n');
});

test(
  'a lookup the policy refuses reads as refused: "permission denied" in Go, EACCES and the policy line in --trace',
  { timeout: 60_000 },
  async () => {
    const before = upstream.transports.length;
    const r = await dialtone(['run', '--trace', server(), `--allow-net=${LOOPBACK}`, guest('lookup'), 'only-upstream.test'], {
      timeoutMs: 50_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout.toString();
    assert.match(out, /^only-upstream\.test error: lookup only-upstream\.test on 127\.0\.0\.53:53: .*permission denied\n$/i);
    assert.doesNotMatch(out, /misbehaving/);
    const lines = r.stderr.split('\n');
    const policy = lines.filter((l) => l.startsWith('policy:'));
    assert.ok(policy.length > 0, r.stderr.slice(-2000));
    for (const line of policy)
      assert.equal(line, 'policy: lookup of only-upstream.test refused: not in --allow-net (allowed: 127.0.0.1, ::1, localhost)');
    // The query's own send is what fails, right after each policy line.
    for (const [i, l] of lines.entries())
      if (l.startsWith('policy:')) assert.match(lines[i + 1] ?? '', /^(fd_write|sock_send)\(.*\) => EACCES$/);
    assert.equal(upstream.transports.length, before, 'a refused name is not asked of the upstream');
  },
);

test(
  'with --dns-server, a wasinet guest’s sock_getaddrip resolves through it, and a missing name is "not found"',
  { timeout: 60_000 },
  async () => {
    const allow = `--allow-net=${LOOPBACK},v4only.test,missing.test`;
    const ok = await dialtone(['run', server(), allow, guest('wasinetapp'), 'dial', 'tcp4', `v4only.test:${echoPort}`, 'hello'], {
      timeoutMs: 50_000,
    });
    assert.equal(ok.stdout.toString(), 'reply: hello\n', ok.stderr);
    const missing = await dialtone(['run', server(), allow, guest('wasinetapp'), 'dial', 'tcp4', `missing.test:${echoPort}`, 'hello'], {
      timeoutMs: 50_000,
    });
    // An empty answer: the library's own DNSError with IsNotFound.
    assert.match(
      missing.stdout.toString(),
      /^dial error after <1s=true: dial tcp4 missing\.test:\d+: lookup missing\.test: lookup failed\n$/,
    );
    const refused = await dialtone(
      ['run', server(), `--allow-net=${LOOPBACK}`, guest('wasinetapp'), 'dial', 'tcp4', `v4only.test:${echoPort}`, 'hello'],
      { timeoutMs: 50_000 },
    );
    assert.match(refused.stdout.toString(), /^dial error after <1s=true: .*: resolveaddrip: permission denied\n$/i);
  },
);

test('--dns-server takes an IP address with an optional port; anything else is a usage error', async () => {
  for (const bad of ['dns.example', '127.0.0.1:0', '127.0.0.1:x', '[::1']) {
    const r = await dialtone(['run', `--dns-server=${bad}`, guest('lookup'), 'localhost']);
    assert.equal(r.status, 2, bad);
    assert.match(r.stderr, /^dialtone: --dns-server .*\(see dialtone --help\)\n$/, bad);
  }
});
