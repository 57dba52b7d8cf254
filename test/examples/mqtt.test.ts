// examples/mqtt builds and runs as its README shows: Eclipse Paho
// (github.com/eclipse/paho.mqtt.golang) in a GOOS=wasip1 guest, dialing
// through dispatchrun/net, against a real mosquitto
// (test/helpers/servers/mosquitto.ts) on 127.0.0.1. The broker's log
// (`log_type all`) is the witness of what crossed the wire: the QoS 1 and
// QoS 2 handshakes both ways and the keep-alive pings.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { dialtone } from '../helpers/cli.ts';
import { buildGoExample, exampleDir } from '../helpers/examples.ts';
import { startMosquitto, type Mosquitto } from '../helpers/servers/mosquitto.ts';
import { mqttOutput } from '../helpers/example-outputs.ts';

const BUILD = 'GOOS=wasip1 GOARCH=wasm go build -o mqtt.wasm .';
const RUN = 'npx dialtone run --allow-net=127.0.0.1:1883 mqtt.wasm tcp://127.0.0.1:1883';

/** How many connections from 127.0.0.1 the broker has logged. */
function connections(log: string): number {
  return log.match(/New connection from 127\.0\.0\.1:\d+ on port \d+\./g)?.length ?? 0;
}

/** How many log lines match `re` (a global regexp). */
function count(log: string, re: RegExp): number {
  return log.match(re)?.length ?? 0;
}

let broker: Mosquitto | undefined;
let wasm = '';

before(async () => {
  wasm = buildGoExample('mqtt');
  broker = await startMosquitto();
});

after(async () => {
  await broker?.stop();
});

function server(): Mosquitto {
  assert.ok(broker, 'mosquitto did not start');
  return broker;
}

test('the README shows how to build and run examples/mqtt', () => {
  const readme = readFileSync(join(exampleDir('mqtt'), 'README.md'), 'utf8');
  for (const line of [BUILD, RUN]) assert.ok(readme.includes(`${line}\n`), `README shows: ${line}`);
});

test(
  'Paho in a wasip1 guest publishes at QoS 0, 1 and 2, receives its own messages and keeps the connection alive with pings',
  { timeout: 120_000 },
  async () => {
    const { port, url, waitForLog } = server();
    const started = Date.now();
    const r = await dialtone(['run', `--allow-net=127.0.0.1:${port}`, wasm, url], { timeoutMs: 60_000 });
    const elapsed = Date.now() - started;
    assert.equal(r.stderr, '', server().log());
    assert.equal(r.stdout.toString(), mqttOutput(url));
    assert.equal(r.status, 0);
    // The guest stayed connected for its 3 s of idling, no longer than the whole run.
    assert.ok(elapsed >= 3_000, `ran for ${elapsed} ms`);

    // The broker logs the DISCONNECT last; by then every earlier line is in the file.
    const log = await waitForLog(/Received DISCONNECT from dialtone-example$/m);
    // Connected with a 1 s keep-alive (k1), protocol 3.1.1 (p2), clean session (c1).
    assert.match(log, /New client connected from 127\.0\.0\.1:\d+ as dialtone-example \(p2, c1, k1\)\./);
    assert.match(log, /Received SUBSCRIBE from dialtone-example\n.*\tdialtone\/example\/# \(QoS 2\)/);
    // Each QoS's flow, both as the publisher (guest → broker) and as the subscriber (broker → guest).
    for (const qos of [0, 1, 2]) {
      assert.match(
        log,
        new RegExp(
          `Received PUBLISH from dialtone-example \\(d0, q${qos}, r0, m\\d+, 'dialtone/example/qos${qos}', \\.\\.\\. \\(14 bytes\\)\\)`,
        ),
      );
      assert.match(
        log,
        new RegExp(
          `Sending PUBLISH to dialtone-example \\(d0, q${qos}, r0, m\\d+, 'dialtone/example/qos${qos}', \\.\\.\\. \\(14 bytes\\)\\)`,
        ),
      );
    }
    assert.match(log, /Sending PUBACK to dialtone-example/); // the guest's QoS 1 publish
    assert.match(log, /Received PUBACK from dialtone-example/); // the guest acknowledging its QoS 1 delivery
    for (const step of ['Sending PUBREC to', 'Received PUBREL from', 'Sending PUBCOMP to'])
      assert.match(log, new RegExp(`${step} dialtone-example`));
    for (const step of ['Received PUBREC from', 'Sending PUBREL to', 'Received PUBCOMP from'])
      assert.match(log, new RegExp(`${step} dialtone-example`));
    // At least one keep-alive round while idle: PINGREQ from the guest, PINGRESP to it
    // (and the guest, whose ping timeout is 1 s, stayed connected, so the answer reached it).
    const pings = count(log, /Received PINGREQ from dialtone-example$/gm);
    assert.ok(pings >= 1, log);
    assert.equal(count(log, /Sending PINGRESP to dialtone-example$/gm), pings, log);
    assert.match(log, /Client dialtone-example disconnected\./);
  },
);

test('without --allow-net the guest cannot connect, and the broker sees no connection', { timeout: 120_000 }, async () => {
  const { url, log } = server();
  const before = connections(log());
  const r = await dialtone(['run', wasm, url], { timeoutMs: 60_000 });
  assert.equal(r.status, 1);
  assert.equal(r.stdout.toString(), '');
  assert.match(r.stderr, /^connect: .*dial tcp 127\.0\.0\.1:\d+: connect: permission denied$/im);
  assert.equal(connections(log()), before);
});
