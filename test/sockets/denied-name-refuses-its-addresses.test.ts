// --deny-net=NAME refuses the addresses NAME resolves to (as dialtone's
// resolver sees them), not only lookups of NAME: a Go guest (connerrors)
// dialing that address directly, or through another name for it, is
// refused. The name comes from the machine's /etc/hosts, so nothing leaves
// the machine; the test is skipped when the file has no such name.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { after, before, test } from 'node:test';
import { dialtone } from '../helpers/cli.ts';
import { guest } from '../helpers/paths.ts';

/** Names other than localhost that /etc/hosts maps to 127.0.0.1 alone (so the system resolver answers from the file). */
function loopbackHostsNames(): string[] {
  let text: string;
  try {
    text = readFileSync('/etc/hosts', 'utf8');
  } catch {
    return [];
  }
  const addresses = new Map<string, Set<string>>();
  for (const raw of text.split('\n')) {
    const [address, ...aliases] = raw.replace(/#.*/, '').trim().split(/\s+/);
    if (address === undefined || net.isIP(address) === 0) continue;
    for (const alias of aliases) {
      const name = alias.toLowerCase();
      if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(name) || name === 'localhost' || name.endsWith('.localhost')) continue;
      addresses.set(name, (addresses.get(name) ?? new Set()).add(address));
    }
  }
  return [...addresses].filter(([, set]) => set.size === 1 && set.has('127.0.0.1')).map(([name]) => name);
}

const [name, other] = loopbackHostsNames();
const noName = name === undefined ? 'the machine’s /etc/hosts maps no name but localhost to 127.0.0.1 alone' : false;
const noOther = other === undefined ? 'the machine’s /etc/hosts maps fewer than two names besides localhost to 127.0.0.1 alone' : false;

let server: net.Server;
let port: number;
let accepted = 0;

before(async () => {
  server = net.createServer((s) => {
    accepted++;
    s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

after(() => {
  server.close();
});

/** Runs connerrors' "denied" case against each address, with --trace and the given flags. */
function dial(flags: readonly string[], addresses: readonly string[]): ReturnType<typeof dialtone> {
  const cases = addresses.flatMap((a) => ['denied', a]);
  return dialtone(['run', '--trace', ...flags, guest('connerrors'), ...cases], { timeoutMs: 50_000 });
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test(
  'a denied name refuses a connect to its address made by address, and --trace names the rule',
  { skip: noName, timeout: 60_000 },
  async () => {
    accepted = 0;
    const r = await dial([`--allow-net=127.0.0.1:${port}`, `--deny-net=${name!}`], [`127.0.0.1:${port}`]);
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    assert.equal(r.stdout.toString(), `denied: dial tcp 127.0.0.1:${port}: connect: Permission denied\n`);
    assert.match(r.stderr, new RegExp(`^policy: connect to 127\\.0\\.0\\.1:${port} refused: denied by --deny-net=${escape(name!)}$`, 'm'));
    assert.equal(accepted, 0);
  },
);

test('a denied name refuses a connect to its address reached through another name', { skip: noOther, timeout: 60_000 }, async () => {
  accepted = 0;
  const r = await dial([`--allow-net=127.0.0.1:${port},${other!}:${port}`, `--deny-net=${name!}`], [`${other!}:${port}`]);
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  assert.equal(r.stdout.toString(), `denied: dial tcp 127.0.0.1:${port}: connect: Permission denied\n`);
  assert.equal(accepted, 0);
});

test('the same dials connect when the name is not denied (the control)', { skip: noOther, timeout: 60_000 }, async () => {
  const r = await dial([`--allow-net=127.0.0.1:${port},${other!}:${port}`], [`127.0.0.1:${port}`, `${other!}:${port}`]);
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  assert.equal(r.stdout.toString(), `denied: connected to 127.0.0.1:${port}\ndenied: connected to 127.0.0.1:${port}\n`);
});
