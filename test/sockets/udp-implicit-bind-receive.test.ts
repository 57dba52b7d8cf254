// A UDP socket the guest never binds is bound implicitly by its first
// sendto (the udpsendto guest drives the WasmEdge functions directly, as a
// C program would). It may then receive only from where the policy lets it
// send, unless --allow-listen covers its local address; other datagrams are
// dropped, with a --trace line. An "intruder" node:dgram socket sends to the
// guest's port before the allowed server replies.
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dialtone } from '../helpers/cli.ts';
import { guest } from '../helpers/paths.ts';

let server: dgram.Socket;
let intruder: dgram.Socket;
let serverPort: number;
let intruderPort: number;

const bind = async (s: dgram.Socket): Promise<number> => {
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return s.address().port;
};

before(async () => {
  server = dgram.createSocket('udp4');
  intruder = dgram.createSocket('udp4');
  serverPort = await bind(server);
  intruderPort = await bind(intruder);
  // On "hello": the intruder sends to the guest's port first, then the server replies.
  server.on('message', (msg, rinfo) => {
    if (msg.toString() !== 'hello') return;
    intruder.send('intrusion', rinfo.port, rinfo.address, () => {
      void sleep(200).then(() => server.send('reply', rinfo.port, rinfo.address));
    });
  });
});

after(() => {
  server.close();
  intruder.close();
});

test('an implicitly bound UDP socket drops datagrams from where it may not send, with a --trace line', { timeout: 60_000 }, async () => {
  const r = await dialtone(
    ['run', '--trace', `--allow-net=127.0.0.1:${serverPort}`, guest('udpsendto'), `127.0.0.1:${serverPort}`, 'hello', 'reply'],
    {
      timeoutMs: 50_000,
    },
  );
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  assert.equal(r.stdout.toString(), `from 127.0.0.1:${serverPort}: reply\n`);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('policy: datagram'));
  assert.equal(lines.length, 1, r.stderr.slice(-2000));
  assert.match(
    lines[0]!,
    new RegExp(
      `^policy: datagram from 127\\.0\\.0\\.1:${intruderPort} to 0\\.0\\.0\\.0:\\d+ dropped: send to 127\\.0\\.0\\.1:${intruderPort} refused: not in --allow-net .*; listen on 0\\.0\\.0\\.0:\\d+ refused: listening is off \\(no --allow-listen\\)$`,
    ),
  );
});

test('an implicitly bound UDP socket whose address --allow-listen covers receives from anyone', { timeout: 60_000 }, async () => {
  const r = await dialtone(
    [
      'run',
      `--allow-net=127.0.0.1:${serverPort}`,
      '--allow-listen=0.0.0.0',
      guest('udpsendto'),
      `127.0.0.1:${serverPort}`,
      'hello',
      'reply',
    ],
    { timeoutMs: 50_000 },
  );
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  assert.equal(r.stdout.toString(), `from 127.0.0.1:${intruderPort}: intrusion\nfrom 127.0.0.1:${serverPort}: reply\n`);
});

test('an implicitly bound UDP socket receives from every address it may send to', { timeout: 60_000 }, async () => {
  const r = await dialtone(['run', '--allow-net=127.0.0.1', guest('udpsendto'), `127.0.0.1:${serverPort}`, 'hello', 'reply'], {
    timeoutMs: 50_000,
  });
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  assert.equal(r.stdout.toString(), `from 127.0.0.1:${intruderPort}: intrusion\nfrom 127.0.0.1:${serverPort}: reply\n`);
});
