// Real Go guests cannot tell a MemoryFs from a host directory: the same
// program, run once over a NodeDirectory preopen and once over a MemoryFs
// holding the same files, prints the same bytes, exits with the same code
// and leaves the same files.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { loadModule, type LoadedModule } from '../../src/module.ts';
import { NODE_PLATFORM } from '../../src/platform/node.ts';
import { runGuest } from '../../src/run-guest.ts';
import type { Preopen } from '../../src/wasi/host.ts';
import { MemoryFs, type MemoryFiles } from '../../src/wasi/fs/memory-fs.ts';
import { hostFiles } from '../helpers/host-files.ts';
import { guest, tempDir } from '../helpers/paths.ts';

interface Outcome {
  exitCode: number;
  stdout: Uint8Array;
  stderr: Uint8Array;
}

const modules = new Map<string, Promise<LoadedModule>>();

function load(name: string): Promise<LoadedModule> {
  let m = modules.get(name);
  if (m === undefined) modules.set(name, (m = loadModule(readFileSync(guest(name)), name)));
  return m;
}

async function run(name: string, args: string[], env: Record<string, string>, preopen: Preopen): Promise<Outcome> {
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const { exitCode } = await runGuest(await load(name), {
    platform: NODE_PLATFORM,
    args: [name, ...args],
    env,
    preopens: [preopen],
    stdin: '',
    stdout: (chunk) => out.push(chunk.slice()),
    stderr: (chunk) => err.push(chunk.slice()),
  });
  return { exitCode, stdout: concat(out), stderr: concat(err) };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

/**
 * Runs guest `name` over a temporary host directory and over a MemoryFs,
 * both starting with `files` and preopened as /data, and checks they agree.
 */
async function sameOnBoth(name: string, files: MemoryFiles, args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const dir = tempDir();
  try {
    for (const [path, contents] of Object.entries(files)) {
      if (path.endsWith('/')) mkdirSync(join(dir.path, path), { recursive: true });
      else {
        mkdirSync(dirname(join(dir.path, path)), { recursive: true });
        writeFileSync(join(dir.path, path), contents);
      }
    }
    const fs = new MemoryFs(files);
    const onHost = await run(name, args, env, { host: dir.path, guest: '/data' });
    const inMemory = await run(name, args, env, { dir: fs.preopen('/data'), guest: '/data' });
    const text = (b: Uint8Array): string => new TextDecoder().decode(b);
    assert.equal(text(inMemory.stdout), text(onHost.stdout));
    assert.deepEqual(inMemory.stdout, onHost.stdout, 'stdout differs in bytes');
    assert.equal(text(inMemory.stderr), text(onHost.stderr));
    assert.deepEqual(inMemory.stderr, onHost.stderr, 'stderr differs in bytes');
    assert.equal(inMemory.exitCode, onHost.exitCode);
    assert.deepEqual(fs.files(), hostFiles(dir.path));
    return inMemory;
  } finally {
    dir.cleanup();
  }
}

const INPUT = 'hello, dialtone\nsecond line ünïcode\n';

test('fileio reads, writes and lists a MemoryFs preopen exactly as a host directory', async () => {
  const files = { 'input.txt': INPUT, 'sub/nested.bin': new Uint8Array([0, 1, 2, 255]), 'empty/': '' };
  const r = await sameOnBoth('fileio', files, ['/data', '7', 'plain', 'with space', 'ünï', ''], { GREETING: 'héllo' });
  assert.equal(r.exitCode, 7);
  const stdout = new TextDecoder().decode(r.stdout);
  assert.match(stdout, /entry empty dir=true\nentry input\.txt dir=false\nentry output\.txt dir=false\nentry sub dir=true\n/);
  assert.match(stdout, /read 38 bytes/);
});

test('fileio with a missing input file fails the same way over a MemoryFs', async () => {
  const r = await sameOnBoth('fileio', {}, ['/data', '0']);
  assert.equal(r.exitCode, 3);
  assert.equal(new TextDecoder().decode(r.stderr), 'read: open /data/input.txt: No such file or directory\n');
});

test('fsops (create, append, seek, truncate, rename, links, symlinks, listings, removal, errors) matches a host directory', async () => {
  const r = await sameOnBoth('fsops', { 'pre/existing.txt': 'was here\n' }, ['/data']);
  assert.equal(r.exitCode, 0, new TextDecoder().decode(r.stderr));
  const stdout = new TextDecoder().decode(r.stdout);
  // A few landmarks, so that a guest failing early on both sides does not pass unnoticed.
  assert.match(stdout, /read big\.bin: 1048576 bytes/);
  assert.match(stdout, /read chain 41: open \$DIR\/c41: Too many symbolic links/);
  assert.match(stdout, /read escape: open \$DIR\/esc: Capabilities insufficient/);
  assert.match(stdout, /walk: pre\/existing\.txt file/);
  assert.match(stdout, /walk: ok/);
});
