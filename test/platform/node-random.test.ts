// The Node platform's randomness (src/platform/node-random.ts): the
// kernel's generator through /dev/urandom, filled completely.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomFill } from '../../src/platform/node-random.ts';

test('randomFill fills every byte of a large buffer, and two fills differ', () => {
  // 4 MiB: larger than one read of the device may return.
  const a = new Uint8Array(4 * 1024 * 1024);
  randomFill(a);
  const counts = new Array<number>(256).fill(0);
  for (const b of a) counts[b]!++;
  // Each value is expected 16384 times; a buffer left partly zero, or
  // filled with a pattern, is far outside ±10%.
  for (const [value, n] of counts.entries()) assert.ok(n > 14_700 && n < 18_100, `byte ${value} seen ${n} times`);
  const tail = a.subarray(a.length - 4096);
  assert.ok(
    tail.some((b) => b !== 0),
    'the end of the buffer was filled',
  );
  const b = new Uint8Array(32);
  const c = new Uint8Array(32);
  randomFill(b);
  randomFill(c);
  assert.notDeepEqual(b, c);
});

test('randomFill of an empty buffer is a no-op', () => {
  randomFill(new Uint8Array(0));
});
