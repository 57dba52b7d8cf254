// A real PostgreSQL server for tests: Debian's postgresql-15 (installed by
// scripts/ensure-debian-packages.ts), a fresh cluster in a temporary
// directory made by initdb, listening on 127.0.0.1 only on a free port,
// with password (SCRAM-SHA-256) authentication for TCP and a role and
// database made for the test. PostgreSQL refuses to run as root, so when
// the tests run as root it runs as `nobody`.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { locateProgram } from '../../../scripts/ensure-debian-packages.ts';
import { onFreePort, runSetup, serverDir, spawnServer, tail, unprivilegedIds, waitUntilReady, type Ids } from './server-process.ts';

/** Where Debian installs PostgreSQL 15's programs. */
const BIN = '/usr/lib/postgresql/15/bin';

/** A running PostgreSQL server. */
export interface Postgres {
  /** Its TCP port on 127.0.0.1. */
  port: number;
  /** The role the test connects as (not a superuser), its password and its database. */
  user: string;
  password: string;
  database: string;
  /** A pgx/libpq URL for that role over TCP, TLS off (the server has no certificate). */
  url: string;
  /** Runs `sql` with psql as the superuser over the server's unix socket; resolves with psql's unaligned, tuples-only output. */
  psql(sql: string): Promise<string>;
  /** The server's output so far (it logs every connection: log_connections is on). */
  log(): string;
  /**
   * The server's output once every line it wrote before this call has
   * arrived: it opens one more (local) connection and waits for that
   * connection's line, which the server writes after all earlier ones.
   */
  settledLog(): Promise<string>;
  /** Stops the server (fast shutdown) and removes its directory. */
  stop(): Promise<void>;
}

/** Starts a fresh PostgreSQL cluster and waits until it accepts connections (bounded). */
export async function startPostgres(): Promise<Postgres> {
  const initdb = locateProgram(join(BIN, 'initdb'));
  assert.ok(initdb, 'PostgreSQL 15 is not installed: run "node scripts/ensure-debian-packages.ts" (npm test does)');
  const ids = unprivilegedIds();
  const dir = serverDir('dialtone-pg-', ids);
  try {
    const data = join(dir.path, 'data');
    const pwfile = join(dir.path, 'superuser-password');
    writeFileSync(pwfile, `${randomBytes(12).toString('hex')}\n`, { mode: 0o600 });
    if (ids !== undefined) chownSync(pwfile, ids.uid, ids.gid);
    // Local (unix socket) connections trust the OS user, for the set-up below;
    // TCP ones need a password, checked with SCRAM-SHA-256.
    await runSetup(
      initdb,
      [
        ...['-D', data, '-U', 'postgres', `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256'],
        ...['-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'],
      ],
      { ids, timeoutMs: 120_000 },
    );
    const started = await onFreePort('postgres', (port) => startOn(data, dir.path, port, ids));
    const psql = (sql: string): Promise<string> =>
      runSetup(
        join(BIN, 'psql'),
        [
          ...['-X', '-h', dir.path, '-p', String(started.port), '-U', 'postgres', '-d', 'postgres'],
          ...['-v', 'ON_ERROR_STOP=1', '-tA', '-c', sql],
        ],
        { ids },
      );
    const user = 'dialtone';
    const password = randomBytes(12).toString('hex');
    const database = 'dialtone';
    try {
      await psql(`CREATE ROLE ${user} LOGIN PASSWORD '${password}'`);
      await psql(`CREATE DATABASE ${database} OWNER ${user}`);
    } catch (err) {
      await started.server.stop('SIGINT');
      throw err;
    }
    return {
      port: started.port,
      user,
      password,
      database,
      url: `postgres://${user}:${password}@127.0.0.1:${started.port}/${database}?sslmode=disable`,
      psql,
      log: started.server.log,
      async settledLog() {
        const local = (): number => started.server.log().match(/connection received: host=\[local\]/g)?.length ?? 0;
        const before = local();
        await psql('SELECT 1');
        const deadline = Date.now() + 10_000;
        while (local() === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        assert.ok(local() > before, `postgres did not log psql's connection:\n${started.server.log()}`);
        return started.server.log();
      },
      async stop() {
        // SIGINT is PostgreSQL's "fast" shutdown: it ends open sessions rather than waiting for them.
        await started.server.stop('SIGINT');
        dir.cleanup();
      },
    };
  } catch (err) {
    dir.cleanup();
    throw err;
  }
}

/** Starts postgres on `port`; resolves with it once it accepts connections, or with why not (having stopped it). */
async function startOn(data: string, socketDir: string, port: number, ids: Ids | undefined) {
  const server = spawnServer(
    join(BIN, 'postgres'),
    ['-D', data, '-c', 'listen_addresses=127.0.0.1', '-c', `port=${port}`, '-k', socketDir, '-c', 'fsync=off', '-c', 'log_connections=on'],
    { ids },
  );
  // The unix socket is in our own directory, so an answer there is this server;
  // postgres exits when it cannot bind the TCP address, which ends the wait.
  const ready = await waitUntilReady(
    server,
    () =>
      runSetup(join(BIN, 'pg_isready'), ['-q', '-h', socketDir, '-p', String(port), '-t', '1'], { ids }).then(
        () => true,
        () => false,
      ),
    20_000,
  );
  if (ready) return { server, port };
  await server.stop('SIGINT');
  return tail(server.log());
}
