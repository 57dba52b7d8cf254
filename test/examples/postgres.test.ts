// examples/postgres builds and runs as its README shows: pgx
// (github.com/jackc/pgx/v5) in a GOOS=wasip1 guest, dialing through
// dispatchrun/net, against a real PostgreSQL 15 (test/helpers/servers/postgres.ts)
// on 127.0.0.1, with SCRAM-SHA-256 password authentication.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { dialtone } from '../helpers/cli.ts';
import { buildGoExample, exampleDir } from '../helpers/examples.ts';
import { startPostgres, type Postgres } from '../helpers/servers/postgres.ts';
import { POSTGRES_OUTPUT } from '../helpers/example-outputs.ts';

const BUILD = 'GOOS=wasip1 GOARCH=wasm go build -o postgres.wasm .';
const RUN =
  "npx dialtone run --allow-net=127.0.0.1:5432 postgres.wasm 'postgres://dialtone:secret@127.0.0.1:5432/dialtone?sslmode=disable'";

/** How many TCP connections from 127.0.0.1 the server has logged. */
function tcpConnections(log: string): number {
  return log.match(/connection received: host=127\.0\.0\.1 /g)?.length ?? 0;
}

let pg: Postgres | undefined;
let wasm = '';

before(async () => {
  wasm = buildGoExample('postgres');
  pg = await startPostgres();
});

after(async () => {
  await pg?.stop();
});

function server(): Postgres {
  assert.ok(pg, 'postgres did not start');
  return pg;
}

test('the README shows how to build and run examples/postgres', () => {
  const readme = readFileSync(join(exampleDir('postgres'), 'README.md'), 'utf8');
  for (const line of [BUILD, RUN]) assert.ok(readme.includes(`${line}\n`), `README shows: ${line}`);
});

test('pgx in a wasip1 guest creates, inserts, selects and runs transactions against PostgreSQL', { timeout: 120_000 }, async () => {
  const { port, url, log, settledLog } = server();
  const r = await dialtone(['run', `--allow-net=127.0.0.1:${port}`, wasm, url], { timeoutMs: 100_000 });
  assert.equal(r.stderr, '', log());
  assert.equal(r.stdout.toString(), POSTGRES_OUTPUT);
  assert.equal(r.status, 0);
  // The server saw the guest log in over TCP as the test's role.
  const serverLog = await settledLog();
  assert.ok(tcpConnections(serverLog) > 0, serverLog);
  assert.match(serverLog, /connection authorized: user=dialtone database=dialtone/);
});

test('a wrong password is refused by the server (SCRAM-SHA-256)', { timeout: 120_000 }, async () => {
  const { port, url } = server();
  const wrong = url.replace(/:[0-9a-f]+@/, ':wrong-password@');
  assert.notEqual(wrong, url);
  const r = await dialtone(['run', `--allow-net=127.0.0.1:${port}`, wasm, wrong], { timeoutMs: 100_000 });
  assert.equal(r.status, 1);
  assert.equal(r.stdout.toString(), '');
  assert.match(r.stderr, /password authentication failed for user "dialtone" \(SQLSTATE 28P01\)/);
});

test('without --allow-net the guest cannot connect, and the server sees no connection', { timeout: 120_000 }, async () => {
  const { url, settledLog } = server();
  const before = tcpConnections(await settledLog());
  const r = await dialtone(['run', wasm, url], { timeoutMs: 100_000 });
  assert.equal(r.status, 1);
  assert.equal(r.stdout.toString(), '');
  assert.match(r.stderr, /^postgres: connect: .*dial tcp 127\.0\.0\.1:\d+: connect: permission denied$/im);
  assert.equal(tcpConnections(await settledLog()), before);
});
