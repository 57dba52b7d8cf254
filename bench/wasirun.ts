// Finds or installs `wasirun` (wasi-go's command-line host, on wazero), the
// reference WASI host the benchmarks compare dialtone with.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The Go module wasirun comes from. */
export const WASI_GO_MODULE = 'github.com/stealthrocket/wasi-go';
/** The wasi-go release the benchmarks pin: its latest tag (July 2023). */
export const WASI_GO_VERSION = 'v0.8.0';
/** The wazero release that wasi-go {@link WASI_GO_VERSION} requires (its go.mod). */
export const WAZERO_VERSION = 'v1.2.0';
const PACKAGE = `${WASI_GO_MODULE}/cmd/wasirun`;

/** The Go environment without a cross-compilation target left over from the caller. */
function hostGoEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { GOOS: _os, GOARCH: _arch, ...env } = process.env;
  return { ...env, ...extra };
}

/** `wasirun --version` (e.g. `wasirun v0.8.0`), or undefined if it does not run. */
export function wasirunVersion(path: string): string | undefined {
  try {
    return execFileSync(path, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Returns the path of `<root>/build/tools/wasirun` at {@link WASI_GO_VERSION},
 * installing it with the machine's Go first if it is missing or another
 * version. Tries `go install PACKAGE@VERSION`; if that fails (it also asks
 * the module proxy for the module's version list, to look for a deprecation
 * notice, which some proxies refuse), builds the same package from a scratch
 * module that requires exactly that version.
 */
export function ensureWasirun(root: string): string {
  const tools = join(root, 'build', 'tools');
  const bin = join(tools, 'wasirun');
  if (wasirunVersion(bin) === `wasirun ${WASI_GO_VERSION}`) return bin;

  mkdirSync(tools, { recursive: true });
  process.stderr.write(`bench: installing wasirun ${WASI_GO_VERSION} into ${tools} (first run only)\n`);
  try {
    execFileSync('go', ['install', `${PACKAGE}@${WASI_GO_VERSION}`], {
      env: hostGoEnv({ GOBIN: tools }),
      stdio: ['ignore', 'inherit', 'pipe'],
    });
  } catch (err) {
    const why =
      String((err as { stderr?: Buffer }).stderr ?? '')
        .trim()
        .split('\n')[0] ?? '';
    process.stderr.write(`bench: \`go install\` failed (${why.trim()}); building wasirun from a scratch module instead\n`);
    const scratch = join(tools, 'wasirun-module');
    mkdirSync(scratch, { recursive: true });
    writeFileSync(join(scratch, 'go.mod'), `module dialtone.bench/wasirun\n\ngo 1.24\n\nrequire ${WASI_GO_MODULE} ${WASI_GO_VERSION}\n`);
    execFileSync('go', ['build', '-mod=mod', '-o', bin, PACKAGE], {
      cwd: scratch,
      env: hostGoEnv(),
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  const version = existsSync(bin) ? wasirunVersion(bin) : undefined;
  if (version !== `wasirun ${WASI_GO_VERSION}`) {
    throw new Error(`installed wasirun reports ${JSON.stringify(version)}, expected "wasirun ${WASI_GO_VERSION}"`);
  }
  return bin;
}
