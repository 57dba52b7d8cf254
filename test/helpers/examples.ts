// Builds the programs of examples/<name>/ from their sources, as each
// example's README shows, into build/examples/ (ignored by git). Every Go
// example is its own Go module, every Rust one its own Cargo package; Go's
// build cache and cargo's target folder make a rebuild cheap.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
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

/**
 * The command examples/<name>/README.md shows for a Rust example: Debian's
 * cargo and rustc 1.63 (what CI installs; rustup's toolchain here has no
 * wasm target), crates from crates.io's sparse index (cargo 1.65 cannot
 * reach the git index without GitHub) at the versions Cargo.lock pins.
 */
export const RUST_EXAMPLE_BUILD = {
  env: { RUSTC: '/usr/bin/rustc' },
  cargo: '/usr/bin/cargo',
  args: ['-Z', 'sparse-registry', 'build', '--release', '--locked', '--target', 'wasm32-wasi'],
} as const;

/**
 * Builds every program of the Cargo package examples/<name> (one per
 * src/bin/*.rs) for wasm32-wasi with {@link RUST_EXAMPLE_BUILD}, into
 * build/examples/cargo-target, and returns the folder that holds `<bin>.wasm`.
 */
export function buildRustExample(name: string): string {
  const targetDir = join(repoRoot, 'build', 'examples', 'cargo-target');
  for (const tool of [RUST_EXAMPLE_BUILD.cargo, RUST_EXAMPLE_BUILD.env.RUSTC]) {
    if (!existsSync(tool)) throw new Error(`${tool} is missing: node scripts/ensure-debian-packages.ts installs it (as root)`);
  }
  execFileSync(RUST_EXAMPLE_BUILD.cargo, RUST_EXAMPLE_BUILD.args, {
    cwd: exampleDir(name),
    env: { ...process.env, ...RUST_EXAMPLE_BUILD.env, CARGO_TARGET_DIR: targetDir },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return join(targetDir, 'wasm32-wasi', 'release');
}

/**
 * The command examples/c/README.md shows for a C example: Debian's clang
 * with wasi-libc (its headers and libraries are found under the /usr
 * sysroot, the wasm32 builtins beside clang's own), then `-o` and the source.
 */
export const C_EXAMPLE_BUILD = {
  cc: 'clang',
  args: ['--target=wasm32-wasi', '--sysroot=/usr', '-O2', '-Wall', '-Wextra'],
} as const;

/**
 * Builds examples/<name>/<program>.c with {@link C_EXAMPLE_BUILD} into
 * build/examples/wasm/<program>.wasm and returns its path.
 */
export function buildCExample(name: string, program: string): string {
  const outDir = join(repoRoot, 'build', 'examples', 'wasm');
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, `${program}.wasm`);
  execFileSync(C_EXAMPLE_BUILD.cc, [...C_EXAMPLE_BUILD.args, '-o', out, `${program}.c`], {
    cwd: exampleDir(name),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return out;
}
