// run({ cpuProfile }): V8's profile of the guest, its frames named as Go names them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DialtoneError, run, type CpuProfile, type CpuProfileNode } from '../../src/index.ts';
import { goSanitized, restoreGoNames } from '../../src/profile/go-names.ts';
import { guest } from '../helpers/paths.ts';
import { buildModule, op } from '../helpers/wasm-builder.ts';

/** The chain of function names from the root down to `node`. */
function stackOf(profile: CpuProfile, node: CpuProfileNode): string[] {
  const parent = new Map<number, CpuProfileNode>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const names: string[] = [];
  for (let n: CpuProfileNode | undefined = node; n !== undefined; n = parent.get(n.id)) names.unshift(n.callFrame.functionName);
  return names;
}

test("goSanitized replaces what Go's linker replaces in the name section", () => {
  assert.equal(goSanitized('crypto/sha256.(*Digest).Write'), 'crypto_sha256.__Digest_.Write');
  assert.equal(goSanitized('main.main'), 'main.main');
  assert.equal(goSanitized('pkg.F[go.shape.int]'), 'pkg.F_go.shape.int_');
  assert.equal(goSanitized('pkg.Ünïcode'), 'pkg._n_code');
});

test('restoreGoNames finds each name in NUL-delimited strings, and keeps an ambiguous one sanitized', () => {
  const table = new TextEncoder().encode('\0a/b.(*T).F\0x.y\0p.q[r]\0p.q_r_\0p/q.r\0p_q.r\0\x01junk/.x\0');
  const found = restoreGoNames(table, ['a_b.__T_.F', 'x.y', 'p.q_r_', 'p_q.r', 'not_there.f', 'junk_.x']);
  // p.q[r] is the only string with a replaced character that gives p.q_r_ (p.q_r_ itself needed no change);
  // p/q.r and p_q.r: only p/q.r has a replaced character. \x01 marks data, not a name.
  assert.deepEqual(Object.fromEntries(found), { 'a_b.__T_.F': 'a/b.(*T).F', 'p.q_r_': 'p.q[r]', 'p_q.r': 'p/q.r' });
  const twice = new TextEncoder().encode('\0a/b.c\0a(b.c\0');
  assert.deepEqual([...restoreGoNames(twice, ['a_b.c'])], []);
});

test("a CPU-bound guest's profile has samples in its Go functions, under their Go names and call path", async () => {
  let profile: CpuProfile | undefined;
  const { exitCode } = await run(guest('sha256sum'), {
    args: ['8'],
    stdio: { stdout: () => {} },
    cpuProfile: { onProfile: (p) => (profile = p), intervalMicros: 500 },
  });
  assert.equal(exitCode, 0);
  assert.ok(profile !== undefined);
  assert.ok((profile.samples?.length ?? 0) > 0, 'no samples');
  const hot = profile.nodes.filter((n) => /^crypto\/internal\/fips140\/sha256\.block/.test(n.callFrame.functionName));
  assert.ok(hot.length > 0, 'no sha256 block function in the profile');
  const hits = hot.reduce((s, n) => s + (n.hitCount ?? 0), 0);
  assert.ok(hits > 10, `only ${hits} samples in sha256's block function`);
  assert.ok(hot.every((n) => n.callFrame.url.startsWith('wasm://')));
  const stack = stackOf(
    profile,
    hot.find((n) => (n.hitCount ?? 0) > 0)!,
  );
  assert.ok(stack.includes('main.main'), stack.join(' > '));
  assert.ok(stack.includes('crypto/internal/fips140/sha256.(*Digest).Write'), stack.join(' > '));
});

test('a guest that traps still delivers its profile', async () => {
  let profile: CpuProfile | undefined;
  const trap = buildModule({ functions: [{ sig: { params: 0, result: false }, body: op.unreachable, export: '_start' }], memory: true });
  await assert.rejects(
    run(trap, { cpuProfile: { onProfile: (p) => (profile = p) } }),
    (e: unknown) => e instanceof DialtoneError && e.code === 'ERR_GUEST_TRAP',
  );
  assert.ok(profile !== undefined && profile.nodes.length > 0);
});

test('an unwritable profile path or a bad interval fails before the guest runs, with ERR_CPU_PROFILE', async () => {
  let ran = false;
  const stdout = (): void => void (ran = true);
  await assert.rejects(
    run(guest('hello'), { cpuProfile: '/no/such/dir/x.cpuprofile', stdio: { stdout } }),
    (e: unknown) => e instanceof DialtoneError && e.code === 'ERR_CPU_PROFILE' && /no such directory/.test(e.message),
  );
  await assert.rejects(
    run(guest('hello'), { cpuProfile: { intervalMicros: 0, onProfile: () => {} }, stdio: { stdout } }),
    (e: unknown) => e instanceof DialtoneError && e.code === 'ERR_CPU_PROFILE',
  );
  assert.equal(ran, false);
});
