// The DNS stub and the socket ABIs' lookups (sock_getaddrinfo,
// sock_getaddrip: GuestNetwork.lookup) share one resolver in a WasiHost:
// one cap on lookups in flight, one deadline, one upstream. The upstream
// here is a UDP socket on 127.0.0.1 that never answers, so every lookup
// waits for the deadline and nothing is asked of the system resolver.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, test } from 'node:test';
import { DEFAULT_LOOKUP_TIMEOUT_MS, DEFAULT_MAX_LOOKUPS } from '../../src/dns/resolver.ts';
import { STUB_NAMESERVER } from '../../src/dns/interceptor.ts';
import { SysError } from '../../src/internal/errno.ts';
import { ipEndpoint } from '../../src/netdev/endpoint.ts';
import { ALLOW_ALL } from '../../src/policy/policy.ts';
import type { GuestSocket } from '../../src/sockets/guest-socket.ts';
import { makeHost } from '../helpers/host.ts';
import { decode, makeQuery } from './messages.ts';

let silent: Socket;
let silentPort: number;

before(async () => {
  silent = createSocket('udp4');
  await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', () => resolve()));
  silentPort = silent.address().port;
});

after(async () => {
  await new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve()));
});

/** The first datagram `d` receives, within `ms`. */
function receive(s: GuestSocket, ms: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const buf = new Uint8Array(512);
    let stop: () => void = () => {};
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no answer within ${ms} ms`));
    }, ms);
    const attempt = (): boolean => {
      try {
        const { n } = s.recv([buf], false);
        clearTimeout(timer);
        stop();
        resolve(buf.slice(0, n));
        return true;
      } catch (err) {
        if (err instanceof SysError && err.errno === 'EAGAIN') return false;
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
        return true;
      }
    };
    if (!attempt()) stop = s.onReady('read', () => void attempt());
  });
}

test(
  'a WasiHost’s stub and its sock_getaddrinfo/sock_getaddrip lookups share one cap and one deadline, and ask --dns-server',
  { timeout: DEFAULT_LOOKUP_TIMEOUT_MS + 10_000 },
  async () => {
    const { host } = makeHost({ network: { policy: ALLOW_ALL }, dns: true, dnsServer: `127.0.0.1:${silentPort}` });
    const asked = new Set<string>();
    silent.on('message', (msg) => asked.add(Buffer.from(msg).toString('latin1')));
    const started = performance.now();
    // Fill the cap through the ABIs' path ...
    const held = Array.from({ length: DEFAULT_MAX_LOOKUPS }, (_, i) =>
      host.network.lookup(`slow${i}.test`).then(
        () => assert.fail('resolved'),
        (err: unknown) => err,
      ),
    );
    await assert.rejects(host.network.lookup('one-more.test'), (err: unknown) => err instanceof SysError && err.errno === 'EAGAIN');
    // ... and the stub is over it too: SERVFAIL at once, not after the deadline.
    const s = host.network.open('ipv4', 'dgram');
    await s.connect(ipEndpoint(STUB_NAMESERVER, 53));
    s.send([makeQuery({ id: 7, name: 'stub.test' })], undefined);
    const answer = decode(await receive(s, 2000));
    assert.equal(answer.id, 7);
    assert.equal(answer.rcode, 2, 'SERVFAIL');
    assert.ok(performance.now() - started < DEFAULT_LOOKUP_TIMEOUT_MS / 2, 'answered before any deadline');
    // The held lookups end at the one deadline, as ETIMEDOUT.
    for (const err of await Promise.all(held)) assert.ok(err instanceof SysError && err.errno === 'ETIMEDOUT', String(err));
    const took = performance.now() - started;
    assert.ok(took >= DEFAULT_LOOKUP_TIMEOUT_MS - 100 && took < DEFAULT_LOOKUP_TIMEOUT_MS + 5000, `took ${took} ms`);
    assert.ok(asked.size > 0, 'the lookups went to the --dns-server upstream');
    s.close();
    await host.close();
  },
);
