// Builds the Go guest programs under test/guests/ with the machine's Go:
//   build/guests/<name>.wasm   GOOS=wasip1 GOARCH=wasm
//   build/native/<name>        the same program for this machine, for guests
//                              whose main.go has a `//dialtone:native` line
//                              (those compared with a native run)
// Usage: node scripts/build-guests.ts [name...]   (default: all)
// Go's build cache makes a second run cheap, so tests may call this freely.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const guestsDir = join(root, 'test', 'guests');

/** Guest program names (directories with a main.go). */
export function guestNames(): string[] {
  return readdirSync(guestsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(guestsDir, d.name, 'main.go')))
    .map((d) => d.name)
    .sort();
}

/** Path of a built guest's .wasm. */
export function guestWasm(name: string): string {
  return join(root, 'build', 'guests', `${name}.wasm`);
}

/** Path of a guest's native build. */
export function guestNative(name: string): string {
  return join(root, 'build', 'native', name);
}

/** Builds the named guests (wasip1 and native). */
export function buildGuests(names: readonly string[] = guestNames()): void {
  mkdirSync(join(root, 'build', 'guests'), { recursive: true });
  mkdirSync(join(root, 'build', 'native'), { recursive: true });
  const { GOOS: _os, GOARCH: _arch, ...hostEnv } = process.env;
  for (const name of names) {
    const build = (env: NodeJS.ProcessEnv, out: string): void => {
      execFileSync('go', ['build', '-o', out, `./${name}`], { cwd: guestsDir, env, stdio: ['ignore', 'inherit', 'inherit'] });
    };
    build({ ...hostEnv, GOOS: 'wasip1', GOARCH: 'wasm' }, guestWasm(name));
    if (/^\/\/dialtone:native$/m.test(readFileSync(join(guestsDir, name, 'main.go'), 'utf8'))) build(hostEnv, guestNative(name));
  }
}

if (import.meta.main) {
  const names = process.argv.slice(2);
  buildGuests(names.length > 0 ? names : guestNames());
}
