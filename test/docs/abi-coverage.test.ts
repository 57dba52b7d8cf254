// docs/abi-coverage.md against the import objects dialtone really builds:
// each table lists exactly the imports its ABI provides, and says which
// --socket-abi values provide them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { SocketAbi } from '../../src/wasi/host.ts';
import { PREVIEW1 } from '../../src/wasi/preview1/index.ts';
import { WASINET } from '../../src/wasi/sockets/wasinet.ts';
import { makeHost, passthroughJspi } from '../helpers/host.ts';
import { repoRoot } from '../helpers/paths.ts';

const ABIS: readonly SocketAbi[] = ['auto', 'wasmedge', 'wasmedge-v1', 'wasmedge-v2', 'wasinet', 'none'];
const doc = readFileSync(join(repoRoot, 'docs', 'abi-coverage.md'), 'utf8');

/** Import names by module, for one --socket-abi value. */
function provided(abi: SocketAbi): Map<string, Set<string>> {
  const { host } = makeHost({ socketAbi: abi });
  const imports = host.imports(passthroughJspi);
  return new Map(Object.entries(imports).map(([module, fns]) => [module, new Set(Object.keys(fns))]));
}
const byAbi = new Map(ABIS.map((abi) => [abi, provided(abi)]));
const names = (abi: SocketAbi, module: string): Set<string> => byAbi.get(abi)?.get(module) ?? new Set();

/** The text of the `## ` section whose heading contains `heading`. */
function section(heading: string): string {
  const parts = doc.split(/^## /m);
  const found = parts.filter((p) => (p.split('\n')[0] ?? '').includes(heading));
  assert.equal(found.length, 1, `one "## ...${heading}..." section in docs/abi-coverage.md`);
  return found[0] as string;
}

/** Table rows of a section: the import names in the first cell, and the status cell. */
function rows(text: string): { names: string[]; status: string }[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) => {
      const cells = l.split('|').map((c) => c.trim());
      return { names: [...(cells[1] ?? '').matchAll(/`([a-z0-9_]+)`/g)].map((m) => m[1] as string), status: cells[2] ?? '' };
    });
}

function listed(text: string): string[] {
  return rows(text)
    .flatMap((r) => r.names)
    .sort();
}

/** ABIs a section says provide it (`auto`, `wasmedge-v1`, ... in backticks). */
function abisNamed(text: string): string[] {
  const named = [...text.matchAll(/`(?:--socket-abi )?([a-z0-9-]+)`/g)].map((m) => m[1] as string);
  return [...new Set(named.filter((n) => (ABIS as readonly string[]).includes(n)))].sort();
}

const preview1Only = names('none', PREVIEW1);
const wasmEdgeNames = (abi: SocketAbi): Set<string> => {
  const all = names(abi, PREVIEW1);
  // Imports added to preview 1's module, and V1's own sock_accept (same name, other signature).
  const added = [...all].filter((n) => !preview1Only.has(n));
  return new Set(abi === 'wasmedge-v1' ? [...added, 'sock_accept'] : added);
};

test('the wasi_snapshot_preview1 table lists exactly the preview 1 imports (--socket-abi none)', () => {
  assert.deepEqual(listed(section('`wasi_snapshot_preview1`')), [...preview1Only].sort());
});

test('the WasmEdge table lists exactly the imports the WasmEdge ABI adds (V1 and V2)', () => {
  const expected = new Set([...wasmEdgeNames('wasmedge-v1'), ...wasmEdgeNames('wasmedge-v2')]);
  assert.ok(expected.size >= 10, 'WasmEdge imports are provided');
  assert.deepEqual(listed(section('WasmEdge socket extensions')), [...expected].sort());
});

test('the wasinet_v0 table lists exactly the wasinet_v0 imports', () => {
  assert.deepEqual(listed(section('`wasinet_v0`')), [...names('wasinet', WASINET)].sort());
});

test('each socket section names exactly the --socket-abi values that provide it', () => {
  const wasmEdgeAbis = ABIS.filter((abi) => names(abi, PREVIEW1).has('sock_open'));
  const wasinetAbis = ABIS.filter((abi) => names(abi, WASINET).size > 0);
  assert.deepEqual(abisNamed(section('WasmEdge socket extensions')), [...wasmEdgeAbis].sort());
  assert.deepEqual(abisNamed(section('`wasinet_v0`')), [...wasinetAbis].sort());
});

test('no provided import is marked "not yet" (❌)', () => {
  const marked = [section('`wasi_snapshot_preview1`'), section('WasmEdge socket extensions'), section('`wasinet_v0`')]
    .flatMap(rows)
    .filter((r) => !['✅', '⚠️'].includes(r.status))
    .map((r) => `${r.names.join(', ')}: ${r.status}`);
  assert.deepEqual(marked, []);
});
