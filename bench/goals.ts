// The "Goals" section of docs/benchmarks.md: each performance goal of
// issue 10 with what this run measured, met or not met, and for a goal not
// met where the reason is shown. The idle-connection goal is measured by its
// own benchmark (bench/idle-connections.ts), whose verdict is carried over
// from its section of the same file.
import { formatMs, table } from './format.ts';
import type { NetResults, ProfileRun } from './net.ts';
import type { CpuResults } from './report.ts';
import type { ProfileSummary } from './profile.ts';

/** Issue 10's goals, as numbers. */
export const GOALS = {
  /** Hello-world wall time, dialtone over wasirun (medians), at most. */
  startupVsWasirun: 0.25,
  /** TCP echo MiB/s, dialtone over wasirun, at least. */
  echoVsWasirun: 1.0,
  /** TCP echo MiB/s, dialtone over native, at least. */
  echoVsNative: 0.8,
  /** HTTP hello requests/s, dialtone over native, at least (either library). */
  httpVsNative: 0.25,
  /** Share of busy time in the host (dialtone, Node internals, V8 glue) under HTTP load, at most. */
  hostShareOfBusy: 0.25,
  /** An idle server's CPU, share of one core, at most. */
  idleCpuShare: 0.01,
} as const;

/** A goal ratio: three decimals, so that a value just under its threshold does not print as equal to it. */
const ratio3 = (r: number): string => (Number.isFinite(r) ? `${r.toFixed(3)}×` : '—');
/** How much worse than the previous run a ratio may be before it counts as a regression (run-to-run noise). */
const NOISE = 1.1;
const verdict = (met: boolean | undefined): string => (met === undefined ? 'not measured' : met ? '**met**' : '**not met**');
const pct = (x: number): string => `${(x * 100).toFixed(x < 0.1 ? 2 : 1)}%`;

/** Share of a profile's busy time that is not the guest's own wasm. */
function hostShare(s: ProfileSummary): number {
  return (s.busyMs - s.byKind['guest wasm']) / s.busyMs;
}

/**
 * Why an HTTP goal is not met. With perf's split of the server's CPU, also
 * the most that removing every host sample could give: the guest's wasm and
 * the kernel's share of each request stay.
 */
function httpReason(ratio: number, profile: ProfileRun | undefined): string {
  const where =
    profile === undefined
      ? 'see "Where dialtone\'s time goes under load"'
      : `see the profile "${profile.what}" in "Where dialtone's time goes under load"`;
  const split = profile?.perf?.split;
  if (split === undefined || !(split.hostShare < 1)) return where;
  const bound = ratio / (1 - split.hostShare);
  return `with no host time at all (perf: host ${pct(split.hostShare)} of the server's CPU) it would be ${ratio3(bound)} native: the guest's compiled Go (${pct(split.shares['guest wasm'])}) and the kernel (${pct(split.shares['kernel (system calls, TCP/IP)'])}) take the rest; ${where}`;
}

/** Why the echo goal is not met, from the servers' CPU per GiB. */
function echoReason(net: NetResults): string {
  const e = net.echo.results;
  const cpu = (k: 'dialtone' | 'wasirun' | 'native'): string => {
    const o = e[k];
    return o.ok ? `${k} ${formatMs(o.value.cpuPerGiB.user)} user + ${formatMs(o.value.cpuPerGiB.system)} kernel` : `${k} n/a`;
  };
  return `the server's CPU per GiB: ${cpu('dialtone')}, ${cpu('wasirun')}, ${cpu('native')} (the same system calls; see "TCP echo stream", and the echo profile in "Where dialtone's time goes under load")`;
}

/**
 * The goals table. `idleConnections` is the verdict line of the
 * idle-connections section, if the file has one.
 */
