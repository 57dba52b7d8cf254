// Gallery examples in a page: the very wasm that test/examples/*.test.ts
// runs under the Node CLI (built by buildGoExample from examples/<name>/)
// runs unchanged in Debian's Chromium through examples/browser/page.js, its
// sockets going through the dialtone relay that served the page, against
// the same real servers on 127.0.0.1, and prints the same lines. Each page
// is opened with the query its README's "In a browser" shows (the server's
// port put in). The relay allows exactly those servers' address:port (by
// default it refuses loopback) and each page's policy exactly its own
// server's; at the end nothing may have gone outside 127.0.0.1.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { notTo127 } from '../helpers/browser.ts';
import { openExampleSite, type ExampleSite } from '../helpers/example-site.ts';
import { buildGoExample, exampleDir } from '../helpers/examples.ts';
import { startMosquitto, type Mosquitto } from '../helpers/servers/mosquitto.ts';
import { startPostgres, type Postgres } from '../helpers/servers/postgres.ts';
import { redisQuery, startRedis, type Redis } from '../helpers/servers/redis.ts';
import { POSTGRES_OUTPUT, REDIS_OUTPUT, mqttOutput, wsClientMessages, wsClientOutput } from '../helpers/example-outputs.ts';

/** What examples/browser/page.js leaves in window.dialtone.result. */
interface PageResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  error?: string;
}

/** A `ws` echo server on 127.0.0.1 that records what it received, as test/examples/websocket.test.ts runs it. */
interface EchoServer {
  readonly wss: WebSocketServer;
  readonly addr: string;
  readonly received: { binary: boolean; data: Buffer }[];
  readonly closes: { code: number; reason: string }[];
  readonly paths: string[];
}

async function startEchoServer(): Promise<EchoServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 4 << 20 });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const echo: EchoServer = { wss, addr: `127.0.0.1:${(wss.address() as AddressInfo).port}`, received: [], closes: [], paths: [] };
  wss.on('connection', (ws, req) => {
    echo.paths.push(req.url ?? '');
    ws.on('message', (data: Buffer, isBinary) => {
      echo.received.push({ binary: isBinary, data });
      ws.send(data, { binary: isBinary });
    });
    ws.on('close', (code, reason) => echo.closes.push({ code, reason: reason.toString() }));
  });
  return echo;
}

const relayLog: string[] = [];
let site: ExampleSite | undefined;
let redis: Redis | undefined;
let mosquitto: Mosquitto | undefined;
let postgres: Postgres | undefined;
let echo: EchoServer | undefined;
/** A TCP server the relay does not allow: the control for "the relay is the gate". */
let unlisted: net.Server | undefined;
const unlistedConnections: net.Socket[] = [];

before(async () => {
  const modules = {
    'redis.wasm': buildGoExample('redis'),
    'mqtt.wasm': buildGoExample('mqtt'),
    'postgres.wasm': buildGoExample('postgres'),
    'ws-client.wasm': buildGoExample('websocket', { pkg: './client' }),
  };
  // Started together; each one that did start is kept for after() to stop, even if another failed.
  const started = await Promise.allSettled([startRedis(), startMosquitto(), startPostgres(), startEchoServer()] as const);
  const value = <T>(r: PromiseSettledResult<T>): T | undefined => (r.status === 'fulfilled' ? r.value : undefined);
  [redis, mosquitto, postgres, echo] = [value(started[0]), value(started[1]), value(started[2]), value(started[3])];
  for (const r of started) if (r.status === 'rejected') throw r.reason;
  assert.ok(redis && mosquitto && postgres && echo);
  unlisted = net.createServer((s) => {
    unlistedConnections.push(s);
    s.destroy();
  });
  await new Promise<void>((resolve) => unlisted?.listen(0, '127.0.0.1', resolve));
  site = await openExampleSite({
    modules,
    relay: {
      // Exactly the servers' address:port, as `dialtone relay --allow-net=127.0.0.1:PORT,...`.
      allowNet: [`127.0.0.1:${redis.port}`, `127.0.0.1:${mosquitto.port}`, `127.0.0.1:${postgres.port}`, echo.addr],
      log: (l) => relayLog.push(l),
    },
  });
});

after(async () => {
  // Each step on its own: one failing to stop must not leave the others running.
  const steps = [
    () => site?.close(),
    () => redis?.stop(),
    () => mosquitto?.stop(),
    () => postgres?.stop(),
    async () => {
      if (echo === undefined) return;
      for (const c of echo.wss.clients) c.terminate();
      await new Promise((resolve) => echo?.wss.close(resolve));
    },
    () => new Promise((resolve) => (unlisted === undefined ? resolve(undefined) : unlisted.close(resolve))),
  ];
  for (const step of steps) await Promise.resolve(step()).catch(() => {});
});

function opened(): ExampleSite {
  assert.ok(site, 'the example site did not open');
  return site;
}

