// `dialtone run --cpu-prof[=FILE]`: a .cpuprofile of the guest, Go names and all.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCommandLine, type RunCommand } from '../../src/cli/options.ts';
import type { CpuProfile } from '../../src/index.ts';
import { dialtone, startDialtone } from '../helpers/cli.ts';
import { guest, tempDir } from '../helpers/paths.ts';

test('--cpu-prof takes its FILE only after "="', () => {
  const parsed = (...args: string[]) => (parseCommandLine(['run', ...args, 'app.wasm']) as RunCommand).cpuProfile;
  assert.equal(parsed('--cpu-prof'), true);
  assert.equal(parsed('--cpu-prof=out.cpuprofile'), 'out.cpuprofile');
  assert.equal(parsed(), undefined);
  assert.throws(() => parseCommandLine(['run', '--cpu-prof=', 'app.wasm']), /--cpu-prof=: expected a file name/);
});

test("--cpu-prof writes dialtone-PID-TIME.cpuprofile in the current directory, with samples in the guest's Go functions", async () => {
  const d = tempDir();
  try {
    const r = await dialtone(['run', '--cpu-prof', guest('sha256sum'), '8'], { cwd: d.path, timeoutMs: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.toString(), /^[0-9a-f]{64}\n$/);
    const files = readdirSync(d.path);
    assert.equal(files.length, 1, files.join(', '));
    assert.match(files[0]!, /^dialtone-\d+-\d{13}\.cpuprofile$/);
    const profile = JSON.parse(readFileSync(join(d.path, files[0]!), 'utf8')) as CpuProfile;
    assert.ok((profile.samples?.length ?? 0) > 0);
    const hits = profile.nodes
      .filter((n) => /^crypto\/internal\/fips140\/sha256\.block/.test(n.callFrame.functionName))
      .reduce((s, n) => s + (n.hitCount ?? 0), 0);
    assert.ok(hits > 10, `only ${hits} samples in sha256's block function`);
  } finally {
    d.cleanup();
  }
});

test('--cpu-prof=FILE writes FILE; an unwritable FILE is a one-line error before the guest runs', async () => {
  const d = tempDir();
  try {
    const file = join(d.path, 'hello.cpuprofile');
    const ok = await dialtone(['run', `--cpu-prof=${file}`, guest('hello')]);
    assert.equal(ok.status, 0, ok.stderr);
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    // Too short a run to promise a sample in the guest: a complete profile is what is checked.
    assert.ok(profile.nodes.some((n) => n.callFrame.functionName === '(root)') && profile.endTime > profile.startTime);
    const bad = await dialtone(['run', `--cpu-prof=${join(d.path, 'no', 'x.cpuprofile')}`, guest('hello')]);
    assert.equal(bad.status, 1);
    assert.equal(bad.stdout.length, 0);
    assert.match(bad.stderr, /^dialtone: cannot write the CPU profile to \S+x\.cpuprofile: no such directory\n$/);
  } finally {
    d.cleanup();
  }
});

test('with --cpu-prof, Ctrl-C stops the guest and the profile is still written; the exit status is 130', async () => {
  const d = tempDir();
  const file = join(d.path, 'sleep.cpuprofile');
  const cli = startDialtone(['run', `--cpu-prof=${file}`, guest('spin'), 'sleep'], { timeoutMs: 60_000 });
  try {
    await cli.waitForLine(/^spinning$/);
    cli.kill('SIGINT');
    const r = await cli.exited;
    assert.equal(r.status, 130, r.stderr);
    assert.equal(r.stderr, '');
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    assert.ok(profile.nodes.length > 0 && profile.endTime > profile.startTime);
  } finally {
    cli.kill();
    d.cleanup();
  }
});
