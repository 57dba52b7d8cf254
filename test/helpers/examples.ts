// Builds the programs of examples/<name>/ from their sources, as each
// example's README shows, into build/examples/ (ignored by git). Every
// example is its own Go module; Go's build cache makes a rebuild cheap.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.ts';

/** The folder of examples/<name>. */
export function exampleDir(name: string): string {
  return join(repoRoot, 'examples', name);
}

/**
 * Builds package `pkg` (default `.`) of examples/<name> with the machine's
 * Go, for wasip1 (default) or for this machine (`native: true`, for the
 * native peers some examples carry), and returns the output's path.
 */
export function buildGoExample(name: string, options: { pkg?: string; native?: boolean; out?: string } = {}): string {
  const pkg = options.pkg ?? '.';
  const native = options.native === true;
  const outDir = join(repoRoot, 'build', 'examples', native ? 'native' : 'wasm');
  mkdirSync(outDir, { recursive: true });
  const base = options.out ?? (pkg === '.' ? name : `${name}-${pkg.replace(/^\.\//, '').replaceAll('/', '-')}`);
  const out = join(outDir, native ? base : `${base}.wasm`);
  const { GOOS: _os, GOARCH: _arch, ...hostEnv } = process.env;
  const env = native ? hostEnv : { ...hostEnv, GOOS: 'wasip1', GOARCH: 'wasm' };
  execFileSync('go', ['build', '-o', out, pkg], { cwd: exampleDir(name), env, stdio: ['ignore', 'inherit', 'inherit'] });
  return out;
}
