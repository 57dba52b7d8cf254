// run({ signal }): aborting stops the guest at its next host call or wait.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { run } from '../../src/index.ts';
import { guestOutput } from '../helpers/guest-output.ts';
import { guest } from '../helpers/paths.ts';

test("aborting a sleeping guest rejects run() with the signal's reason and leaves no listener on the signal", async () => {
  const ac = new AbortController();
  const out = guestOutput();
  const running = run(guest('spin'), { args: ['sleep'], stdio: { stdout: out.sink }, signal: ac.signal });
  await out.line(/spinning\n/);
  const reason = new Error('enough');
  ac.abort(reason);
  await assert.rejects(running, (e: unknown) => e === reason);
  assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
});

test('an already aborted signal stops the guest before it starts', async () => {
  const out = guestOutput();
  await assert.rejects(
    run(guest('hello'), { stdio: { stdout: out.sink }, signal: AbortSignal.abort() }),
    (e: unknown) => e instanceof DOMException && e.name === 'AbortError',
  );
  assert.equal(out.text(), '');
});

test('one signal given to many runs that end normally keeps no listener from them', async () => {
  const ac = new AbortController();
  for (let i = 0; i < 3; i++) {
    const { exitCode } = await run(guest('hello'), { stdio: { stdout: () => {} }, signal: ac.signal });
    assert.equal(exitCode, 0);
  }
  assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
});
