import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SysError } from '../../src/internal/errno.ts';
import { Filetype } from '../../src/wasi/constants.ts';
import { Descriptor } from '../../src/wasi/descriptor.ts';
import { FdTable } from '../../src/wasi/fd-table.ts';

class Dummy extends Descriptor {
  readonly filetype = Filetype.UNKNOWN;
  closed = 0;
  override close(): void {
    this.closed++;
  }
}

const errno = (e: string) => (err: unknown) => err instanceof SysError && err.errno === e;

test('new descriptors take the lowest free number, as POSIX does', () => {
  const t = new FdTable();
  assert.deepEqual([t.add(new Dummy()), t.add(new Dummy()), t.add(new Dummy())], [0, 1, 2]);
  t.close(1);
  assert.equal(t.add(new Dummy()), 1);
  assert.equal(t.add(new Dummy()), 3);
});

test('past the cap, add is EMFILE', () => {
  const t = new FdTable(2);
  t.add(new Dummy());
  t.add(new Dummy());
  assert.throws(() => t.add(new Dummy()), errno('EMFILE'));
});

test('unknown fds are EBADF, and close closes the description once', () => {
  const t = new FdTable();
  const d = new Dummy();
  const fd = t.add(d);
  t.close(fd);
  assert.equal(d.closed, 1);
  assert.throws(() => t.get(fd), errno('EBADF'));
  assert.throws(() => t.close(fd), errno('EBADF'));
});

test('renumber moves a descriptor onto another fd and closes what was there', () => {
  const t = new FdTable();
  const a = new Dummy();
  const b = new Dummy();
  const fa = t.add(a);
  const fb = t.add(b);
  t.renumber(fa, fb);
  assert.equal(t.get(fb), a);
  assert.equal(b.closed, 1);
  assert.throws(() => t.get(fa), errno('EBADF'));
  assert.throws(() => t.renumber(fa, fb), errno('EBADF'));
});
