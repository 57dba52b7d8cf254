// Installs the Debian packages some tests need (e.g. redis-server for
// test/sockets/redis-client.test.ts, chromium and firefox-esr for the
// real-browser tests in test/browser/, the servers the examples gallery
// talks to, clang and rustc for wasm32-wasi guests) when missing.
//
// CI starts from a fresh Debian machine where we are root: a missing
// program is installed with `apt-get update` (at most once per process)
// and `apt-get install -y --no-install-recommends PACKAGE`. A machine that
// already has the program is left alone, so developers are never asked
// for root when nothing is missing.
//
// Usage: node scripts/ensure-debian-packages.ts [program=package ...]
//        (default: the REQUIRED list below)
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/**
 * A program the tests run (a name looked up on PATH, or an absolute path of
 * any file, for libraries and programs outside PATH), and the Debian package
 * that provides it.
 */
export interface DebianRequirement {
  program: string;
  pkg: string;
}

/** What `npm test` needs beyond Node and Go. */
export const REQUIRED: readonly DebianRequirement[] = [
  { program: 'redis-server', pkg: 'redis-server' },
  { program: 'chromium', pkg: 'chromium' },
  { program: 'firefox-esr', pkg: 'firefox-esr' },
  // examples/: the real servers each gallery example talks to
  { program: 'mosquitto', pkg: 'mosquitto' },
  { program: 'chronyd', pkg: 'chrony' },
  { program: 'mariadbd', pkg: 'mariadb-server' },
  { program: '/usr/lib/postgresql/15/bin/initdb', pkg: 'postgresql-15' },
  { program: 'openssl', pkg: 'openssl' },
  // C and Rust guests for wasm32-wasi (Debian's rustc; rustup's has no wasm target here)
  { program: 'clang', pkg: 'clang' },
  { program: 'wasm-ld', pkg: 'lld' },
  { program: '/usr/lib/wasm32-wasi/libc.a', pkg: 'wasi-libc' },
  { program: '/usr/lib/llvm-14/lib/clang/14.0.6/lib/wasi/libclang_rt.builtins-wasm32.a', pkg: 'libclang-rt-14-dev-wasm32' },
  { program: '/usr/bin/rustc', pkg: 'rustc' },
  { program: '/usr/lib/rustlib/wasm32-wasi/lib', pkg: 'libstd-rust-dev-wasm32' },
  // examples/rust builds with Debian's cargo (the one on PATH may be rustup's)
  { program: '/usr/bin/cargo', pkg: 'cargo' },
];

/** The full path of `program` on PATH, or undefined. */
export function findOnPath(program: string, path: string = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

let updated = false;

function apt(args: readonly string[], what: string): void {
  try {
    execFileSync('apt-get', args, {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: 600_000,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { status?: number | null; signal?: string | null };
    const why =
      e.code === 'ENOENT'
        ? 'apt-get is not on PATH (not a Debian/Ubuntu machine?)'
        : e.signal
          ? `apt-get was killed by ${e.signal}`
          : `apt-get exited with status ${String(e.status)}`;
    const root = process.getuid?.() === 0 ? '' : ' (it must run as root)';
    throw new Error(`${what}: ${why}${root}`, { cause: err });
  }
}

/**
 * Where a Debian-packaged program is: PATH first, then /usr/sbin and
 * /usr/bin (daemons live in /usr/sbin, which a non-login PATH may lack).
 */
export function locateProgram(program: string): string | undefined {
  if (isAbsolute(program)) return existsSync(program) ? program : undefined;
  return findOnPath(program, [process.env.PATH ?? '', '/usr/sbin', '/usr/bin'].join(delimiter));
}

/**
 * Makes sure every listed program is on PATH, installing the missing ones'
 * packages with apt-get. Throws an Error naming the package and the reason
 * when that is impossible (no apt-get, not root, the install failed, or the
 * package installed but the program is still missing); the message is also
 * written to stderr, as callers such as scripts/test.ts only set the exit code.
 */
export function ensureDebianPackages(requirements: readonly DebianRequirement[] = REQUIRED): void {
  try {
    install(requirements);
  } catch (err) {
    process.stderr.write(`ensure-debian-packages: ${(err as Error).message}\n`);
    throw err;
  }
}

const POLICY_RC_D = '/usr/sbin/policy-rc.d';

/**
 * Runs an install with a policy-rc.d that forbids starting services
 * (exit 101, Debian's invoke-rc.d convention). Packages such as chrony,
 * mosquitto and mariadb-server would otherwise start system-wide daemons
 * on install; chrony's would even try to reach outside NTP servers and set
 * the clock. Tests start their own servers on loopback instead.
 */
function withoutServiceStarts(fn: () => void): void {
  if (existsSync(POLICY_RC_D)) return fn();
  writeFileSync(POLICY_RC_D, '#!/bin/sh\n# written by dialtone scripts/ensure-debian-packages.ts during apt-get install\nexit 101\n', {
    mode: 0o755,
  });
  try {
    fn();
  } finally {
    rmSync(POLICY_RC_D, { force: true });
  }
}

function install(requirements: readonly DebianRequirement[]): void {
  const missing = requirements.filter((r) => locateProgram(r.program) === undefined);
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map((r) => r.pkg))];
  const names = missing.map((r) => r.program).join(', ');
  process.stdout.write(`# ${names} missing: installing Debian package(s) ${pkgs.join(' ')}\n`);
  if (!updated) {
    apt(['update'], `cannot install ${pkgs.join(' ')} for ${names}: apt-get update failed`);
    updated = true;
  }
  withoutServiceStarts(() => apt(['install', '-y', '--no-install-recommends', ...pkgs], `cannot install ${pkgs.join(' ')} for ${names}`));
  const still = missing.filter((r) => locateProgram(r.program) === undefined);
  if (still.length > 0) {
    throw new Error(
      `installed ${pkgs.join(' ')} but ${still.map((r) => r.program).join(', ')} is still not on PATH, in /usr/sbin or at its path`,
    );
  }
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const reqs = args.map((a): DebianRequirement => {
    const [program = '', pkg = program] = a.split('=');
    return { program, pkg };
  });
  try {
    ensureDebianPackages(reqs.length > 0 ? reqs : REQUIRED);
  } catch {
    process.exitCode = 1; // the reason is already on stderr
  }
}