/** Opens the example page with `query` and waits (bounded) for the guest's result. */
async function openPage(query: URLSearchParams): Promise<PageResult> {
  const { chromium, base } = opened();
  const page = await chromium.newPage();
  try {
    await page.goto(`${base}/?${query.toString()}`, { timeout: 15_000 });
    await page.waitForFunction('window.dialtone?.result !== undefined', null, { timeout: 40_000 });
    return (await page.evaluate('window.dialtone.result')) as PageResult;
  } finally {
    await page.close();
  }
}

/** Opens the example page on `wasm` with `args` and the guest policy `allowNet`. */
function runInPage(wasm: string, args: readonly string[], allowNet: string): Promise<PageResult> {
  const q = new URLSearchParams({ wasm });
  for (const a of args) q.append('arg', a);
  q.set('allow-net', allowNet);
  return openPage(q);
}

/**
 * Runs what examples/<name>/README.md shows "In a browser": it must show
 * copying `wasm` beside the page, a relay allowing exactly `readmeAddr`, and
 * a page URL whose policy is exactly that too. Opens that URL's query with
 * `replace` (README text → this test's, e.g. the default port → the server's)
 * applied to every value.
 */
function runReadmeInPage(name: string, wasm: string, readmeAddr: string, replace: readonly [string, string][]): Promise<PageResult> {
  const readme = readFileSync(join(exampleDir(name), 'README.md'), 'utf8');
  const shown = [`cp ${wasm} ../browser/`, `npx dialtone relay --static ../browser --allow-net=${readmeAddr}`, '# open '].join('\n');
  const at = readme.indexOf(shown);
  assert.ok(at >= 0, `examples/${name}/README.md shows:\n${shown}URL`);
  const url = new URL(readme.slice(at + shown.length).split('\n')[0] ?? '');
  assert.equal(url.origin, 'http://127.0.0.1:8717', 'the relay’s default address');
  assert.equal(url.pathname, '/');
  assert.equal(url.searchParams.get('wasm'), wasm);
  assert.equal(url.searchParams.get('allow-net'), readmeAddr, 'the page allows exactly what the relay does');
  const query = new URLSearchParams();
  for (const [k, v] of url.searchParams)
    query.append(
      k,
      replace.reduce((acc, [from, to]) => acc.replaceAll(from, to), v),
    );
  return openPage(query);
}

/** How many times redis-server ran `command` (INFO has no line for it before its first call). */
async function redisCalls(r: Redis, command: string): Promise<number> {
  const stat = await r.info(`cmdstat_${command}`);
  if (stat === undefined) return 0;
  const m = /^calls=(\d+),/.exec(stat);
  assert.ok(m, stat);
  return Number(m[1]);
}

test(
  'examples/redis (go-redis) in the page runs SET/GET, a pipeline and publish/subscribe against redis-server',
  { timeout: 60_000 },
  async () => {
    assert.ok(redis, 'redis-server did not start');
    const before = { publish: await redisCalls(redis, 'publish'), subscribe: await redisCalls(redis, 'subscribe') };
    const addr = `127.0.0.1:${redis.port}`;
    const r = await runReadmeInPage('redis', 'redis.wasm', '127.0.0.1:6379', [['127.0.0.1:6379', addr]]);
    assert.equal(r.stderr, '', `${r.error ?? ''}\n${redis.log()}`);
    assert.equal(r.stdout, REDIS_OUTPUT);
    assert.equal(r.exitCode, 0);
    // The server ran them, and the example left no keys behind.
    assert.equal(await redisCalls(redis, 'publish'), before.publish + 2);
    assert.equal(await redisCalls(redis, 'subscribe'), before.subscribe + 1);
    assert.equal(await redisQuery(redis.port, 'DBSIZE\r\n', (reply) => reply.endsWith('\r\n')), ':0\r\n');
  },
);

test(
  'examples/websocket client (coder/websocket) in the page echoes text and binary messages with a ws server',
  { timeout: 60_000 },
  async () => {
    assert.ok(echo, 'the ws server did not start');
    const r = await runReadmeInPage('websocket', 'ws-client.wasm', '127.0.0.1:8080', [['127.0.0.1:8080', echo.addr]]);
    assert.equal(r.stderr, '', r.error);
    const sent = wsClientMessages();
    assert.equal(r.stdout, wsClientOutput());
    assert.equal(r.exitCode, 0);
    // The server saw exactly those messages, in order, with their types, and the normal close.
    assert.deepEqual(echo.paths, ['/echo']);
    assert.equal(echo.received.length, sent.length);
    for (const [i, m] of sent.entries()) {
      assert.equal(echo.received[i]?.binary, m.binary, `message ${i} type`);
      assert.ok(echo.received[i]?.data.equals(m.data), `message ${i} bytes`);
    }
    for (let i = 0; i < 50 && echo.closes.length === 0; i++) await new Promise((res) => setTimeout(res, 20));
    assert.deepEqual(echo.closes, [{ code: 1000, reason: 'done' }]);
  },
);

