// Where tests find the repo, its CLI and the built Go guests.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { guestNative, guestWasm } from '../../scripts/build-guests.ts';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/** The `dialtone` command script. */
export const dialtoneBin = join(repoRoot, 'bin', 'dialtone.js');

/** Path of a built Go guest (scripts/build-guests.ts, run by `npm test`). */
export function guest(name: string): string {
  const p = guestWasm(name);
  assert.ok(existsSync(p), `${p} is missing: run "node scripts/build-guests.ts" (npm test does)`);
  return p;
}

/** Path of a guest's native build. */
export function nativeGuest(name: string): string {
  const p = guestNative(name);
  assert.ok(existsSync(p), `${p} is missing: run "node scripts/build-guests.ts" (npm test does)`);
  return p;
}

/** A fresh temporary directory, removed by the returned cleanup function. */
export function tempDir(prefix = 'dialtone-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}
