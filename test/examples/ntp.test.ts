// examples/ntp builds from its source: its client (beevik/ntp, dialing
// through dispatchrun/net) asks a real chronyd serving its local clock on a
// loopback port, and its server answers chronyd -Q (a real NTP client) and a
// native query that checks its answer field by field. No clock is touched
// and nothing but 127.0.0.1 is contacted.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dialtone, startDialtone } from '../helpers/cli.ts';
import { buildGoExample, exampleDir } from '../helpers/examples.ts';
import { queryNtp } from '../helpers/ntp-query.ts';
import { chronyQuery, startChrony } from '../helpers/servers/chrony.ts';
import { eventually } from '../helpers/eventually.ts';

const README = readFileSync(join(exampleDir('ntp'), 'README.md'), 'utf8');
const LINES = [
  'GOOS=wasip1 GOARCH=wasm go build -o ntp-client.wasm ./client',
  'GOOS=wasip1 GOARCH=wasm go build -o ntp-server.wasm ./server',
  'npx dialtone run --allow-net=127.0.0.1:123 ntp-client.wasm 127.0.0.1:123',
  'npx dialtone run --allow-listen=127.0.0.1 ntp-server.wasm 127.0.0.1:1123',
];

test("the example's README shows how to build and run the client and the server", () => {
  for (const line of LINES) assert.ok(README.includes(`${line}\n`), `README shows: ${line}`);
});

test('the guest client queries chronyd with beevik/ntp and validates its answer', { timeout: 180_000 }, async () => {
  const wasm = buildGoExample('ntp', { pkg: './client' });
  const chrony = await startChrony(8);
  try {
    const server = `127.0.0.1:${chrony.port}`;
    const r = await dialtone(['run', `--allow-net=${server}`, wasm, server], { timeoutMs: 60_000 });
    assert.equal(r.status, 0, `${r.stderr}\nchronyd: ${chrony.log()}`);
    const out = r.stdout.toString();
    assert.match(out, /^stratum 8$/m); // the stratum chronyd was configured with
    assert.match(out, /^reference \d+\.\d+\.\d+\.\d+$/m); // above stratum 1, a reference ID is an IPv4 address
    const serverTime = Date.parse(/^server time (\S+)$/m.exec(out)?.[1] ?? '');
    assert.ok(Math.abs(serverTime - Date.now()) < 30_000, `server time ${serverTime} is now`);
    // Same machine, same clock: the offset is well under a second.
    assert.match(out, /^clock offset -?[\d.]+(ns|µs|ms)$|^clock offset 0s$/m);
    assert.match(out, /^round trip [\d.]+(ns|µs|ms)$/m);
    assert.match(out, /^answer valid$/m);

    // Without --allow-net the query is refused by the policy.
    const denied = await dialtone(['run', wasm, server], { timeoutMs: 60_000 });
    assert.equal(denied.status, 1);
    assert.match(denied.stderr, /^query: .*permission denied/im);
  } finally {
    await chrony.stop();
  }
});

test('the guest server, with --allow-listen only, answers chronyd -Q and a native query field by field', { timeout: 180_000 }, async () => {
  const wasm = buildGoExample('ntp', { pkg: './server' });
  const g = startDialtone(['run', '--allow-listen=127.0.0.1', wasm, '127.0.0.1:0'], { timeoutMs: 90_000 });
  try {
    const [, addr] = await g.waitForLine(/^listening on (127\.0\.0\.1:\d+)$/);
    const port = Number(addr?.split(':')[1]);

    const a = await queryNtp(port, 5000);
    assert.deepEqual(
      { leap: a.leap, version: a.version, mode: a.mode, stratum: a.stratum, ref: a.referenceId.toString('latin1') },
      { leap: 0, version: 4, mode: 4, stratum: 1, ref: 'LOCL' },
    );
    assert.equal(a.origin, a.sentTransmit, 'origin is the query transmit timestamp, as sent');
    assert.ok(a.receiveMs <= a.transmitMs, 'received before transmitted');
    assert.ok(Math.abs(a.transmitMs - Date.now()) < 5_000, `transmit time ${a.transmitMs} is now`);

    // chronyd as a client: it takes the answer as valid NTP and measures an offset near 0.
    const offset = await chronyQuery(port);
    assert.ok(Math.abs(offset) < 1, `offset ${offset} s`);
    // The native query, then chronyd's (its lines may trail chronyd's exit a little).
    const answered = (): number => (g.stdout().match(/^answered 127\.0\.0\.1:\d+$/gm) ?? []).length;
    await eventually(
      () => answered() >= 2,
      () => `two "answered" lines in:\n${g.stdout()}`,
      5000,
    );
  } finally {
    g.kill();
    await g.exited;
  }
  // Without --allow-listen the policy refuses the socket.
  const denied = await dialtone(['run', wasm, '127.0.0.1:0']);
  assert.equal(denied.status, 1, denied.stderr);
  assert.match(denied.stderr, /^listen: .*permission denied/im);
});
