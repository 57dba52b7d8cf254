// chrony for tests: chronyd as a real NTP server on 127.0.0.1 (a free UDP
// port, its local clock as the reference, no sources, never touching the
// system clock), and chronyd -Q as a real NTP client that asks one server
// and prints the offset without setting anything. Everything chronyd writes
// (pid, drift, dumps) stays in a temporary directory; its command port is
// off; it has no server or pool lines, so it never contacts another machine.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { locateProgram } from '../../../scripts/ensure-debian-packages.ts';
import { queryNtp } from '../ntp-query.ts';
import { tempDir } from '../paths.ts';
import { spawnServer, tail, waitUntilReady } from './server-process.ts';

/** A running chronyd serving NTP on 127.0.0.1. */
export interface Chrony {
  port: number;
  /** The stratum it serves (its local reference's). */
  stratum: number;
  log(): string;
  /** Stops chronyd and removes its directory. */
  stop(): Promise<void>;
}

/** chronyd's path; fails the test with how to get it when missing. */
function chronyd(): string {
  const program = locateProgram('chronyd');
  assert.ok(program, 'chronyd is not installed: run "node scripts/ensure-debian-packages.ts" (npm test does)');
  return program;
}

/** chronyd drops root privileges to its own user by default; in a test it stays root, so it can remove what it wrote in our directory. */
const runAs = (): string[] => (process.getuid?.() === 0 ? ['-u', 'root'] : []);

/** A UDP port free on 127.0.0.1 now (callers retry if it is taken meanwhile). */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.on('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts chronyd serving its local clock at `stratum` on a free loopback port; resolves once it answers a query. */
export async function startChrony(stratum = 8): Promise<Chrony> {
  const program = chronyd();
  const dir = tempDir('dialtone-chrony-');
  const reasons: string[] = [];
  try {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const port = await freeUdpPort();
      const conf = join(dir.path, 'chrony.conf');
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bindaddress 127.0.0.1',
          'allow 127.0.0.1',
          `local stratum ${stratum}`,
          'cmdport 0',
          `pidfile ${join(dir.path, 'chronyd.pid')}`,
          `driftfile ${join(dir.path, 'drift')}`,
          `dumpdir ${dir.path}`,
          '',
        ].join('\n'),
      );
      // -x: never touch the system clock; -d: stay in the foreground, log to stderr.
      const server = spawnServer(program, ['-x', '-d', ...runAs(), '-f', conf]);
      const ready = await waitUntilReady(server, async () => (await queryNtp(port, 500)).stratum === stratum, 15_000);
      if (ready)
        return {
          port,
          stratum,
          log: server.log,
          async stop() {
            await server.stop();
            dir.cleanup();
          },
        };
      await server.stop();
      reasons.push(`attempt ${attempt} (port ${port}): ${tail(server.log())}`);
    }
    throw new Error(`chronyd did not start:\n${reasons.join('\n')}`);
  } catch (err) {
    dir.cleanup();
    throw err;
  }
}

/**
 * Asks the NTP server at 127.0.0.1:`port` for the time with `chronyd -Q`
 * (a few samples, at most `timeoutS` seconds) and resolves with the offset
 * of this machine's clock it measured, in seconds; rejects with chronyd's
 * output if no usable answer came.
 */
export async function chronyQuery(port: number, timeoutS = 10): Promise<number> {
  const dir = tempDir('dialtone-chronyq-');
  try {
    // Directives on the command line take the place of a configuration file.
    const args = [
      '-Q',
      ...runAs(),
      '-t',
      String(timeoutS),
      `server 127.0.0.1 port ${port} iburst maxsamples 1`,
      `pidfile ${join(dir.path, 'chronyd.pid')}`,
    ];
    // chronyd logs to stderr; it exits 1 when no answer came within -t.
    const out = await new Promise<string>((resolve, reject) =>
      execFile(chronyd(), args, { timeout: (timeoutS + 10) * 1000, killSignal: 'SIGKILL', encoding: 'utf8' }, (err, stdout, stderr) =>
        err === null ? resolve(stdout + stderr) : reject(new Error(`chronyd -Q found no answer (${err.message}):\n${stdout}${stderr}`)),
      ),
    );
    const m = /System clock wrong by (-?[\d.]+) seconds/.exec(out);
    assert.ok(m, `chronyd -Q printed no offset:\n${out}`);
    return Number(m[1]);
  } finally {
    dir.cleanup();
  }
}
