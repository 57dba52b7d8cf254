// The received-bytes queue of the stream drivers (src/netdev/byte-queue.ts),
// against a plain array of bytes: whatever mix of arrival sizes and read
// buffers, bytes come out in order, once, and a peek does not consume.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ByteQueue, SLAB_SIZE } from '../../src/netdev/byte-queue.ts';

/** Arrival sizes around the queue's thresholds (small buffers, slab room, whole slabs). */
const size = fc.oneof(
  fc.integer({ min: 0, max: 64 }),
  fc.integer({ min: 3000, max: 5000 }),
  fc.integer({ min: SLAB_SIZE - 10, max: 2 * SLAB_SIZE + 10 }),
);

type Op = { push: number } | { read: number[]; peek: boolean } | { clear: true };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: size.map((n) => ({ push: n })) },
  {
    weight: 4,
    arbitrary: fc.record({ read: fc.array(fc.integer({ min: 0, max: 70_000 }), { minLength: 1, maxLength: 3 }), peek: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.constant({ clear: true as const }) },
);

test('ByteQueue hands out exactly the bytes pushed, in order', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const q = new ByteQueue();
      let model: number[] = [];
      let counter = 0;
      for (const o of ops) {
        if ('push' in o) {
          const src = new Uint8Array(o.push);
          for (let i = 0; i < src.length; i++) src[i] = (counter++ * 7) & 0xff;
          q.push(src);
          // The queue copied: changing the source afterwards changes nothing.
          src.fill(0xee);
          for (let i = 0; i < o.push; i++) model.push(((counter - o.push + i) * 7) & 0xff);
        } else if ('read' in o) {
          const bufs = o.read.map((n) => new Uint8Array(n));
          const n = q.copyOut(bufs, !o.peek);
          const want = Math.min(
            model.length,
            o.read.reduce((a, b) => a + b, 0),
          );
          assert.equal(n, want);
          const got = Buffer.concat(bufs).subarray(0, n);
          assert.deepEqual([...got], model.slice(0, n));
          if (!o.peek) model = model.slice(n);
        } else {
          q.clear();
          model = [];
        }
        assert.equal(q.length, model.length);
      }
    }),
    { numRuns: 300 },
  );
});

test('ByteQueue small arrivals use the allocator; a drained queue is empty', () => {
  const sizes: number[] = [];
  const q = new ByteQueue((n) => (sizes.push(n), new Uint8Array(n)));
  q.push(new Uint8Array(100).fill(1));
  q.push(new Uint8Array(200).fill(2));
  assert.deepEqual(sizes, [100, 200], 'each short arrival gets a buffer of its size');
  q.push(new Uint8Array(SLAB_SIZE + 5).fill(3));
  assert.deepEqual(sizes, [100, 200], 'bulk data goes into slabs');
  const out = new Uint8Array(q.length);
  assert.equal(q.copyOut([out], true), 300 + SLAB_SIZE + 5);
  assert.equal(q.length, 0);
  assert.equal(q.copyOut([new Uint8Array(10)], true), 0);
  assert.deepEqual([out[0], out[100], out[300], out[out.length - 1]], [1, 2, 3, 3]);
});
