// A real client library against a real server: go-redis
// (github.com/redis/go-redis/v9) in a GOOS=wasip1 guest
// (test/guests/redisclient), dialing through dispatchrun/net, talks to a
// redis-server from Debian's packages (installed by
// scripts/ensure-debian-packages.ts, which `npm test` runs). The guest runs
// SET/GET/TTL/INCR, a 1 MiB value, a pipeline, MULTI/EXEC, concurrent
// commands over a pool of connections and publish/subscribe.
//
// redis-server (test/helpers/servers/redis.ts) listens on 127.0.0.1 only,
// on a port picked free just before it starts, with persistence off and
// its files in a temporary directory; it is stopped in the `after` hook.
// The guest's network policy allows exactly that address.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { dialtone } from '../helpers/cli.ts';
import { guest } from '../helpers/paths.ts';
import { startRedis, type Redis } from '../helpers/servers/redis.ts';

/** What the guest prints for a full, successful run. */
const EXPECTED_OUTPUT = [
  'PING PONG',
  'GET greeting "hello from wasip1"',
  'TTL greeting positive true',
  'GET missing nil',
  'INCR counter 1',
  'INCR counter 2',
  'INCR counter 3',
  'GET big bytes 1048576 equal true',
  'pipeline commands 5',
  'pipeline INCRBY 42',
  'pipeline RPUSH 3',
  'pipeline LRANGE x,y,z',
  'pipeline GET 42',
  'tx HINCRBY 10',
  'HGETALL h field=value n=10',
  'concurrent INCR shared 200',
  'PUBLISH news receivers 1',
  'PUBLISH news receivers 1',
  'message news first',
  'message news second',
  'DEL 7',
  'DBSIZE 0',
  'dialed more than once true',
  'done',
  '',
].join('\n');

let redis: Redis | undefined;

before(async () => {
  redis = await startRedis();
});

after(async () => {
  await redis?.stop();
});

function server(): Redis {
  assert.ok(redis, 'redis-server did not start');
  return redis;
}

test(
  'go-redis in a wasip1 guest runs commands, pipelines, transactions and pub/sub against redis-server',
  { timeout: 120_000 },
  async () => {
    const { port, log } = server();
    const r = await dialtone(['run', `--allow-net=127.0.0.1:${port}`, guest('redisclient'), `127.0.0.1:${port}`], { timeoutMs: 100_000 });
    assert.equal(r.stderr, '', log());
    assert.equal(r.stdout.toString(), EXPECTED_OUTPUT);
    assert.equal(r.status, 0);
  },
);

test('the guest can name the server "localhost" (sock_getaddrinfo, answered from the hosts file)', { timeout: 120_000 }, async () => {
  const { port } = server();
  const r = await dialtone(['run', `--allow-net=localhost:${port}`, guest('redisclient'), `localhost:${port}`], { timeoutMs: 100_000 });
  assert.equal(r.stderr, '');
  assert.equal(r.stdout.toString(), EXPECTED_OUTPUT);
  assert.equal(r.status, 0);
});

test('without --allow-net the guest cannot connect, and redis-server sees no connection', { timeout: 60_000 }, async () => {
  const { port, info } = server();
  const beforeCount = Number(await info('total_connections_received'));
  const r = await dialtone(['run', guest('redisclient'), `127.0.0.1:${port}`], { timeoutMs: 50_000 });
  assert.equal(r.status, 1);
  assert.equal(r.stdout.toString(), '');
  assert.match(r.stderr, /^redisclient: PING: dial tcp 127\.0\.0\.1:\d+: connect: permission denied\n$/i);
  // The INFO query below is the only connection since the one above.
  const afterCount = Number(await info('total_connections_received'));
  assert.equal(afterCount, beforeCount + 1);
});
