// End to end against Go's own DNS client: a native Go program whose
// net.Resolver (PreferGo) sends every query to a real UDP/TCP server on
// 127.0.0.1 that feeds the stub. This is the code path a GOOS=wasip1 guest
// runs (net/dnsclient_unix.go and dnsmessage), so whatever it accepts here
// the guest accepts too: header bits, question echo, compression, EDNS0, the
// TCP retry after TC. Skipped when `go` is not installed.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DnsStub } from '../../src/dns/stub.ts';
import { tempDir } from '../helpers/paths.ts';
import { serveStub, type StubServer } from './server.ts';

const run = promisify(execFile);
const source = fileURLToPath(new URL('testdata/goresolver', import.meta.url));

function haveGo(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const skip = haveGo() ? false : 'go is not installed';

const NAMES: Record<string, string[]> = {
  'example.test': ['192.0.2.1', '192.0.2.2', '2001:db8::1'],
  'v4only.test': ['192.0.2.9'],
  'many.test': Array.from({ length: 60 }, (_, i) => `2001:db8::${(i + 1).toString(16)}`),
};

interface GoResult {
  name: string;
  addrs: string[];
  err?: string;
  notFound?: boolean;
  temporary?: boolean;
  networks: string[];
}

let server: StubServer;
let binary: string;
let dir: { path: string; cleanup: () => void } | undefined;

before(async () => {
  if (skip !== false) return;
  dir = tempDir('dialtone-goresolver-');
  binary = join(dir.path, 'goresolver');
  const { GOOS: _os, GOARCH: _arch, ...env } = process.env;
  await run('go', ['build', '-o', binary, '.'], { cwd: source, env });
  const stub = new DnsStub({
    policy: (n) => (n.startsWith('blocked.') ? { allowed: false, reason: 'blocked by test' } : { allowed: true }),
    maxAnswers: 60,
    resolve: async (name, family) => {
      if (name === 'servfail.test') throw Object.assign(new Error('resolver down'), { code: 'ECONNREFUSED' });
      const all = NAMES[name];
      if (all === undefined) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return all.filter((a) => a.includes(':') === (family === 6));
    },
  });
  server = await serveStub(stub);
});

after(async () => {
  await server?.close();
  dir?.cleanup();
});

/** Looks `names` up with Go's resolver; `network` is ip, ip4 or ip6. */
async function goLookup(network: string, names: string[], godebug?: string): Promise<GoResult[]> {
  const env = { ...process.env, ...(godebug === undefined ? {} : { GODEBUG: godebug }) };
  const { stdout } = await run(binary, [`127.0.0.1:${server.port}`, network, ...names], { env, timeout: 60_000 });
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as GoResult);
}

test('Go’s resolver accepts A answers, over UDP only', { skip }, async () => {
  const [r] = await goLookup('ip4', ['example.test.']);
  assert.equal(r!.err, undefined);
  assert.deepEqual(r!.addrs.sort(), ['192.0.2.1', '192.0.2.2']);
  assert.deepEqual(r!.networks, ['udp']);
});

test('Go’s resolver accepts concurrent A and AAAA answers, with mixed-case names', { skip }, async () => {
  const [r] = await goLookup('ip', ['Example.TEST.']);
  assert.equal(r!.err, undefined);
  assert.deepEqual(r!.addrs.sort(), ['192.0.2.1', '192.0.2.2', '2001:db8::1']);
  assert.deepEqual(r!.networks, ['udp', 'udp']);
});

test('Go reports NXDOMAIN and NODATA as "no such host"', { skip }, async () => {
  const [missing, nodata] = await goLookup('ip6', ['missing.test.', 'v4only.test.']);
  // Without EDNS0 there is no OPT record either, so only RA=1 keeps Go from
  // taking an empty NOERROR for a lame referral.
  const [plainNodata] = await goLookup('ip6', ['v4only.test.'], 'netedns0=0');
  for (const r of [missing!, nodata!, plainNodata!]) {
    assert.equal(r.notFound, true, JSON.stringify(r));
    assert.match(r.err ?? '', /no such host/);
  }
  const [both] = await goLookup('ip', ['v4only.test.']);
  assert.deepEqual(both!.addrs, ['192.0.2.9'], 'NODATA for AAAA does not hide the A answer');
});

// Why a guest's stub socket refuses the query's send with EACCES instead:
// an error rcode cannot read as "refused" in Go.
test('Go reports a REFUSED rcode as "server misbehaving", not as a missing host', { skip }, async () => {
  const [r] = await goLookup('ip4', ['blocked.example.']);
  assert.match(r!.err ?? '', /server misbehaving/);
  assert.notEqual(r!.notFound, true);
});

test('Go reports a resolver failure (SERVFAIL) as temporary', { skip }, async () => {
  const [r] = await goLookup('ip4', ['servfail.test.']);
  assert.match(r!.err ?? '', /server misbehaving/);
  assert.equal(r!.temporary, true);
});

test('Go retries a truncated UDP answer over TCP and gets every address', { skip }, async () => {
  // 60 AAAA records exceed the 1232 bytes Go advertises with EDNS0.
  const [r] = await goLookup('ip6', ['many.test.']);
  assert.equal(r!.err, undefined);
  assert.equal(r!.addrs.length, 60);
  assert.deepEqual(r!.networks, ['udp', 'tcp']);
});

test('Go without EDNS0 (GODEBUG=netedns0=0) gets 512-byte UDP answers and retries over TCP', { skip }, async () => {
  const [small, big] = await goLookup('ip', ['example.test.', 'many.test.'], 'netedns0=0');
  assert.deepEqual(small!.addrs.sort(), ['192.0.2.1', '192.0.2.2', '2001:db8::1']);
  assert.equal(big!.addrs.length, 60);
  assert.ok(big!.networks.includes('tcp'));
});

test('Go resolves *.localhost to loopback through the stub', { skip }, async () => {
  const [r] = await goLookup('ip', ['app.localhost.']);
  assert.deepEqual(r!.addrs.sort(), ['127.0.0.1', '::1']);
});
