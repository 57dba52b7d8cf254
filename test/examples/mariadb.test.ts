// examples/mariadb builds and runs as its README shows: database/sql with
// go-sql-driver/mysql in a GOOS=wasip1 guest, dialing through
// dispatchrun/net, against a real MariaDB (test/helpers/servers/mariadb.ts)
// on 127.0.0.1, with password authentication.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { dialtone } from '../helpers/cli.ts';
import { buildGoExample, exampleDir } from '../helpers/examples.ts';
import { startMariaDB, type MariaDB } from '../helpers/servers/mariadb.ts';

const BUILD = 'GOOS=wasip1 GOARCH=wasm go build -o mariadb.wasm .';
const RUN = "npx dialtone run --allow-net=127.0.0.1:3306 mariadb.wasm 'dialtone:secret@tcp(127.0.0.1:3306)/dialtone'";

/** What the example prints after its first line (the server's version) against a fresh database. */
const EXPECTED_REST = [
  'inserted apple (1 row)',
  'inserted banana (1 row)',
  'inserted cherry (1 row)',
  '  apple  5',
  '  banana 12',
  '  cherry 7',
  'committed: moved 4 from banana to apple',
  'rolled back: Error 4025 (23000): CONSTRAINT `fruit.count` failed for `dialtone`.`fruit`',
  'total 24',
  '  apple  9',
  '  banana 8',
  '  cherry 7',
  'done',
  '',
].join('\n');

let db: MariaDB | undefined;
let wasm = '';

before(async () => {
  wasm = buildGoExample('mariadb');
  db = await startMariaDB();
});

after(async () => {
  await db?.stop();
});

function server(): MariaDB {
  assert.ok(db, 'mariadbd did not start');
  return db;
}

/** How many connections the server has accepted (its own count; the query adds one). */
async function connections(m: MariaDB): Promise<number> {
  const [name, value] = (await m.query("SHOW GLOBAL STATUS LIKE 'Connections'")).trim().split('\t');
  assert.equal(name, 'Connections');
  return Number(value);
}

test('the README shows how to build and run examples/mariadb', () => {
  const readme = readFileSync(join(exampleDir('mariadb'), 'README.md'), 'utf8');
  for (const line of [BUILD, RUN]) assert.ok(readme.includes(`${line}\n`), `README shows: ${line}`);
});

test(
  'go-sql-driver/mysql in a wasip1 guest creates, inserts, selects and runs transactions against MariaDB',
  { timeout: 120_000 },
  async () => {
    const m = server();
    const version = (await m.query('SELECT VERSION()')).trim();
    assert.match(version, /MariaDB/);
    const r = await dialtone(['run', `--allow-net=127.0.0.1:${m.port}`, wasm, m.dsn], { timeoutMs: 100_000 });
    assert.equal(r.stderr, '', m.log());
    assert.equal(r.stdout.toString(), `connected to ${version} as dialtone@127.0.0.1\n${EXPECTED_REST}`);
    assert.equal(r.status, 0);
    // The rows the guest left are in the server's table.
    assert.equal(await m.query('SELECT name, count FROM dialtone.fruit ORDER BY name'), 'apple\t9\nbanana\t8\ncherry\t7\n');
  },
);

test('a wrong password is refused by the server', { timeout: 120_000 }, async () => {
  const m = server();
  const wrong = m.dsn.replace(`:${m.password}@`, ':wrong-password@');
  assert.notEqual(wrong, m.dsn);
  const r = await dialtone(['run', `--allow-net=127.0.0.1:${m.port}`, wasm, wrong], { timeoutMs: 100_000 });
  assert.equal(r.status, 1);
  assert.equal(r.stdout.toString(), '');
  assert.equal(r.stderr, "mariadb: connect: Error 1045 (28000): Access denied for user 'dialtone'@'127.0.0.1' (using password: YES)\n");
});

test('without --allow-net the guest cannot connect, and the server sees no connection', { timeout: 120_000 }, async () => {
  const m = server();
  const before = await connections(m);
  const r = await dialtone(['run', wasm, m.dsn], { timeoutMs: 100_000 });
  assert.equal(r.status, 1);
  assert.equal(r.stdout.toString(), '');
  assert.match(r.stderr, /^mariadb: connect: dial tcp 127\.0\.0\.1:\d+: connect: permission denied$/im);
  // The count query itself is the only connection since the one above.
  assert.equal(await connections(m), before + 1);
});
