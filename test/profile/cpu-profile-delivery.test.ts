// run({ cpuProfile }) when the profile cannot be delivered after the guest
// ran: the guest's own outcome is never replaced. And default file names
// that never overwrite a profile of the same millisecond.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DialtoneError, run, type CpuProfile } from '../../src/index.ts';
import { openDefaultProfileFile } from '../../src/profile/node/with-cpu-profile.ts';
import { tempDir } from '../helpers/paths.ts';
import { buildModule, op } from '../helpers/wasm-builder.ts';

/** A guest whose `_start` returns at once (exit code 0). */
const idle = buildModule({ functions: [{ sig: { params: 0, result: false }, body: [], export: '_start' }], memory: true });
/** A guest whose `_start` traps. */
const trap = buildModule({ functions: [{ sig: { params: 0, result: false }, body: op.unreachable, export: '_start' }], memory: true });

/** Runs `fn` with what is written to stderr collected (and not shown). */
async function capturingStderr(fn: () => Promise<void>): Promise<string> {
  const write = process.stderr.write;
  let text = '';
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stderr.write = write;
  }
  return text;
}

/** Runs `fn` in a new temporary current directory (removed after), which it may fill. */
async function inTempCwd(fn: (dir: string) => Promise<void>): Promise<void> {
  const d = tempDir();
  const cwd = process.cwd();
  process.chdir(d.path);
  try {
    await fn(d.path);
  } finally {
    process.chdir(cwd);
    d.cleanup();
  }
}

test('a guest that succeeded but whose profile cannot be written fails with ERR_CPU_PROFILE, the write error as its cause', async () => {
  // /dev/full opens, and every write to it fails with ENOSPC.
  await assert.rejects(
    run(idle, { cpuProfile: '/dev/full' }),
    (e: unknown) =>
      e instanceof DialtoneError &&
      e.code === 'ERR_CPU_PROFILE' &&
      /^the CPU profile \(\/dev\/full\) was not delivered: ENOSPC/.test(e.message) &&
      (e.cause as { code?: string }).code === 'ENOSPC',
  );
  const boom = new Error('boom');
  await assert.rejects(
    run(idle, {
      cpuProfile: {
        onProfile: () => {
          throw boom;
        },
      },
    }),
    (e: unknown) =>
      e instanceof DialtoneError && e.code === 'ERR_CPU_PROFILE' && e.cause === boom && /not delivered: boom$/.test(e.message),
  );
});

test("a guest that traps keeps its own error when its profile cannot be delivered; the profile's failure goes to stderr", async () => {
  let error: unknown;
  const stderr = await capturingStderr(async () => {
    error = await run(trap, { cpuProfile: '/dev/full' }).catch((e: unknown) => e);
  });
  assert.ok(error instanceof DialtoneError && error.code === 'ERR_GUEST_TRAP', String(error));
  assert.match(stderr, /^dialtone: the CPU profile \(\/dev\/full\) was not delivered: ENOSPC/m);

  const stderr2 = await capturingStderr(async () => {
    error = await run(trap, {
      cpuProfile: {
        onProfile: () => {
          throw new Error('boom');
        },
      },
    }).catch((e: unknown) => e);
  });
  assert.ok(error instanceof DialtoneError && error.code === 'ERR_GUEST_TRAP', String(error));
  assert.match(stderr2, /^dialtone: the CPU profile was not delivered: boom$/m);
});

test('default profile files of one millisecond get -1, -2, ...; an existing file is never overwritten', async () => {
  const now = 1_700_000_000_000;
  const base = `dialtone-${process.pid}-${now}`;
  await inTempCwd(async (dir) => {
    writeFileSync(`${base}-2.cpuprofile`, 'keep');
    const opened = [await openDefaultProfileFile(now), await openDefaultProfileFile(now), await openDefaultProfileFile(now)];
    for (const o of opened) await o.handle.close();
    assert.deepEqual(
      opened.map((o) => o.file),
      [`${base}.cpuprofile`, `${base}-1.cpuprofile`, `${base}-3.cpuprofile`].map((f) => join(dir, f)),
    );
    assert.deepEqual(readdirSync(dir).sort(), [
      `${base}-1.cpuprofile`,
      `${base}-2.cpuprofile`,
      `${base}-3.cpuprofile`,
      `${base}.cpuprofile`,
    ]);
    assert.equal(readFileSync(`${base}-2.cpuprofile`, 'utf8'), 'keep');
  });
});

test('guests run at once with cpuProfile: {} each write their own default profile file', async () => {
  await inTempCwd(async (dir) => {
    const results = await Promise.all([run(idle, { cpuProfile: {} }), run(idle, { cpuProfile: {} }), run(idle, { cpuProfile: {} })]);
    assert.deepEqual(
      results.map((r) => r.exitCode),
      [0, 0, 0],
    );
    const files = readdirSync(dir);
    assert.equal(files.length, 3, files.join(', '));
    for (const f of files) {
      assert.match(f, new RegExp(`^dialtone-${process.pid}-\\d{13}(-\\d+)?\\.cpuprofile$`));
      const profile = JSON.parse(readFileSync(f, 'utf8')) as CpuProfile;
      assert.ok(profile.nodes.length > 0, f);
    }
  });
});
