// A real client library against a real server: go-redis
// (github.com/redis/go-redis/v9) in a GOOS=wasip1 guest
// (test/guests/redisclient), dialing through dispatchrun/net, talks to a
// redis-server from Debian's packages (installed by
// scripts/ensure-debian-packages.ts, which `npm test` runs). The guest runs
// SET/GET/TTL/INCR, a 1 MiB value, a pipeline, MULTI/EXEC, concurrent
// commands over a pool of connections and publish/subscribe.
//
// redis-server listens on 127.0.0.1 only, on a port picked free just
// before it starts, with persistence off and its files in a temporary
// directory; it is stopped in the `after` hook. The guest's network policy
// allows exactly that address.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { locateProgram } from '../../scripts/ensure-debian-packages.ts';
import { dialtone } from '../helpers/cli.ts';
import { guest, tempDir } from '../helpers/paths.ts';

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

/** A free TCP port on 127.0.0.1 (free now; the caller retries if it is taken by the time it binds). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Sends raw RESP `request` to 127.0.0.1:port and collects the reply until
 * `done(reply)` holds; rejects on error, close or `timeoutMs`.
 */
function redisQuery(port: number, request: string, done: (reply: string) => boolean, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let reply = '';
    const sock = connect({ host: '127.0.0.1', port });
    const finish = (err: Error | undefined): void => {
      clearTimeout(timer);
      sock.destroy();
      if (err === undefined) resolve(reply);
      else reject(err);
    };
    const timer = setTimeout(() => finish(new Error(`no complete reply in ${timeoutMs} ms: ${JSON.stringify(reply)}`)), timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(request));
    sock.on('data', (chunk: string) => {
      reply += chunk;
      if (done(reply)) finish(undefined);
    });
    sock.on('error', (err) => finish(err));
    sock.on('close', () => finish(new Error(`connection closed: ${JSON.stringify(reply)}`)));
  });
}

/** One `INFO` field of the server on `port` (e.g. process_id). */
async function infoField(port: number, field: string): Promise<string> {
  const re = new RegExp(`^${field}:(.*)\r$`, 'm');
  const reply = await redisQuery(port, 'INFO\r\n', (r) => re.test(r));
  return (re.exec(reply) as RegExpExecArray)[1] as string;
}

interface Redis {
  port: number;
  child: ChildProcess;
  log: () => string;
}

/** Exits of `child`, or null after `ms`. */
function exited(child: ChildProcess, ms: number): Promise<number | string | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal);
    });
  });
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if ((await exited(child, 10_000)) === null) {
    child.kill('SIGKILL');
    await exited(child, 10_000);
  }
}

/** Starts redis-server on a free loopback port and waits until it is this process answering PING. */
async function startRedis(program: string, dir: string): Promise<Redis> {
  const errors: string[] = [];
  for (let attempt = 1; attempt <= 5; attempt++) {
    const port = await freePort();
    const child = spawn(
      program,
      [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--daemonize',
        'no',
        '--logfile',
        '',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    child.on('error', (err) => (output += `spawn: ${err.message}\n`));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
      try {
        // PING proves it accepts; process_id proves the listener is this child, not
        // something else that took the port between freePort() and the bind.
        await redisQuery(port, 'PING\r\n', (r) => r.includes('+PONG\r\n'), 1_000);
        if ((await infoField(port, 'process_id')) === String(child.pid)) return { port, child, log: () => output };
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await stopRedis(child);
    errors.push(`attempt ${attempt} (port ${port}): ${output.trim().split('\n').slice(-3).join(' | ') || 'not answering'}`);
  }
  throw new Error(`redis-server did not start:\n${errors.join('\n')}`);
}

let redis: Redis | undefined;
const dir = tempDir('dialtone-redis-');

before(async () => {
  const program = locateProgram('redis-server');
  assert.ok(program, 'redis-server is not installed: run "node scripts/ensure-debian-packages.ts" (npm test does)');
  redis = await startRedis(program, dir.path);
});

after(async () => {
  if (redis !== undefined) await stopRedis(redis.child);
  dir.cleanup();
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
  const { port } = server();
  const beforeCount = Number(await infoField(port, 'total_connections_received'));
  const r = await dialtone(['run', guest('redisclient'), `127.0.0.1:${port}`], { timeoutMs: 50_000 });
  assert.equal(r.status, 1);
  assert.equal(r.stdout.toString(), '');
  assert.match(r.stderr, /^redisclient: PING: dial tcp 127\.0\.0\.1:\d+: connect: permission denied\n$/i);
  // The INFO query below is the only connection since the one above.
  const afterCount = Number(await infoField(port, 'total_connections_received'));
  assert.equal(afterCount, beforeCount + 1);
});
