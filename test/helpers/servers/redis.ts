// A real Redis server for tests: Debian's redis-server (installed by
// scripts/ensure-debian-packages.ts), listening on 127.0.0.1 only on a
// free port, persistence off, its files in a temporary directory. Also
// raw RESP queries, for tests to ask the server what it saw.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { locateProgram } from '../../../scripts/ensure-debian-packages.ts';
import { onFreePort, serverDir, spawnServer, tail, waitUntilReady } from './server-process.ts';

/** A running redis-server. */
export interface Redis {
  /** Its TCP port on 127.0.0.1. */
  port: number;
  /** One field of its `INFO everything` (e.g. total_connections_received), asked over a connection of its own; undefined when INFO has no such field. */
  info(field: string): Promise<string | undefined>;
  /** The server's output so far. */
  log(): string;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** Starts redis-server and waits until this very process answers on its port (bounded). */
export async function startRedis(): Promise<Redis> {
  const program = locateProgram('redis-server');
  assert.ok(program, 'redis-server is not installed: run "node scripts/ensure-debian-packages.ts" (npm test does)');
  const dir = serverDir('dialtone-redis-', undefined);
  try {
    const started = await onFreePort(
      'redis-server',
      async (port) => {
        const server = spawnServer(program, [
          ...['--bind', '127.0.0.1', '--port', String(port)],
          ...['--save', '', '--appendonly', 'no', '--dir', dir.path],
          ...['--daemonize', 'no', '--logfile', ''],
        ]);
        // PING proves it accepts; process_id proves the listener is this child,
        // not something else that took the port between freePort() and the bind.
        const ours = (): Promise<boolean> => redisInfoField(port, 'process_id', 1_000).then((pid) => pid === String(server.child.pid));
        if (await waitUntilReady(server, ours, 10_000)) return { server, port };
        await server.stop();
        return tail(server.log());
      },
      5,
    );
    return {
      port: started.port,
      info: (field) => redisInfoField(started.port, field),
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

/**
 * Sends raw RESP `request` to 127.0.0.1:port and collects the reply until
 * `done(reply)` holds; rejects on error, close or `timeoutMs`.
 */
export function redisQuery(port: number, request: string, done: (reply: string) => boolean, timeoutMs = 2_000): Promise<string> {
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

/** One field of `INFO everything` of the server on `port` (e.g. process_id, cmdstat_publish); undefined when there is no such field. */
export async function redisInfoField(port: number, field: string, timeoutMs = 2_000): Promise<string | undefined> {
  const re = new RegExp(`^${field}:(.*)\r$`, 'm');
  const reply = await redisQuery(port, 'INFO everything\r\n', bulkComplete, timeoutMs);
  return re.exec(reply)?.[1];
}

/** Whether `reply` holds a whole RESP bulk string ($LENGTH CRLF, the bytes, CRLF). */
function bulkComplete(reply: string): boolean {
  const m = /^\$(\d+)\r\n/.exec(reply);
  // RESP counts bytes; the reply was decoded as UTF-8.
  return m !== null && Buffer.byteLength(reply) >= m[0].length + Number(m[1]) + 2;
}
