// Where a process's CPU time goes, by Linux `perf` rather than V8's own
// profiler. V8's sampler does not walk a guest's suspendable (JSPI) stack:
// samples taken while the guest runs there land in "(program)", so the V8
// profile overstates the host. perf samples the CPU itself, every thread of
// the process, and with `node --perf-basic-prof-only-functions` names V8's
// generated code: the guest's wasm functions (by their Go names), JavaScript
// functions with their files, and V8's wasm/JS wrappers.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';

/** Kinds of code a perf sample can be in. */
export const PERF_KINDS = [
  'guest wasm',
  'dialtone JavaScript',
  'Node.js JavaScript',
  'wasm ↔ JavaScript wrappers',
  'Node and V8 native code (runtime, builtins, GC, libuv)',
  'C library (malloc, memcpy, syscall stubs)',
  'kernel (system calls, TCP/IP)',
] as const;
/** One of {@link PERF_KINDS}. */
export type PerfKind = (typeof PERF_KINDS)[number];

/** The host, as issue 10's goal counts it: dialtone, Node internals and V8 glue (not the guest, not the kernel). */
export const HOST_KINDS: readonly PerfKind[] = [
  'dialtone JavaScript',
  'Node.js JavaScript',
  'wasm ↔ JavaScript wrappers',
  'Node and V8 native code (runtime, builtins, GC, libuv)',
  'C library (malloc, memcpy, syscall stubs)',
];

/** A perf recording summarised: share of samples per kind. */
export interface PerfSplit {
  /** Samples recorded (all threads). */
  samples: number;
  /** Share of all samples, per kind (0..1). */
  shares: Record<PerfKind, number>;
  /** Sum of {@link HOST_KINDS}' shares. */
  hostShare: number;
}

/** Whether `perf record` can sample other processes here (perf installed, and root or perf_event_paranoid ≤ 1). */
export function perfAvailable(): boolean {
  try {
    execFileSync('perf', ['--version'], { stdio: 'ignore' });
  } catch {
    return false;
  }
  if (process.getuid?.() === 0) return true;
  try {
    return Number(execFileSync('cat', ['/proc/sys/kernel/perf_event_paranoid']).toString().trim()) <= 1;
  } catch {
    return false;
  }
}

/** Samples process `pid` (all its threads) for `seconds` into `file`. */
export function recordPerf(pid: number, seconds: number, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const perf = spawn('perf', ['record', '-F', '999', '-p', String(pid), '-o', file, '--', 'sleep', String(seconds)], { stdio: 'ignore' });
    perf.on('error', reject);
    perf.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`perf record exited with ${code}`))));
  });
}

/** Reads `file` (from {@link recordPerf}) and splits its samples by kind; `root` is the repository (dialtone's files). */
export function splitPerf(file: string, root: string): PerfSplit {
  const args = ['report', '-i', file, '--stdio', '-n', '--no-children', '--sort', 'dso,sym', '-g', 'none', '--percent-limit', '0'];
  const report = execFileSync('perf', args, {
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'],
  }).toString();
  let samples = 0;
  const shares = Object.fromEntries(PERF_KINDS.map((k) => [k, 0])) as Record<PerfKind, number>;
  // Lines: "    12.34%   567  [JIT] tid 42          [.] JS:net_http.readRequest-5666-turbofan"
  const counts = Object.fromEntries(PERF_KINDS.map((k) => [k, 0])) as Record<PerfKind, number>;
  for (const line of report.split('\n')) {
    const m = /^\s*[\d.]+%\s+(\d+)\s+(.+?)\s+\[([.k])\]\s+(.*)$/.exec(line);
    if (m === null) continue;
    counts[kindOf(m[2]!, m[3]!, m[4]!, root)] += Number(m[1]);
    samples += Number(m[1]);
  }
  for (const k of PERF_KINDS) shares[k] = samples === 0 ? 0 : counts[k] / samples;
  const hostShare = HOST_KINDS.reduce((sum, k) => sum + shares[k], 0);
  return { samples, shares, hostShare };
}

function kindOf(dso: string, level: string, symbol: string, root: string): PerfKind {
  if (level === 'k' || dso.includes('kernel')) return 'kernel (system calls, TCP/IP)';
  if (dso.startsWith('[JIT]')) {
    if (/wasm-to-js|js-to-wasm|wasm-to-capi/.test(symbol)) return 'wasm ↔ JavaScript wrappers';
    if (symbol.includes(`file://${root}`)) return 'dialtone JavaScript';
    if (symbol.includes('node:') || symbol.includes('file://')) return 'Node.js JavaScript';
    // Wasm functions are named NAME-INDEX-TIER (liftoff or turbofan), with no source URL.
    if (/-\d+-(liftoff|turbofan)$/.test(symbol)) return 'guest wasm';
    return 'Node.js JavaScript';
  }
  if (dso.startsWith('libc')) return 'C library (malloc, memcpy, syscall stubs)';
  return 'Node and V8 native code (runtime, builtins, GC, libuv)';
}

/** Removes the symbol map `node --perf-basic-prof-only-functions` wrote for `pid`. */
export function removePerfMap(pid: number): void {
  const map = `/tmp/perf-${pid}.map`;
  if (existsSync(map)) rmSync(map);
}
