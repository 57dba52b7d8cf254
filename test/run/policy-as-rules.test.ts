// run() takes a network policy as rules (the --allow-net / --allow-listen /
// --deny-net lists) as well as a policy object, the same data spawnWorker()
// sends a worker.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { after, before, test } from 'node:test';
import { DialtoneError, run, type RulePolicyOptions } from '../../src/index.ts';
import { guest } from '../helpers/paths.ts';

let port: number;
let server: net.Server;

before(async () => {
  server = net.createServer((s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function dial(policy: RulePolicyOptions): Promise<{ exitCode: number; stdout: string }> {
  let stdout = '';
  const { exitCode } = await run(guest('wasinetapp'), {
    args: ['dial', 'tcp', `127.0.0.1:${port}`, 'hi'],
    net: { policy },
    stdio: { stdout: (b) => (stdout += Buffer.from(b).toString()), stderr: () => {} },
  });
  return { exitCode, stdout };
}

test('run() builds a RulePolicy from rules: allowed connects, denied is permission denied', { timeout: 60_000 }, async () => {
  assert.deepEqual(await dial({ allowNet: [`127.0.0.1:${port}`] }), { exitCode: 0, stdout: 'reply: hi\n' });
  const denied = await dial({ allowNet: ['127.0.0.1'], denyNet: [`127.0.0.1:${port}`] });
  assert.equal(denied.exitCode, 3);
  assert.match(denied.stdout, /^dial error after <1s=true: .*permission denied\n$/i);
});

test('run() rejects a bad rule with ERR_USAGE naming the entry', async () => {
  await assert.rejects(
    run(guest('wasinetapp'), { net: { policy: { denyNet: ['not a host!'] } } }),
    (err: unknown) => err instanceof DialtoneError && err.code === 'ERR_USAGE' && /not a host!/.test(err.message),
  );
});
