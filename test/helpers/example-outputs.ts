// What gallery examples print (or send), as their sources make it: shared by
// their tests under the Node CLI (test/examples/) and in a page
// (test/browser/gallery-in-chromium.test.ts) — the same program, the same
// lines.
import { createHash } from 'node:crypto';

/** examples/redis: every value comes from the server's replies. */
export const REDIS_OUTPUT = [
  'PING PONG',
  'SET dialtone-example:greeting OK',
  'GET dialtone-example:greeting "hello from wasip1"',
  'GET dialtone-example:missing (nil)',
  'pipeline of 4: INCR 1, INCR 2, EXPIRE true, GET 2',
  'subscribe dialtone-example:news (1)',
  'PUBLISH dialtone-example:news first: 1 receiver(s)',
  'PUBLISH dialtone-example:news second: 1 receiver(s)',
  'message on dialtone-example:news: first',
  'message on dialtone-example:news: second',
  'DEL 2',
  'done',
  '',
].join('\n');

/** examples/postgres against a fresh database: every number comes from the server's rows. */
export const POSTGRES_OUTPUT = [
  'connected to PostgreSQL 15 as dialtone',
  'INSERT 0 1 apple',
  'INSERT 0 1 banana',
  'INSERT 0 1 cherry',
  '  apple  5',
  '  banana 12',
  '  cherry 7',
  'committed: moved 4 from banana to apple',
  'rolled back: ERROR: new row for relation "fruit" violates check constraint "fruit_count_check" (SQLSTATE 23514)',
  'total 24',
  '  apple  9',
  '  banana 8',
  '  cherry 7',
  'done',
  '',
].join('\n');

/**
 * examples/mqtt against the broker at `url`, with its `-keepalive` and
 * `-idle` (the example's defaults: 1s and 3s): each "received" line is a
 * message the broker delivered.
 */
export function mqttOutput(url: string, keepAlive = '1s', idle = '3s'): string {
  const lines = [`connected to ${url} as dialtone-example`, 'subscribed to dialtone/example/# at QoS 2'];
  for (const qos of [0, 1, 2]) {
    lines.push(`published "hello at QoS ${qos}" to dialtone/example/qos${qos} at QoS ${qos}`);
    lines.push(`received "hello at QoS ${qos}" on dialtone/example/qos${qos} at QoS ${qos}`);
  }
  lines.push(`idle for ${idle} with keep-alive ${keepAlive}`, 'still connected', 'disconnected', '');
  return lines.join('\n');
}

/** What examples/websocket/client sends (text, every byte value, 1 MiB). */
export function wsClientMessages(): { binary: boolean; data: Buffer }[] {
  const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const large = Buffer.alloc(1 << 20);
  for (let i = 0; i < large.length; i++) large[i] = (i * 7) % 251;
  return [
    { binary: false, data: Buffer.from('hello') },
    { binary: false, data: Buffer.from('héllo wörld ✓') },
    { binary: true, data: every },
    { binary: true, data: large },
  ];
}

/** What examples/websocket/client prints against an echo server: each binary message by size and SHA-256. */
export function wsClientOutput(): string {
  return [
    'connected: 101 Switching Protocols',
    'echoed text "hello"',
    'echoed text "héllo wörld ✓"',
    ...wsClientMessages()
      .filter((m) => m.binary)
      .map((m) => `echoed binary ${m.data.length} bytes sha256:${createHash('sha256').update(m.data).digest('hex')}`),
    'closed',
    '',
  ].join('\n');
}
