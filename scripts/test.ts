// `npm test`: everything CI checks, in order, stopping at the first failure.
//   1. compile src/ to dist/, bundle src/browser.ts into
//      dist/dialtone.browser.js (no Node built-in may reach it) and the CLI
//      into dist/cli-bundle/ (which the bins run)
//   2. type-check src, tests, scripts and bench (tsc --noEmit)
//   3. lint and formatting (eslint, prettier --check)
//   4. build the Go guests (test/guests → build/guests, build/native)
//   5. node --test over test/**/*.test.ts
// Extra arguments go to node --test (e.g. a file or --test-name-pattern).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBrowserBundle } from './build-browser.ts';
import { buildCliBundle } from './build-cli.ts';
import { buildGuests } from './build-guests.ts';
import { ensureDebianPackages } from './ensure-debian-packages.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name: string): string => join(root, 'node_modules', '.bin', name);

function step(title: string, file: string, args: string[]): void {
  process.stdout.write(`\n# ${title}\n`);
  execFileSync(file, args, { cwd: root, stdio: 'inherit' });
}

try {
  step('build', bin('tsc'), ['-p', 'tsconfig.build.json']);
  await buildBrowserBundle();
  await buildCliBundle();
  step('typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
  step('lint', bin('eslint'), ['.']);
  step('format', bin('prettier'), ['--check', '--log-level=warn', '.']);
  process.stdout.write('\n# Go guests\n');
  buildGuests();
  ensureDebianPackages(); // redis-server for test/sockets/redis-client.test.ts (apt-get when missing)
  const extra = process.argv.slice(2);
  step('tests', process.execPath, [
    '--test',
    '--test-concurrency=2',
    '--test-timeout=300000',
    ...(extra.length > 0 ? extra : ['test/**/*.test.ts']),
  ]);
} catch (err) {
  const status = (err as { status?: number }).status;
  process.exitCode = typeof status === 'number' && status !== 0 ? status : 1;
}