export function goalsMarkdown(
  cpu: CpuResults | undefined,
  net: NetResults | undefined,
  idleConnections: string | undefined,
  previous: { sha256Ms?: number | undefined } = {},
): string {
  const rows: string[][] = [];
  if (cpu !== undefined) {
    const r = cpu.startup.stats.dialtone.median / cpu.startup.stats.wasirun.median;
    const b = cpu.breakdown;
    rows.push([
      `Start-up: hello world at most ${GOALS.startupVsWasirun}× wasirun's wall time`,
      `${ratio3(r)} (${cpu.startup.stats.dialtone.median.toFixed(0)} ms vs ${cpu.startup.stats.wasirun.median.toFixed(0)} ms)`,
      verdict(r <= GOALS.startupVsWasirun),
      r <= GOALS.startupVsWasirun
        ? ''
        : `Node's own start-up and exit is ${b.bareNode.median.toFixed(0)} ms, importing dialtone ${b.importMs.median.toFixed(0)} ms, compile ${b.compileMs.median.toFixed(0)} ms, the guest's run ${b.runMs.median.toFixed(0)} ms: see "Start-up" below`,
    ]);
    // Against dialtone's own earlier time, not a ratio: wasirun's time moves with the machine's load far more.
    const s = cpu.sha256.stats.dialtone.median;
    const before = previous.sha256Ms;
    const shaMet = before === undefined ? undefined : s <= before * NOISE;
    rows.push([
      `No regressions: SHA-256 (CPU-bound) under dialtone no slower than the previous run${before === undefined ? '' : `'s ${formatMs(before)}`} (${Math.round((NOISE - 1) * 100)}% allowed for noise)`,
      formatMs(s),
      verdict(shaMet),
      shaMet === false ? 'see "CPU-bound" below' : '',
    ]);
  }
  if (net !== undefined) {
    const e = net.echo.results;
    const echoW = e.dialtone.ok && e.wasirun.ok ? e.dialtone.value.mibPerSec / e.wasirun.value.mibPerSec : Number.NaN;
    const echoN = e.dialtone.ok && e.native.ok ? e.dialtone.value.mibPerSec / e.native.value.mibPerSec : Number.NaN;
    const echoMet = Number.isNaN(echoW) || Number.isNaN(echoN) ? undefined : echoW >= GOALS.echoVsWasirun && echoN >= GOALS.echoVsNative;
    rows.push([
      `TCP echo: at least ${GOALS.echoVsWasirun}× wasirun and ${GOALS.echoVsNative}× native`,
      `${ratio3(echoW)} wasirun, ${ratio3(echoN)} native`,
      verdict(echoMet),
      echoMet === false ? echoReason(net) : '',
    ]);
    for (const h of net.http) {
      const d = h.results.dialtone;
      const n = h.results.native;
      const r = d.ok && n.ok ? d.value.requestsPerSec / n.value.requestsPerSec : Number.NaN;
      const met = Number.isNaN(r) ? undefined : r >= GOALS.httpVsNative;
      const profile = net.profiles.find((p) => p.library === h.library);
      rows.push([
        `HTTP hello, ${h.library}: at least ${GOALS.httpVsNative}× native requests/s`,
        `${ratio3(r)} native`,
        verdict(met),
        met === false ? httpReason(r, profile) : '',
      ]);
    }
    for (const profile of net.profiles) {
      if (profile.library === undefined) continue;
      // perf when the bench could run it: V8's profiler cannot see inside the
      // guest's JSPI stack and counts those samples as "(program)", i.e. host.
      const v8Share = hostShare(profile.summary);
      const perf = profile.perf?.split;
      const share = perf?.hostShare ?? v8Share;
      const measured =
        perf === undefined
          ? `${pct(share)} (all but guest wasm: dialtone, Node, V8, GC; V8's profiler)`
          : `${pct(share)} of perf's samples (dialtone, Node, V8, GC, libc; the kernel's ${pct(perf.shares['kernel (system calls, TCP/IP)'])} apart); V8's profiler, which counts the guest's JSPI-stack samples as host: ${pct(v8Share)}`;
      rows.push([
        `HTTP hello, ${profile.library}: the host under ${pct(GOALS.hostShareOfBusy)} of busy time`,
        measured,
        verdict(share <= GOALS.hostShareOfBusy),
        share <= GOALS.hostShareOfBusy ? '' : `see the profile "${profile.what}" in "Where dialtone's time goes under load"`,
      ]);
    }
    for (const row of net.idle.rows) {
      if (!row.label.endsWith('under dialtone')) continue;
      const share = row.result.ok ? row.result.value.cpuMs / (net.idle.seconds * 1000) : Number.NaN;
      const met = Number.isNaN(share) ? undefined : share <= GOALS.idleCpuShare;
      rows.push([
        `Idle server at most ${pct(GOALS.idleCpuShare)} of a core: ${row.label.replace(/ under dialtone$/, '')}`,
        Number.isNaN(share) ? 'n/a' : `${pct(share)} of a core`,
        verdict(met),
        met === false ? 'see "Idle servers"' : '',
      ]);
    }
  }
  const idleConn = idleConnections === undefined ? undefined : /\*\*(met|not met)\*\* \(([^)]+)\)/.exec(idleConnections);
  rows.push([
    'Idle connections: at most 16 KiB of host memory each',
    idleConn?.[2] ?? 'not in this file',
    idleConn === null || idleConn === undefined ? 'not measured' : `**${idleConn[1]}**`,
    idleConn?.[1] === 'not met' ? 'see "Idle keep-alive connections" (`npm run bench:idle`)' : '',
  ]);
  return `## Goals

Issue 10's performance goals against this run (the idle-connection figure
comes from its own benchmark, \`npm run bench:idle\`, below).

${table(['goal', 'measured', 'status', 'where the reason is shown'], rows)}
`;
}