test(
  'examples/mqtt (Paho) in the page publishes at QoS 0, 1 and 2 to mosquitto and keeps the connection alive',
  { timeout: 60_000 },
  async () => {
    assert.ok(mosquitto, 'mosquitto did not start');
    const { port, url, waitForLog } = mosquitto;
    const r = await runReadmeInPage('mqtt', 'mqtt.wasm', '127.0.0.1:1883', [['127.0.0.1:1883', `127.0.0.1:${port}`]]);
    assert.equal(r.stderr, '', `${r.error ?? ''}\n${mosquitto.log()}`);
    // The README's query gives a 4 s keep-alive in the page (it says why), and 6 s of idling.
    assert.equal(r.stdout, mqttOutput(url, '4s', '6s'));
    assert.equal(r.exitCode, 0);
    // The broker's log witnesses the wire: the QoS 2 handshake both ways and the keep-alive pings.
    const log = await waitForLog(/Received DISCONNECT from dialtone-example$/m, 10_000);
    assert.match(log, /New client connected from 127\.0\.0\.1:\d+ as dialtone-example \(p2, c1, k4\)\./);
    for (const step of [
      'Sending PUBREC to',
      'Received PUBREL from',
      'Sending PUBCOMP to',
      'Received PUBREC from',
      'Sending PUBREL to',
      'Received PUBCOMP from',
    ])
      assert.match(log, new RegExp(`${step} dialtone-example`));
    assert.match(log, /Received PINGREQ from dialtone-example$/m);
    assert.match(log, /Sending PINGRESP to dialtone-example$/m);
  },
);

test(
  'examples/postgres (pgx) in the page logs in with SCRAM and runs its transactions against PostgreSQL',
  { timeout: 60_000 },
  async () => {
    assert.ok(postgres, 'postgres did not start');
    const { port, url, log, settledLog } = postgres;
    const r = await runReadmeInPage('postgres', 'postgres.wasm', '127.0.0.1:5432', [
      // The README's URL (password "secret") becomes the test server's (a random password).
      ['postgres://dialtone:secret@127.0.0.1:5432/dialtone?sslmode=disable', url],
      ['127.0.0.1:5432', `127.0.0.1:${port}`],
    ]);
    assert.equal(r.stderr, '', `${r.error ?? ''}\n${log()}`);
    assert.equal(r.stdout, POSTGRES_OUTPUT);
    assert.equal(r.exitCode, 0);
    assert.match(await settledLog(), /connection authorized: user=dialtone database=dialtone/);
  },
);

test(
  'the relay is the gate: a destination the page allows but the relay does not is refused there, and never reached',
  { timeout: 60_000 },
  async () => {
    assert.ok(unlisted);
    const addr = `127.0.0.1:${(unlisted.address() as AddressInfo).port}`;
    relayLog.length = 0;
    const r = await runInPage('ws-client.wasm', [`ws://${addr}/echo`], addr);
    assert.equal(r.exitCode, 1, `${r.stdout}${r.stderr}${r.error ?? ''}`);
    assert.equal(r.stdout, '');
    // The guest sees the relay's refusal as its own EPERM.
    assert.match(r.stderr, new RegExp(`^dial: .*dial tcp ${addr}: connect: permission denied$`, 'im'));
    assert.ok(
      relayLog.some((l) => new RegExp(`^relay: refused stream \\d+ .* to ${addr} \\(tcp\\): .*not in --allow-net`).test(l)),
      `the relay logged the refusal:\n${relayLog.join('\n')}`,
    );
    assert.equal(unlistedConnections.length, 0);
  },
);

test('the page’s own policy refuses what it does not list, before the relay sees it', { timeout: 60_000 }, async () => {
  assert.ok(redis && echo);
  relayLog.length = 0;
  const reached = echo.paths.length;
  // The relay allows the ws server; the page allows only redis.
  const r = await runInPage('ws-client.wasm', [`ws://${echo.addr}/echo`], `127.0.0.1:${redis.port}`);
  assert.equal(r.exitCode, 1, `${r.stdout}${r.stderr}${r.error ?? ''}`);
  assert.match(r.stderr, new RegExp(`^dial: .*dial tcp ${echo.addr}: connect: permission denied$`, 'im'));
  assert.equal(echo.paths.length, reached, 'the ws server saw no new connection');
  assert.deepEqual(relayLog, []);
});

test('nothing went outside 127.0.0.1', () => {
  const { trap, chromium } = opened();
  assert.deepEqual(trap.requests, [], 'Chromium tried to reach the outside');
  assert.deepEqual(notTo127(chromium.pageRequests), [], 'a page requested something not on 127.0.0.1');
});
