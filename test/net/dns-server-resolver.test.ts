// A Resolver that asks a given DNS server directly (`server`), through a
// Network's sockets: against a real DNS server on 127.0.0.1 (UDP and TCP on
// one port), including a truncated answer retried over TCP, a server that
// never answers, spoofed answers, and a policy that refuses the server.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, test } from 'node:test';
import { DnsStub } from '../../src/dns/stub.ts';
import { NodeDriver } from '../../src/netdev/node/driver.ts';
import { Network, OpError, Resolver } from '../../src/net/index.ts';
import { serveStub, type StubServer } from '../dns/server.ts';

const many = Array.from({ length: 100 }, (_, i) => `10.0.${i >> 8}.${i & 0xff}`); // 100 A records: more than a datagram holds
const NAMES: Record<string, string[]> = {
  'db.test': ['192.0.2.10', '2001:db8::10'],
  'many.test': many,
};

let server: StubServer;
const network = new Network({ driver: new NodeDriver() });

before(async () => {
  server = await serveStub(
    new DnsStub({
      policy: () => ({ allowed: true }),
      maxAnswers: 128,
      resolve: async (name, family) => {
        const all = NAMES[name];
        if (all === undefined) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
        return all.filter((a) => a.includes(':') === (family === 6));
      },
    }),
  );
});
after(() => server.close());

test('a Resolver with a server asks it over UDP: both families, IPv4 first, and "no such host"', async () => {
  const r = new Resolver({ server: `127.0.0.1:${server.port}`, network });
  assert.equal(r.url, `dns://127.0.0.1:${server.port}`);
  const before = server.transports.length;
  assert.deepEqual(await r.lookupHost('db.test'), ['192.0.2.10', '2001:db8::10']);
  assert.deepEqual(await r.lookupIP('ip6', 'db.test'), ['2001:db8::10']);
  assert.deepEqual(server.transports.slice(before), ['udp', 'udp']); // the ip6 lookup came from the cache
  await assert.rejects(r.lookupHost('missing.test'), (err: unknown) => err instanceof OpError && err.code === 'ENOTFOUND');
});

test('a truncated UDP answer is asked again over TCP, and the whole answer is used', async () => {
  const r = new Resolver({ server: `127.0.0.1:${server.port}`, network, cacheSize: 0 });
  const before = server.transports.length;
  assert.deepEqual(await r.lookupIP('ip4', 'many.test'), many);
  assert.deepEqual(server.transports.slice(before), ['udp', 'tcp']);
});

test('a server that never answers is ETIMEDOUT after the timeout; answers with another ID are ignored', async () => {
  const silent = createSocket('udp4');
  await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
  let queries = 0;
  // Answers every query with a wrong ID, as a spoofer who cannot see the query would.
  silent.on('message', (msg, rinfo) => {
    queries++;
    const forged = Buffer.from(msg);
    forged[0] = (forged[0]! ^ 0xff) & 0xff;
    forged[2] = 0x81;
    forged[3] = 0x80;
    silent.send(forged, rinfo.port, rinfo.address);
  });
  try {
    const r = new Resolver({ server: `127.0.0.1:${silent.address().port}`, network, timeout: 300 });
    const start = performance.now();
    await assert.rejects(r.lookupIP('ip4', 'db.test'), (err: unknown) => err instanceof OpError && err.code === 'ETIMEDOUT' && err.timeout);
    assert.ok(performance.now() - start >= 250, 'it waited for the deadline');
    assert.ok(queries >= 1, 'the query reached the server');
  } finally {
    silent.close();
  }
});

test('the queries go through the Network: a policy that refuses the server refuses the lookup', async () => {
  const guarded = new Network({ driver: new NodeDriver(), policy: { allowNet: ['192.0.2.1'] } });
  const r = new Resolver({ server: `127.0.0.1:${server.port}`, network: guarded });
  const before = server.transports.length;
  await assert.rejects(r.lookupHost('db.test'), (err: unknown) => err instanceof OpError && err.code === 'EACCES');
  assert.equal(server.transports.length, before, 'nothing reached the server');
});

test('a Resolver needs exactly one of doh and server, and a server needs a network and an IP address', () => {
  assert.throws(() => new Resolver({}), /either doh or server/);
  assert.throws(() => new Resolver({ doh: 'https://127.0.0.1/dns-query', server: '127.0.0.1' }), /either doh or server/);
  assert.throws(() => new Resolver({ server: '127.0.0.1' }), /needs the network/);
  assert.throws(() => new Resolver({ server: 'dns.example', network }), TypeError);
});
