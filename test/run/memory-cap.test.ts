// maxMemory: the guest's memory has a maximum; past it the guest's own
// allocator fails, and the host is untouched.
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DialtoneError, run, spawnWorker } from '../../src/index.ts';
import { capMemory } from '../../src/memory-cap.ts';
import { guest } from '../helpers/paths.ts';
import { buildModule } from '../helpers/wasm-builder.ts';

const MiB = 2 ** 20;

async function memhog(mib: number, maxMemory: number | undefined): Promise<{ exitCode: number; out: string; err: string }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const { exitCode } = await run(guest('memhog'), {
    args: [String(mib)],
    maxMemory,
    stdio: { stdout: (b) => out.push(Buffer.from(b)), stderr: (b) => err.push(Buffer.from(b)) },
  });
  return { exitCode, out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() };
}

test('a Go guest allocating past maxMemory fails with "out of memory" (exit 2) and the host carries on', async () => {
  const r = await memhog(256, 32 * MiB);
  assert.equal(r.exitCode, 2, r.out);
  assert.match(r.err, /^runtime: out of memory: cannot allocate \d+-byte block/m);
  assert.match(r.err, /^fatal error: out of memory$/m);
  assert.equal(r.out, '');
  // The same host process runs the next guest as usual.
  assert.deepEqual(await memhog(8, 32 * MiB), { exitCode: 0, out: 'holding 8 MiB\n', err: '' });
});

test('a guest under maxMemory runs normally', async () => {
  assert.deepEqual(await memhog(40, 64 * MiB), { exitCode: 0, out: 'holding 40 MiB\n', err: '' });
});

test('maxMemory applies to worker guests', async () => {
  const devNull = openSync('/dev/null', 'w');
  try {
    const capped = spawnWorker(guest('memhog'), { args: ['256'], maxMemory: 32 * MiB, stdio: { stdout: devNull, stderr: devNull } });
    assert.deepEqual(await capped.exited, { exitCode: 2, terminated: false });
    const fits = spawnWorker(guest('memhog'), { args: ['8'], maxMemory: 32 * MiB, stdio: { stdout: devNull, stderr: devNull } });
    assert.deepEqual(await fits.exited, { exitCode: 0, terminated: false });
  } finally {
    closeSync(devNull);
  }
});

test('a cap that cannot apply is ERR_MAX_MEMORY: below the initial memory, below a page, or a compiled module', async () => {
  const code = (message: RegExp) => (err: unknown) =>
    err instanceof DialtoneError && err.code === 'ERR_MAX_MEMORY' && message.test(err.message);
  // Go's runtime starts with a few MiB.
  await assert.rejects(run(guest('hello'), { maxMemory: MiB }), code(/needs [\d.]+ MiB of memory to start, more than the cap of 1 MiB/));
  await assert.rejects(run(guest('hello'), { maxMemory: 1000 }), code(/below one 64 KiB WebAssembly page/));
  const compiled = await WebAssembly.compile(readFileSync(guest('hello')));
  await assert.rejects(run(compiled, { maxMemory: 64 * MiB }), code(/compiled WebAssembly.Module/));
});

test('the cap becomes the memory maximum, in whole pages; a smaller declared maximum is kept', async () => {
  const grow = async (bytes: Uint8Array): Promise<number> => {
    const { instance } = (await WebAssembly.instantiate(
      bytes as Uint8Array<ArrayBuffer>,
    )) as unknown as WebAssembly.WebAssemblyInstantiatedSource;
    const memory = instance.exports.memory as WebAssembly.Memory;
    let pages = memory.buffer.byteLength / 65536;
    try {
      for (;;) {
        memory.grow(1);
        pages++;
      }
    } catch {
      return pages;
    }
  };
  const module = buildModule({ memory: true }); // one page, no maximum
  assert.equal(await grow(capMemory(module, 3 * 65536 + 100)), 3);
  assert.equal(await grow(capMemory(capMemory(module, 2 * 65536), 5 * 65536)), 2);
  assert.equal(capMemory(buildModule({}), 65536).length, buildModule({}).length, 'a module without memory is unchanged');
});
