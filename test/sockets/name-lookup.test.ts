// Name resolution inside the guest with Go's own resolver (the lookup
// guest): localhost from the guest's virtual /etc/hosts; a name from the
// machine's /etc/hosts through the in-host DNS stub and the system
// resolver (no query leaves the machine); and names the policy refuses.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { test } from 'node:test';
import { dialtone } from '../helpers/cli.ts';
import { guest } from '../helpers/paths.ts';

/** Name → addresses (sorted as Go's sort.Strings would) from the machine's /etc/hosts, localhost names left out. */
function hostsFileNames(): Map<string, string[]> {
  const names = new Map<string, string[]>();
  let text: string;
  try {
    text = readFileSync('/etc/hosts', 'utf8');
  } catch {
    return names;
  }
  for (const raw of text.split('\n')) {
    const [address, ...aliases] = raw.replace(/#.*/, '').trim().split(/\s+/);
    if (address === undefined || isIP(address) === 0 || address.includes('%')) continue;
    for (const alias of aliases) {
      const name = alias.toLowerCase();
      // Only plain names: nothing Go might treat differently from the host's resolver.
      if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(name) || name === 'localhost' || name.endsWith('.localhost') || name.startsWith('ip6-'))
        continue;
      const list = names.get(name) ?? [];
      if (!list.includes(address)) list.push(address);
      names.set(name, list);
    }
  }
  for (const list of names.values()) list.sort();
  return names;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const hosts = hostsFileNames();
const [hostName, hostAddrs] = [...hosts.entries()][0] ?? [];
const noHostName = hostName === undefined ? 'the machine’s /etc/hosts names nothing but localhost' : false;

test('lookup resolves localhost to 127.0.0.1 and ::1 from the virtual /etc/hosts', { timeout: 60_000 }, async () => {
  const r = await dialtone(['run', '--allow-net=127.0.0.1,::1,localhost', guest('lookup'), 'localhost'], { timeoutMs: 50_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.toString(), 'localhost 127.0.0.1 ::1\n');
});

test(
  'lookup resolves a name from the machine’s /etc/hosts to the addresses the file gives',
  { skip: noHostName, timeout: 60_000 },
  async () => {
    const name = hostName!;
    const r = await dialtone(['run', `--allow-net=127.0.0.1,::1,localhost,${name}`, guest('lookup'), name], { timeoutMs: 50_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.toString(), `${name} ${hostAddrs!.join(' ')}\n`);
  },
);

test('lookup of a name the allow list does not name is refused, and --trace says why', { skip: noHostName, timeout: 60_000 }, async () => {
  // IP entries do not cover names: looking a name up needs it listed.
  const name = hostName!;
  const n = escape(name);
  const r = await dialtone(['run', '--trace', '--allow-net=127.0.0.1,::1,localhost', guest('lookup'), name], { timeoutMs: 50_000 });
  assert.equal(r.status, 0, r.stderr);
  // The query's send fails with EACCES, as a refused connect does: Go
  // reports "permission denied" (an error rcode would read "server misbehaving").
  assert.match(r.stdout.toString(), new RegExp(`^${n} error: lookup ${n} on [0-9a-f.:[\\]]+:53: .*permission denied\\n$`, 'i'));
  const lines = r.stderr.split('\n');
  const policy = lines.filter((l) => l.startsWith('policy:'));
  assert.ok(policy.length > 0, `no policy: line in the trace:\n${r.stderr.slice(-2000)}`);
  for (const line of policy)
    assert.equal(line, `policy: lookup of ${name} refused: not in --allow-net (allowed: 127.0.0.1, ::1, localhost)`);
  for (const [i, l] of lines.entries())
    if (l.startsWith('policy:')) assert.match(lines[i + 1] ?? '', /^(fd_write|sock_send)\(.*\) => EACCES$/);
});

test('lookup of a name --deny-net names is refused even when it is allowed', { skip: noHostName, timeout: 60_000 }, async () => {
  const name = hostName!;
  const n = escape(name);
  const r = await dialtone(
    ['run', '--trace', `--allow-net=127.0.0.1,::1,localhost,${name}`, `--deny-net=${name}`, guest('lookup'), name, 'localhost'],
    {
      timeoutMs: 50_000,
    },
  );
  assert.equal(r.status, 0, r.stderr);
  const [refused, localhost] = r.stdout.toString().split('\n');
  assert.match(refused ?? '', new RegExp(`^${n} error: lookup ${n} on [0-9a-f.:[\\]]+:53: .*permission denied$`, 'i'));
  assert.equal(localhost, 'localhost 127.0.0.1 ::1', 'localhost is still answered from the hosts file');
  const policy = r.stderr.split('\n').filter((l) => l.startsWith('policy:'));
  assert.ok(policy.length > 0, `no policy: line in the trace:\n${r.stderr.slice(-2000)}`);
  for (const line of policy) assert.equal(line, `policy: lookup of ${name} refused: denied by --deny-net=${name}`);
});
