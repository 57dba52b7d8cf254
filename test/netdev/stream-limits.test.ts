// The limits the stream drivers share (src/netdev/stream-limits.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_BACKLOG, NOT_READY, clampBacklog } from '../../src/netdev/stream-limits.ts';

test('clampBacklog: 1 to MAX_BACKLOG, as Linux reads listen(2)’s backlog', () => {
  assert.equal(clampBacklog(16), 16);
  assert.equal(clampBacklog(2.9), 2, 'floored');
  assert.equal(clampBacklog(0), 1, '0 still admits one connection');
  assert.equal(clampBacklog(Number.NaN), 1);
  assert.equal(clampBacklog(MAX_BACKLOG + 1), MAX_BACKLOG);
  assert.equal(clampBacklog(Number.POSITIVE_INFINITY), MAX_BACKLOG);
  assert.equal(clampBacklog(-1), MAX_BACKLOG, 'an int -1 is the largest (Linux compares it unsigned)');
  assert.equal(clampBacklog(0xffff_ffff), MAX_BACKLOG, 'and so is -1 as a guest passes it, a u32');
  assert.equal(clampBacklog(2 ** 31), MAX_BACKLOG, 'not wrapped to a negative int');
});

test('NOT_READY is frozen (it is shared)', () => {
  assert.ok(Object.isFrozen(NOT_READY));
  assert.deepEqual(NOT_READY, { ready: false, nbytes: 0, hangup: false });
});
