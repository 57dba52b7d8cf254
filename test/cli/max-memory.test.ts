// `--max-memory SIZE`: the guest's memory cap on the command line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommandLine, type RunCommand } from '../../src/cli/options.ts';
import { dialtone } from '../helpers/cli.ts';
import { guest } from '../helpers/paths.ts';

const MiB = 2 ** 20;

test('--max-memory takes bytes or a KiB / MiB / GiB size', () => {
  const parsed = (flag: string) => (parseCommandLine(['run', flag, 'app.wasm']) as RunCommand).maxMemory;
  assert.equal(parsed('--max-memory=256MiB'), 256 * MiB);
  assert.equal(parsed('--max-memory=268435456'), 256 * MiB);
  assert.equal(parsed('--max-memory=64KiB'), 65536);
  assert.equal(parsed('--max-memory=2GiB'), 2 * 2 ** 30);
  assert.equal((parseCommandLine(['run', '--max-memory', '1GiB', 'app.wasm']) as RunCommand).maxMemory, 2 ** 30);
  assert.equal((parseCommandLine(['run', 'app.wasm']) as RunCommand).maxMemory, undefined);
  for (const bad of ['12XB', '1.5GiB', '-1', '', '1000', '256mb']) {
    assert.throws(() => parseCommandLine(['run', `--max-memory=${bad}`, 'app.wasm']), /--max-memory .*at least 64KiB/, bad);
  }
});

test('a guest allocating past --max-memory exits 2 with Go\'s "out of memory"; under it, it runs', async () => {
  const over = await dialtone(['run', '--max-memory=32MiB', guest('memhog'), '256']);
  assert.equal(over.status, 2);
  assert.match(over.stderr, /^fatal error: out of memory$/m);
  assert.doesNotMatch(over.stderr, /^dialtone:/m);
  const under = await dialtone(['run', '--max-memory', '64MiB', guest('memhog'), '16']);
  assert.equal(under.status, 0, under.stderr);
  assert.equal(under.stdout.toString(), 'holding 16 MiB\n');
});

test('a --max-memory below what the module starts with is a one-line error, exit 1', async () => {
  const r = await dialtone(['run', '--max-memory=1MiB', guest('hello')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^dialtone: \S+hello\.wasm needs [\d.]+ MiB of memory to start, more than the cap of 1 MiB\n$/);
});
