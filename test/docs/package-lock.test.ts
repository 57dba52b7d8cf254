// package-lock.json's root entry must agree with package.json, or `npm
// install` on a fresh clone rewrites the lock (it did: `engines` was only in
// the lock).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/paths.ts';

type Manifest = Record<string, unknown>;
const json = (file: string): Manifest => JSON.parse(readFileSync(join(repoRoot, file), 'utf8')) as Manifest;

test('the root entry of package-lock.json matches package.json', () => {
  const pkg = json('package.json');
  const lock = json('package-lock.json');
  const root = (lock.packages as Record<string, Manifest>)[''] ?? {};
  assert.equal(lock.name, pkg.name);
  assert.equal(lock.version, pkg.version);
  // The fields npm copies from package.json into the lock's root entry.
  for (const field of [
    'name',
    'version',
    'license',
    'bin',
    'engines',
    'dependencies',
    'devDependencies',
    'optionalDependencies',
    'peerDependencies',
  ]) {
    const fromPkg = field === 'bin' ? normaliseBins(pkg.bin) : pkg[field];
    assert.deepEqual(root[field], fromPkg, field);
  }
});

test('package.json asks for Node 24 or later (JSPI)', () => {
  assert.deepEqual(json('package.json').engines, { node: '>=24' });
});

/** npm records bin paths without a leading "./". */
function normaliseBins(bin: unknown): unknown {
  if (bin === undefined || typeof bin !== 'object' || bin === null) return bin;
  return Object.fromEntries(Object.entries(bin).map(([k, v]) => [k, String(v).replace(/^\.\//, '')]));
}
