// bin/stack-flags.js sets the V8 flags dialtone's bins need when the command
// line did not pass them (the shebang does; `node bin/dialtone.js` may not).
// A flag the user passed with another value, or negated, is theirs: it is
// not set again over it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missingFlags } from '../../bin/stack-flags.js';

test("with no flags on the command line, both of the bins' V8 flags are set", () => {
  assert.deepEqual(missingFlags([]), ['--wasm-stack-switching-stack-size=8192', '--no-concurrent-sparkplug']);
});

test('flags passed as the shebang passes them are not set again', () => {
  assert.deepEqual(missingFlags(['--stack-size=7800', '--wasm-stack-switching-stack-size=8192', '--no-concurrent-sparkplug']), []);
});

test("a user's own value or the flag's opposite is kept", () => {
  assert.deepEqual(missingFlags(['--wasm-stack-switching-stack-size=16000']), ['--no-concurrent-sparkplug']);
  assert.deepEqual(missingFlags(['--concurrent-sparkplug']), ['--wasm-stack-switching-stack-size=8192']);
});
