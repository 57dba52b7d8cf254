import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SysError } from '../../src/internal/errno.ts';
import { MAX_IOVECS } from '../../src/wasi/limits.ts';
import { GuestMemory } from '../../src/wasi/memory.ts';

const PAGE = 65536;
const u32 = fc.oneof(
  fc.integer({ min: 0, max: PAGE + 16 }),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  fc.integer({ min: -(2 ** 31), max: -1 }),
);

function isEfault(err: unknown): boolean {
  return err instanceof SysError && err.errno === 'EFAULT';
}

test('every accessor either stays in bounds or throws EFAULT, never a RangeError', () => {
  const m = new GuestMemory(new WebAssembly.Memory({ initial: 1 }));
  fc.assert(
    fc.property(u32, u32, (ptr, len) => {
      for (const f of [
        () => m.getU8(ptr),
        () => m.getU16(ptr),
        () => m.getU32(ptr),
        () => m.getU64(ptr),
        () => m.setU32(ptr, 1),
        () => m.setU64(ptr, 1n),
        () => m.bytes(ptr, len),
        () => m.string(ptr, len),
      ]) {
        try {
          f();
        } catch (err) {
          assert.ok(isEfault(err), `unexpected ${String(err)}`);
        }
      }
      // An iovec count past the limit is EINVAL, before anything is read.
      try {
        m.iovecs(ptr, len);
      } catch (err) {
        const einval = err instanceof SysError && err.errno === 'EINVAL' && len >>> 0 > MAX_IOVECS;
        assert.ok(isEfault(err) || einval, `unexpected ${String(err)}`);
      }
    }),
    { numRuns: 2000 },
  );
});

test('the last byte of memory is addressable and one past it is EFAULT', () => {
  const m = new GuestMemory(new WebAssembly.Memory({ initial: 1 }));
  m.setU8(PAGE - 1, 7);
  assert.equal(m.getU8(PAGE - 1), 7);
  assert.throws(() => m.getU8(PAGE), isEfault);
  assert.throws(() => m.getU32(PAGE - 3), isEfault);
  assert.equal(m.bytes(PAGE, 0).length, 0);
});

test('an iovec list with one bad buffer fails whole with EFAULT', () => {
  const m = new GuestMemory(new WebAssembly.Memory({ initial: 1 }));
  m.setU32(0, 100);
  m.setU32(4, 10);
  m.setU32(8, PAGE - 4);
  m.setU32(12, 8); // runs past the end
  assert.throws(() => m.iovecs(0, 2), isEfault);
  assert.equal(m.iovecs(0, 1).length, 1);
});

test('views follow memory.grow (the old buffer is detached)', () => {
  const raw = new WebAssembly.Memory({ initial: 1 });
  const m = new GuestMemory(raw);
  m.setU32(0, 42);
  raw.grow(1);
  m.setU32(PAGE + 4, 43);
  assert.equal(m.getU32(0), 42);
  assert.equal(m.getU32(PAGE + 4), 43);
});

test('after memory.grow the first access may be low or empty: the views are refreshed all the same', () => {
  const raw = new WebAssembly.Memory({ initial: 1 });
  const m = new GuestMemory(raw);
  m.setU32(0, 42);
  raw.grow(1);
  assert.equal(m.bytes(0, 0).length, 0);
  assert.equal(m.getU32(0), 42);
  raw.grow(1);
  assert.equal(m.getU32(0), 42);
  assert.equal(m.transferLimit() > PAGE * 2, true);
});

test('a shared memory that grew (its old buffer stays valid) is read past the old end', () => {
  const raw = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
  const m = new GuestMemory(raw);
  m.setU32(0, 42);
  raw.grow(1);
  m.setU32(PAGE + 4, 43);
  assert.equal(m.getU32(PAGE + 4), 43);
  assert.throws(() => m.getU32(PAGE * 2), isEfault);
});
