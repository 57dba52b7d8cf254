// A real MQTT broker for tests: Debian's mosquitto (installed by
// scripts/ensure-debian-packages.ts), listening on 127.0.0.1 only on a free
// port, anonymous clients allowed, persistence off, every kind of log line
// on. Its log goes to a file in its temporary directory rather than to
// stdout: mosquitto writes stdout through a block buffer when it is a pipe,
// so the lines would only arrive at exit, while the file is flushed line by
// line. Started as root, mosquitto would switch to its own user and could
// no longer write that directory, so as root it runs as `nobody`.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { locateProgram } from '../../../scripts/ensure-debian-packages.ts';
import { onFreePort, serverDir, spawnServer, tail, unprivilegedIds, waitUntilReady } from './server-process.ts';

/** A running mosquitto. */
export interface Mosquitto {
  /** Its TCP port on 127.0.0.1. */
  port: number;
  /** The broker URL Paho takes: tcp://127.0.0.1:PORT. */
  url: string;
  /** Its log so far (`log_type all`: every packet it receives and sends, one line each). */
  log(): string;
  /** Resolves with the log once a line matches `re`; rejects with the log after `timeoutMs`. */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Stops the broker and removes its directory. */
  stop(): Promise<void>;
}

/** Starts mosquitto and waits (bounded) until it listens. */
export async function startMosquitto(): Promise<Mosquitto> {
  const program = locateProgram('mosquitto');
  assert.ok(program, 'mosquitto is not installed: run "node scripts/ensure-debian-packages.ts" (npm test does)');
  const ids = unprivilegedIds();
  const dir = serverDir('dialtone-mosquitto-', ids);
  const logFile = join(dir.path, 'mosquitto.log');
  const log = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  try {
    const started = await onFreePort('mosquitto', async (port) => {
      const conf = join(dir.path, `mosquitto-${port}.conf`);
      writeFileSync(
        conf,
        [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', `log_dest file ${logFile}`, 'log_type all', ''].join(
          '\n',
        ),
      );
      rmSync(logFile, { force: true }); // a failed attempt's lines; mosquitto (maybe as nobody) creates it anew
      const server = spawnServer(program, ['-c', conf], { ids, cwd: dir.path });
      // mosquitto logs "running" once its listener is bound; it exits when the port is taken, which ends the wait.
      if (await waitUntilReady(server, () => Promise.resolve(/ mosquitto version \S+ running$/m.test(log())), 10_000)) {
        return { server, port };
      }
      await server.stop();
      return tail(`${server.log()}${log()}`);
    });
    return {
      port: started.port,
      url: `tcp://127.0.0.1:${started.port}`,
      log,
      async waitForLog(re, timeoutMs = 5_000) {
        const deadline = Date.now() + timeoutMs;
        while (!re.test(log())) {
          assert.ok(Date.now() < deadline, `mosquitto logged no line matching ${re} within ${timeoutMs} ms:\n${log()}`);
          await new Promise((r) => setTimeout(r, 20));
        }
        return log();
      },
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
