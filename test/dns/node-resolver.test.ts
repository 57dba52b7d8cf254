// End to end against an independent DNS client: Node's dns.Resolver (c-ares)
// querying a real UDP/TCP server on 127.0.0.1 that feeds the stub.
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { after, before, test } from 'node:test';
import { DnsStub } from '../../src/dns/stub.ts';
import { serveStub, type StubServer } from './server.ts';

const NAMES: Record<string, string[]> = {
  'example.test': ['192.0.2.1', '192.0.2.2', '2001:db8::1'],
  'v4only.test': ['192.0.2.9'],
  'many.test': Array.from({ length: 30 }, (_, i) => `2001:db8::${(i + 1).toString(16)}`),
};

let server: StubServer;
const refused: string[] = [];
const learned: string[] = [];

before(async () => {
  const stub = new DnsStub({
    policy: (n) => (n.startsWith('blocked.') ? { allowed: false, reason: 'blocked by test' } : { allowed: true }),
    onRefused: (n) => refused.push(n),
    onResolved: (n, a) => learned.push(`${n}=${a.join(',')}`),
    resolve: async (name, family) => {
      const all = NAMES[name];
      if (all === undefined) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return all.filter((a) => a.includes(':') === (family === 6));
    },
  });
  server = await serveStub(stub);
});

after(() => server.close());

/** A fresh c-ares channel (its own cache) pointed only at the stub; no retries. */
function client(): Resolver {
  const r = new Resolver({ timeout: 2000, tries: 1 });
  r.setServers([`127.0.0.1:${server.port}`]);
  return r;
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: NodeJS.ErrnoException) => (assert.equal(err.code, code), true));
}

test('c-ares resolves A records through the stub', async () => {
  assert.deepEqual((await client().resolve4('example.test')).sort(), ['192.0.2.1', '192.0.2.2']);
  assert.deepEqual(await client().resolve4('example.test', { ttl: true }), [
    { address: '192.0.2.1', ttl: 30 },
    { address: '192.0.2.2', ttl: 30 },
  ]);
  assert.ok(learned.includes('example.test=192.0.2.1,192.0.2.2'));
});

test('c-ares resolves AAAA records through the stub', async () => {
  assert.deepEqual(await client().resolve6('Example.Test'), ['2001:db8::1']);
});

test('c-ares sees NXDOMAIN as ENOTFOUND', async () => {
  await rejectsWith(client().resolve4('missing.test'), 'ENOTFOUND');
});

test('c-ares sees NODATA as ENODATA', async () => {
  await rejectsWith(client().resolve6('v4only.test'), 'ENODATA');
});

test('c-ares sees a policy refusal as EREFUSED', async () => {
  await rejectsWith(client().resolve4('blocked.example'), 'EREFUSED');
  assert.ok(refused.includes('blocked.example'));
});

test('c-ares retries a truncated UDP answer over TCP and gets every record', async () => {
  const before = server.transports.length;
  const got = await client().resolve6('many.test');
  assert.equal(got.length, 30);
  assert.deepEqual(server.transports.slice(before), ['udp', 'tcp']);
});

test('c-ares resolves localhost to loopback through the stub', async () => {
  assert.deepEqual(await client().resolve4('localhost'), ['127.0.0.1']);
  assert.deepEqual(await client().resolve6('localhost'), ['::1']);
});
