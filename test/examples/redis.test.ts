// examples/redis builds and runs as its README shows: go-redis
// (github.com/redis/go-redis/v9) in a GOOS=wasip1 guest, dialing through
// dispatchrun/net, against a real redis-server (test/helpers/servers/redis.ts)
// on 127.0.0.1. (test/sockets/redis-client.test.ts drives the same client
// much harder; this one pins the gallery's copy and its README.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { dialtone } from '../helpers/cli.ts';
import { buildGoExample, exampleDir } from '../helpers/examples.ts';
import { redisQuery, startRedis, type Redis } from '../helpers/servers/redis.ts';
import { REDIS_OUTPUT } from '../helpers/example-outputs.ts';

const BUILD = 'GOOS=wasip1 GOARCH=wasm go build -o redis.wasm .';
const RUN = 'npx dialtone run --allow-net=127.0.0.1:6379 redis.wasm redis://127.0.0.1:6379/0';

let redis: Redis | undefined;
let wasm = '';

before(async () => {
  wasm = buildGoExample('redis');
  redis = await startRedis();
});

after(async () => {
  await redis?.stop();
});

function server(): Redis {
  assert.ok(redis, 'redis-server did not start');
  return redis;
}

/** How many times the server ran `command` (INFO has no line for it before its first call). */
async function calls(r: Redis, command: string): Promise<number> {
  const stat = await r.info(`cmdstat_${command}`);
  if (stat === undefined) return 0;
  const m = /^calls=(\d+),/.exec(stat);
  assert.ok(m, stat);
  return Number(m[1]);
}

test('the README shows how to build and run examples/redis', () => {
  const readme = readFileSync(join(exampleDir('redis'), 'README.md'), 'utf8');
  for (const line of [BUILD, RUN]) assert.ok(readme.includes(`${line}\n`), `README shows: ${line}`);
});

test('go-redis in a wasip1 guest runs SET/GET, a pipeline and publish/subscribe against redis-server', { timeout: 120_000 }, async () => {
  const r = server();
  const before = { publish: await calls(r, 'publish'), subscribe: await calls(r, 'subscribe') };
  const run = await dialtone(['run', `--allow-net=127.0.0.1:${r.port}`, wasm, `redis://127.0.0.1:${r.port}/0`], { timeoutMs: 100_000 });
  assert.equal(run.stderr, '', r.log());
  assert.equal(run.stdout.toString(), REDIS_OUTPUT);
  assert.equal(run.status, 0);
  // The server ran them, and the example left no keys behind.
  assert.equal(await calls(r, 'publish'), before.publish + 2);
  assert.equal(await calls(r, 'subscribe'), before.subscribe + 1);
  assert.equal(await redisQuery(r.port, 'DBSIZE\r\n', (reply) => reply.endsWith('\r\n')), ':0\r\n');
});

test('without --allow-net the guest cannot connect, and redis-server sees no connection', { timeout: 60_000 }, async () => {
  const r = server();
  const before = Number(await r.info('total_connections_received'));
  const run = await dialtone(['run', wasm, `redis://127.0.0.1:${r.port}/0`], { timeoutMs: 50_000 });
  assert.equal(run.status, 1);
  assert.equal(run.stdout.toString(), '');
  // go-redis retries the dial and logs each round of attempts before it gives up.
  const lines = run.stderr.trimEnd().split('\n');
  assert.match(lines.at(-1) ?? '', /^redis: PING: dial tcp 127\.0\.0\.1:\d+: connect: permission denied$/i);
  for (const line of lines) assert.match(line, /dial tcp 127\.0\.0\.1:\d+: connect: permission denied$/i);
  // The INFO query below is the only connection since the one above.
  assert.equal(Number(await r.info('total_connections_received')), before + 1);
});
