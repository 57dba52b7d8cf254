// A real MariaDB server for tests: Debian's mariadb-server (installed by
// scripts/ensure-debian-packages.ts), a fresh data directory made by
// mariadb-install-db in a temporary directory, listening on 127.0.0.1 only
// on a free port, with a user (password authentication) and a database
// made for the test. When the tests run as root it runs as `nobody`, so it
// needs no --user=root.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { locateProgram } from '../../../scripts/ensure-debian-packages.ts';
import { onFreePort, runSetup, serverDir, spawnServer, tail, unprivilegedIds, waitUntilReady, type Ids } from './server-process.ts';

/** A running MariaDB server. */
export interface MariaDB {
  /** Its TCP port on 127.0.0.1. */
  port: number;
  /** The user the test connects as (all rights on `database` only), its password and its database. */
  user: string;
  password: string;
  database: string;
  /** A go-sql-driver/mysql DSN for that user over TCP. */
  dsn: string;
  /** Runs `sql` with the mariadb client as root over the server's unix socket; resolves with its tab-separated output, no column names. */
  query(sql: string): Promise<string>;
  /** The server's output so far. */
  log(): string;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** Starts a fresh MariaDB server and waits until it accepts connections (bounded). */
export async function startMariaDB(): Promise<MariaDB> {
  const mariadbd = locateProgram('mariadbd');
  const installDb = locateProgram('mariadb-install-db');
  const client = locateProgram('mariadb');
  assert.ok(
    mariadbd && installDb && client,
    'mariadb-server is not installed: run "node scripts/ensure-debian-packages.ts" (npm test does)',
  );
  const ids = unprivilegedIds();
  const dir = serverDir('dialtone-mariadb-', ids);
  try {
    const data = join(dir.path, 'data');
    const socket = join(dir.path, 'sock');
    // root@localhost with no password: only reachable through the unix
    // socket in our own directory (the TCP side is for the test's user).
    await runSetup(
      installDb,
      ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve'],
      { ids, cwd: dir.path, timeoutMs: 120_000 },
    );
    const query = (sql: string): Promise<string> =>
      runSetup(client, ['--no-defaults', `--socket=${socket}`, '-uroot', '--batch', '--skip-column-names', '-e', sql], { ids });
    const ping = (): Promise<boolean> => query('SELECT 1').then((out) => out.trim() === '1');
    const started = await onFreePort('mariadbd', (port) => startOn(mariadbd, dir.path, data, socket, port, ids, ping));
    const user = 'dialtone';
    const password = randomBytes(12).toString('hex');
    const database = 'dialtone';
    try {
      await query(
        `CREATE DATABASE ${database}; CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY '${password}'; GRANT ALL ON ${database}.* TO '${user}'@'127.0.0.1'`,
      );
    } catch (err) {
      await started.server.stop();
      throw err;
    }
    return {
      port: started.port,
      user,
      password,
      database,
      dsn: `${user}:${password}@tcp(127.0.0.1:${started.port})/${database}`,
      query,
      log: started.server.log,
      async stop() {
        await started.server.stop();
        dir.cleanup();
      },
    };
  } catch (err) {
    dir.cleanup();
    throw err;
  }
}

/** Starts mariadbd on `port`; resolves with it once it accepts connections, or with why not (having stopped it). */
async function startOn(
  program: string,
  dir: string,
  data: string,
  socket: string,
  port: number,
  ids: Ids | undefined,
  ping: () => Promise<boolean>,
) {
  const server = spawnServer(
    program,
    [
      '--no-defaults',
      `--datadir=${data}`,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--pid-file=${join(dir, 'mariadbd.pid')}`,
      `--tmpdir=${dir}`,
      // Client addresses stay addresses: no reverse lookups.
      '--skip-name-resolve',
      // A test database: no durability needed, and a small footprint.
      '--innodb-flush-log-at-trx-commit=0',
      '--innodb-buffer-pool-size=32M',
    ],
    { ids, cwd: dir },
  );
  // The socket is in our own directory, so an answer there is this server;
  // mariadbd exits when it cannot bind the TCP port, which ends the wait.
  const ready = await waitUntilReady(server, ping, 30_000);
  if (ready) return { server, port };
  await server.stop();
  return tail(server.log());
}
