// A denied host name refuses the addresses it resolves to, not only lookups
// of itself: the policy lists its denied names for the host to resolve
// before the guest starts (the guest's own lookups of them are refused), and
// never forgets what they resolved to.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { SysError } from '../../src/internal/errno.ts';
import { ipEndpoint } from '../../src/netdev/endpoint.ts';
import { NodeDriver } from '../../src/netdev/node/driver.ts';
import type { NetDriver } from '../../src/netdev/socket.ts';
import { RulePolicy } from '../../src/policy/index.ts';
import { GuestNetwork } from '../../src/sockets/guest-network.ts';

test('the names a policy needs resolved are its denied host names, normalised', () => {
  const p = new RulePolicy({
    allowNet: ['allowed.test', '127.0.0.1'],
    allowListen: ['listen.test'],
    denyNet: ['Tracker.Test.', 'ads.test:443', '10.0.0.0/8', '/run/x.sock', '*:25'],
  });
  assert.deepEqual([...p.namesToResolve()].sort(), ['ads.test', 'tracker.test']);
  assert.deepEqual(new RulePolicy({ allowNet: true }).namesToResolve(), []);
});

test('what a denied name resolved to is never forgotten to make room for other names', () => {
  const p = new RulePolicy({ allowNet: ['a.test', 'b.test', '10.0.0.0/8'], denyNet: ['tracker.test'], maxLearnedNames: 1 });
  p.learn('tracker.test', ['10.0.0.9']);
  p.learn('a.test', ['10.0.0.1']);
  p.learn('b.test', ['10.0.0.2']);
  assert.equal(p.check('connect', ipEndpoint('10.0.0.9', 80)).allowed, false);
  assert.equal(p.check('connect', ipEndpoint('10.0.0.3', 80)).allowed, true);
});

/** The Node driver, except that names resolve from `table` (nothing asks a resolver). */
function driverWith(table: Record<string, string[]>, asked: string[] = []): NetDriver {
  const node = new NodeDriver();
  return {
    socket: (family, type) => node.socket(family, type),
    lookup: async (name) => {
      asked.push(name);
      const found = table[name];
      if (found === undefined) throw new SysError('ENOENT', `no such host ${name}`);
      return found;
    },
  };
}

test('after prepare(), a connect by address to where a denied name resolves is refused (EACCES), with the rule in the trace', async () => {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const asked: string[] = [];
    const lines: string[] = [];
    const policy = new RulePolicy({ allowNet: ['127.0.0.1'], denyNet: ['tracker.test', 'gone.test'] });
    const network = new GuestNetwork({
      driver: driverWith({ 'tracker.test': ['127.0.0.1', '::1'] }, asked),
      policy,
      onRefused: (l) => lines.push(l),
    });
    await network.prepare();
    assert.deepEqual(asked.sort(), ['gone.test', 'tracker.test']);
    assert.match(
      lines.join('\n'),
      /^policy: gone\.test did not resolve \(.*no such host gone\.test\): a rule naming it covers no address$/m,
    );
    const s = network.open('ipv4', 'stream');
    try {
      assert.throws(
        () => s.connect(ipEndpoint('127.0.0.1', port)),
        (err: unknown) => err instanceof SysError && err.errno === 'EACCES' && /denied by --deny-net=tracker\.test/.test(err.message),
      );
    } finally {
      s.close();
    }
    assert.match(
      lines.at(-1) ?? '',
      new RegExp(`^policy: connect to 127\\.0\\.0\\.1:${port} refused: denied by --deny-net=tracker\\.test$`),
    );
    // Lookups of another name still answer; connecting to what they give is what is refused.
    assert.equal(policy.checkLookup('localhost').allowed, true);
  } finally {
    server.close();
  }
});

test('prepare() resolves nothing, and asks nobody, when no denied rule names a host', async () => {
  const asked: string[] = [];
  const network = new GuestNetwork({ driver: driverWith({}, asked), policy: new RulePolicy({ allowNet: true, denyNet: ['10.0.0.0/8'] }) });
  await network.prepare();
  assert.deepEqual(asked, []);
});
