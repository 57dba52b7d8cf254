// The network benchmarks: a Go net/http server under wrk, a TCP echo
// stream, and the CPU an idle server burns, each under dialtone, wasirun and
// natively (see renderNet* in net-report.ts for what the report says).
// Everything listens on 127.0.0.1 with a kernel-chosen port, every load is
// bounded in time or size, runners take turns round-robin, and every server
// is stopped before the next benchmark (and when the bench exits).
import { execFile, execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { buildGuests, guestNative } from '../scripts/build-guests.ts';
import { echoStreamCrc32 } from './expected.ts';
import { describe, stats, type Command } from './measure.ts';
import { perfAvailable, recordPerf, removePerfMap, splitPerf, type PerfSplit } from './perf-split.ts';
import { summariseProfile, type ProfileSummary } from './profile.ts';
import { RUNNERS, type Runner, type Runners } from './runners.ts';
import { Server, cpuPlan, httpGet, pinned, scratchDir, type CpuPlan, type CpuTimes } from './servers.ts';
import { ensureWrk, runWrk, wrkArgs, type WrkLoad, type WrkResult } from './wrk.ts';

const execFileAsync = promisify(execFile);

/** Options of the network benchmarks (command-line flags of bench/run.ts). */
export interface NetOptions {
  /** wrk `-c`. */
  connections: number;
  /** Seconds per timed wrk run. */
  seconds: number;
  /** Seconds of the untimed wrk run before them. */
  warmupSeconds: number;
  /** Timed wrk runs per server. */
  wrkRuns: number;
  /** MiB per echo stream. */
  echoMib: number;
  /** Timed echo streams per server (after one untimed). */
  echoRuns: number;
  /** Length of the idle-CPU window, seconds. */
  idleSeconds: number;
  /** Profile dialtone under load: always, never, or when it is slower than wasirun. */
  profile: 'auto' | 'always' | 'never';
}

/** A measurement, or why there is none. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; why: string };

/** One server under wrk. */
export interface HttpResult {
  /** The timed runs, in order. */
  runs: WrkResult[];
  /** Medians over {@link runs}. */
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Socket errors wrk counted over all timed runs. */
  socketErrors: number;
}

/** The HTTP benchmark of one guest program (one socket library). */
export interface HttpBench {
  guest: string;
  /** The Go socket library it listens through when built for wasip1. */
  library: string;
  /** What the server answers GET /check with. */
  body: string;
  results: Record<Runner, Outcome<HttpResult>>;
}

/** One echo server under the streaming client. */
export interface EchoResult {
  /** Wall time of each timed stream, ms (the client's, from connected to EOF). */
  ms: number[];
  /** MiB/s of the median stream. */
  mibPerSec: number;
  /**
   * The server's CPU per GiB echoed (medians over the timed streams), ms:
   * in user space (the guest and its host) and in the kernel (system calls,
   * loopback TCP). Every runner makes about the same system calls, so the
   * kernel's part is a floor no host work can go under.
   */
  cpuPerGiB: CpuTimes;
}

/** The TCP echo benchmark. */
export interface EchoBench {
  mib: number;
  /** Timed rounds (one stream per server each). */
  runs: number;
  /** CRC-32 every stream's echo had. */
  crc32: string;
  /** The client command, with ADDR for the server's address. */
  client: string;
  results: Record<Runner, Outcome<EchoResult>>;
}

/** CPU one idle server used. */
export interface IdleRow {
  label: string;
  result: Outcome<{ cpuMs: number }>;
}

/** The idle-CPU benchmark. */
export interface IdleBench {
  seconds: number;
  settleSeconds: number;
  rows: IdleRow[];
}

/** A CPU profile of dialtone under load. */
export interface ProfileRun {
  what: string;
  /** For an HTTP server: its socket library (as in {@link HttpBench.library}). */
  library?: string | undefined;
  /** The profiled command (with taskset, if pinned). */
  command: string;
  /** The load it ran under, and what the load measured meanwhile. */
  load: string;
  summary: ProfileSummary;
  /** The same server and load sampled by Linux perf (which sees inside the guest's JSPI stack), when perf is usable here. */
  perf?: PerfRun | undefined;
}

/** A perf recording of a server under load (see bench/perf-split.ts). */
export interface PerfRun {
  /** The server command, as run. */
  command: string;
  /** The load and what it measured meanwhile. */
  load: string;
  split: PerfSplit;
}

/** Everything the network benchmarks measured. */
export interface NetResults {
  /** `wrk -v`'s first line. */
  wrkVersion: string;
  /** wrk's arguments (URL aside) for the timed runs. */
  wrkLoad: WrkLoad;
  warmupSeconds: number;
  wrkRuns: number;
  /** How server and load were kept apart, if they were. */
  pinning: CpuPlan | undefined;
  /** A dialtone server command as run, for the report. */
  dialtoneCommand: string;
  /** The same for wasirun. */
  wasirunCommand: string;
  http: HttpBench[];
  echo: EchoBench;
  idle: IdleBench;
  /** Whether dialtone matched wasirun on requests/s (dispatchrun/net) and echo MiB/s. */
  goalMet: boolean;
  profiles: ProfileRun[];
}

/** The two HTTP guests: what they are and how they are started. */
const HTTP_GUESTS = [
  { guest: 'benchhttp', library: 'dispatchrun/net', args: (addr: string) => [addr], greeting: 'hello from benchhttp' },
  { guest: 'wasinetapp', library: 'egdaemon/wasinet', args: (addr: string) => ['serve', addr], greeting: 'hello from wasinet' },
] as const;
/** One of the HTTP servers the bench loads. */
type HttpGuest = (typeof HTTP_GUESTS)[number];

/** Fails unless GET /check answers 200 with exactly `body`. */
async function checkHello(server: Server, body: string): Promise<void> {
  const r = await httpGet(server.addr, '/check');
  if (r.status !== 200 || r.body !== body) {
    throw new Error(`${server.label}: GET /check answered ${r.status} ${JSON.stringify(r.body)}, expected 200 ${JSON.stringify(body)}`);
  }
}

/** `go build` of guest `name` for this machine; undefined, or why it failed. */
function buildNative(root: string, name: string): string | undefined {
  const { GOOS: _os, GOARCH: _arch, ...env } = process.env;
  try {
    execFileSync('go', ['build', '-o', guestNative(name), `./${name}`], {
      cwd: join(root, 'test', 'guests'),
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return undefined;
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim();
    return `does not build for ${process.platform}/${process.arch}: ${stderr.split('\n').slice(0, 3).join('; ') || (err as Error).message}`;
  }
}

/** wrk's version, e.g. `wrk debian/4.1.0-3+b2`, from `wrk -v` (which exits 1). */
function wrkVersion(wrk: string): string {
  let out: string;
  try {
    out = execFileSync(wrk, ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    out = String((err as { stdout?: string }).stdout ?? '');
  }
  return /^wrk \S+/.exec(out.trim())?.[0] ?? 'wrk (version unknown)';
}

/** How one runner takes part in an interleaved benchmark: its server command, or why it cannot. */
type Entry = Command | string;

/**
 * Starts one server per runner (those given a reason instead get it as
 * their outcome), runs `warmup` once on each, then `rounds` rounds of
 * `measure`, one call per server in runner order, so that a burst of other
 * load on the machine hits every runner alike; stops every server at the
 * end whatever happens. Only the server being measured is busy: the others
 * wait, idle, for their turn. A failure of dialtone's server is thrown;
 * another runner's is recorded and that runner drops out.
 */
async function interleaved<T>(
  what: string,
  entries: Record<Runner, Entry>,
  root: string,
  rounds: number,
  warmup: (s: Server) => Promise<void>,
  measure: (s: Server) => Promise<T>,
): Promise<Record<Runner, Outcome<T[]>>> {
  const outcomes = {} as Record<Runner, Outcome<T[]>>;
  const servers = new Map<Runner, Server>();
  const fail = async (runner: Runner, err: unknown): Promise<void> => {
    if (runner === 'dialtone') throw err;
    log(`${what} under ${runner} failed: ${reason(err)}`);
    outcomes[runner] = { ok: false, why: `failed: ${reason(err)}` };
    await servers.get(runner)?.stop();
    servers.delete(runner);
  };
  try {
    for (const runner of RUNNERS) {
      const entry = entries[runner];
      if (typeof entry === 'string') {
        outcomes[runner] = { ok: false, why: entry };
        continue;
      }
      try {
        servers.set(runner, await Server.start(`${runner} ${what}`, entry, root));
        outcomes[runner] = { ok: true, value: [] };
      } catch (err) {
        await fail(runner, err);
      }
    }
    for (const [runner, server] of [...servers]) {
      try {
        await warmup(server);
      } catch (err) {
        await fail(runner, err);
      }
    }
    for (let round = 0; round < rounds; round++) {
      for (const [runner, server] of [...servers]) {
        try {
          const value = await measure(server);
          const o = outcomes[runner];
          if (o.ok) o.value.push(value);
        } catch (err) {
          await fail(runner, err);
        }
      }
    }
    return outcomes;
  } finally {
    await Promise.all([...servers.values()].map((s) => s.stop()));
  }
}

/** `cmd` as the report shows it: paths inside the repository relative to it. */
function shown(root: string, cmd: Command): string {
  const prefix = root.endsWith('/') ? root : `${root}/`;
  return describe(cmd).replaceAll(prefix, '');
}

/** The message of an error, for a table cell. */
function reason(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'failed';
}

/** One timed wrk run against `server`, between two checks of its answer. */
async function wrkRound(server: Server, wrk: string, load: WrkLoad, body: string): Promise<WrkResult> {
  await checkHello(server, body);
  const r = await runWrk(wrk, `http://${server.addr}/`, load);
  if (r.requests === 0) throw new Error(`${server.label}: wrk completed no requests`);
  if (r.non2xx > 0) throw new Error(`${server.label}: ${r.non2xx} responses were not 2xx/3xx`);
  await checkHello(server, body);
  return r;
}

/** Medians of a server's wrk runs. */
function summariseWrk(runs: WrkResult[]): HttpResult {
  const median = (f: (r: WrkResult) => number): number => stats(runs.map(f)).median;
  return {
    runs,
    requestsPerSec: median((r) => r.requestsPerSec),
    p50Ms: median((r) => r.p50Ms),
    p99Ms: median((r) => r.p99Ms),
    socketErrors: runs.reduce((sum, r) => sum + r.socketErrors, 0),
  };
}

/** Applies `f` to each runner's measurements, keeping the reasons of those without. */
function mapOutcomes<T, U>(o: Record<Runner, Outcome<T[]>>, f: (v: T[]) => U): Record<Runner, Outcome<U>> {
  const out = {} as Record<Runner, Outcome<U>>;
  for (const runner of RUNNERS) {
    const r = o[runner];
    out[runner] = !r.ok ? r : r.value.length > 0 ? { ok: true, value: f(r.value) } : { ok: false, why: 'no runs' };
  }
  return out;
}

/** Streams `mib` MiB through the echo server at `addr` once; returns the client's ms, after checking the echo. */
async function streamOnce(
  runners: Runners,
  addr: string,
  mib: number,
  crc: string,
  cpus: string | undefined,
  root: string,
): Promise<number> {
  const cmd = pinned(runners.netCommand('native', 'benchecho', ['stream', addr, String(mib)]), cpus);
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(cmd.file, cmd.args, { cwd: root, encoding: 'utf8', timeout: 90_000, killSignal: 'SIGKILL' }));
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
    throw new Error(`${describe(cmd)}: ${stderr || reason(err)}`, { cause: err });
  }
  const m = /^echoed (\d+) bytes in (\d+) ns, crc32 ([0-9a-f]{8})$/m.exec(stdout);
  if (m === null) throw new Error(`echo client printed ${JSON.stringify(stdout)}`);
  if (Number(m[1]) !== mib * 2 ** 20 || m[3] !== crc) {
    throw new Error(`echo came back wrong: ${m[1]} bytes with CRC-32 ${m[3]}, expected ${mib * 2 ** 20} bytes with ${crc}`);
  }
  return Number(m[2]) / 1e6;
}

/** Reads the busiest functions from the single .cpuprofile in `dir`. */
function readProfile(dir: string, root: string): ProfileSummary {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no .cpuprofile was written to ${dir}`);
  return summariseProfile(join(dir, files[0]!), root);
}

/**
 * Runs every network benchmark. Builds the guests it needs, installs wrk
 * if missing, and returns the results; throws if a dialtone measurement
 * fails or an answer is wrong (other runners' failures are reported).
 */
export async function runNetBenchmarks(root: string, runners: Runners, options: NetOptions): Promise<NetResults> {
  const wrk = ensureWrk();
  const pinning = cpuPlan();
  if (pinning === undefined) log('warning: no taskset or fewer than 2 CPUs; server and load share the CPUs');
  log('building the network guests');
  buildGuests(['benchhttp', 'benchecho', 'wasinetapp']);
  const nativeWasinet = buildNative(root, 'wasinetapp');
  const load: WrkLoad = { threads: 1, connections: options.connections, seconds: options.seconds, cpus: pinning?.load };
  const serverCmd = (runner: Runner, guest: string, args: readonly string[], nodeOptions: readonly string[] = []): Command =>
    pinned(runners.netCommand(runner, guest, args, nodeOptions), pinning?.server);
  /** Why `runner` cannot run `guest`, if it cannot. */
  const unavailable = (runner: Runner, guest: string): string | undefined => {
    if (guest !== 'wasinetapp') return undefined;
    if (runner === 'wasirun') return 'n/a: wasirun has no wasinet_v0';
    if (runner === 'native') return nativeWasinet;
    return undefined;
  };

  const http: HttpBench[] = [];
  for (const g of HTTP_GUESTS) {
    const body = `${g.greeting}: GET /check (0 bytes)\n`;
    log(`HTTP: ${g.guest} (${g.library}), runners interleaved, wrk ${options.wrkRuns} × ${options.seconds} s each`);
    const entries = {} as Record<Runner, Entry>;
    for (const runner of RUNNERS) entries[runner] = unavailable(runner, g.guest) ?? serverCmd(runner, g.guest, g.args('127.0.0.1:0'));
    const runs = await interleaved(
      g.guest,
      entries,
      root,
      options.wrkRuns,
      async (s) => {
        await checkHello(s, body);
        await runWrk(wrk, `http://${s.addr}/`, { ...load, seconds: options.warmupSeconds });
      },
      (s) => wrkRound(s, wrk, load, body),
    );
    http.push({ guest: g.guest, library: g.library, body, results: mapOutcomes(runs, summariseWrk) });
  }

  const crc = echoStreamCrc32(options.echoMib);
  log(`TCP echo: ${options.echoMib} MiB, runners interleaved, ${options.echoRuns} streams each`);
  const echoEntries = {} as Record<Runner, Entry>;
  for (const runner of RUNNERS) echoEntries[runner] = serverCmd(runner, 'benchecho', ['serve', '127.0.0.1:0']);
  const stream = (s: Server): Promise<number> => streamOnce(runners, s.addr, options.echoMib, crc, pinning?.load, root);
  /** One timed stream, with the server's CPU while it ran. */
  const timedStream = async (s: Server): Promise<{ ms: number; cpu: CpuTimes }> => {
    const before = s.cpuTimesMs();
    const ms = await stream(s);
    const after = s.cpuTimesMs();
    return { ms, cpu: { user: after.user - before.user, system: after.system - before.system } };
  };
  const streams = await interleaved(
    'benchecho',
    echoEntries,
    root,
    options.echoRuns,
    async (s) => {
      await stream(s);
    },
    timedStream,
  );
  const perGiB = 1024 / options.echoMib;
  const echoResults = mapOutcomes(streams, (runs): EchoResult => ({
    ms: runs.map((r) => r.ms),
    mibPerSec: options.echoMib / (stats(runs.map((r) => r.ms)).median / 1000),
    cpuPerGiB: {
      user: stats(runs.map((r) => r.cpu.user)).median * perGiB,
      system: stats(runs.map((r) => r.cpu.system)).median * perGiB,
    },
  }));
  const echo: EchoBench = {
    mib: options.echoMib,
    runs: options.echoRuns,
    crc32: crc,
    client: shown(root, pinned(runners.netCommand('native', 'benchecho', ['stream', 'ADDR', String(options.echoMib)]), pinning?.load)),
    results: echoResults,
  };

  const idle = await measureIdle(root, options.idleSeconds, (runner, guest) => {
    const why = unavailable(runner, guest);
    if (why !== undefined) return why;
    const g = HTTP_GUESTS.find((h) => h.guest === guest)!;
    return runners.netCommand(runner, guest, g.args('127.0.0.1:0'));
  });

  const rate = (o: Outcome<{ requestsPerSec: number }> | undefined): number => (o?.ok ? o.value.requestsPerSec : Number.NaN);
  const mibs = (o: Outcome<EchoResult>): number => (o.ok ? o.value.mibPerSec : Number.NaN);
  const dn = http[0]?.results;
  const goalMet = !(rate(dn?.dialtone) < rate(dn?.wasirun)) && !(mibs(echoResults.dialtone) < mibs(echoResults.wasirun));

  const profiles: ProfileRun[] = [];
  if (options.profile === 'always' || (options.profile === 'auto' && !goalMet)) {
    for (const g of HTTP_GUESTS) profiles.push(await profileHttp(root, wrk, load, options, serverCmd, g));
    profiles.push(await profileEcho(root, runners, options, crc, pinning, serverCmd));
  }

  return {
    wrkVersion: wrkVersion(wrk),
    wrkLoad: load,
    warmupSeconds: options.warmupSeconds,
    wrkRuns: options.wrkRuns,
    pinning,
    dialtoneCommand: shown(root, serverCmd('dialtone', 'benchhttp', ['127.0.0.1:0'])),
    wasirunCommand: shown(root, serverCmd('wasirun', 'benchhttp', ['127.0.0.1:0'])),
    http,
    echo,
    idle,
    goalMet,
    profiles,
  };
}

/**
 * Starts the idle servers together, checks each with one request (on a
 * connection it then closes), lets them settle, and reads how much CPU each
 * uses over `seconds` with no connection open.
 */
async function measureIdle(
  root: string,
  seconds: number,
  command: (runner: Runner, guest: string) => Command | string,
): Promise<IdleBench> {
  const settleSeconds = 2;
  const plan: { label: string; runner: Runner; guest: string; greeting: string }[] = [];
  for (const g of [HTTP_GUESTS[1], HTTP_GUESTS[0]]) {
    for (const runner of RUNNERS)
      plan.push({ label: `${g.guest} (${g.library}) under ${runner}`, runner, guest: g.guest, greeting: g.greeting });
  }
  log(`idle CPU: ${plan.length} servers side by side, ${seconds} s`);
  const servers: (Server | string)[] = [];
  try {
    for (const p of plan) {
      const cmd = command(p.runner, p.guest);
      servers.push(typeof cmd === 'string' ? cmd : await Server.start(p.label, cmd, root));
    }
    for (const [i, s] of servers.entries()) {
      if (typeof s !== 'string') await checkHello(s, `${plan[i]!.greeting}: GET /check (0 bytes)\n`);
    }
    await sleep(settleSeconds * 1000);
    const before = servers.map((s) => (typeof s === 'string' ? 0 : s.cpuTimeMs()));
    await sleep(seconds * 1000);
    const rows = servers.map((s, i): IdleRow => {
      const label = plan[i]!.label;
      if (typeof s === 'string') return { label, result: { ok: false, why: s } };
      return { label, result: { ok: true, value: { cpuMs: s.cpuTimeMs() - before[i]! } } };
    });
    return { seconds, settleSeconds, rows };
  } finally {
    await Promise.all(servers.map((s) => (typeof s === 'string' ? undefined : s.stop())));
  }
}

/**
 * Starts server `cmd`, warms it up with wrk for `warmupSeconds`, then runs
 * `load` while `during` (if given) runs beside it, and stops the server.
 */
async function underWrk(
  root: string,
  wrk: string,
  label: string,
  cmd: Command,
  load: WrkLoad,
  warmupSeconds: number,
  during?: (server: Server) => Promise<void>,
): Promise<{ r: WrkResult; pid: number }> {
  const server = await Server.start(label, cmd, root);
  try {
    const url = `http://${server.addr}/`;
    await runWrk(wrk, url, { ...load, seconds: warmupSeconds });
    const [r] = await Promise.all([runWrk(wrk, url, load), during?.(server)]);
    return { r, pid: server.pid };
  } finally {
    const exit = await server.quit();
    if (exit.code !== 0) log(`${label} exited with ${String(exit.code ?? exit.signal)}`);
  }
}

/** A dialtone HTTP server under one wrk run, with `node --cpu-prof`. */
async function profileHttp(
  root: string,
  wrk: string,
  load: WrkLoad,
  options: NetOptions,
  serverCmd: (runner: Runner, guest: string, args: readonly string[], nodeOptions?: readonly string[]) => Command,
  g: HttpGuest,
): Promise<ProfileRun> {
  const dir = scratchDir(`cpuprofile-${g.guest}`);
  const cmd = serverCmd('dialtone', g.guest, g.args('127.0.0.1:0'), ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  log(`profile: dialtone ${g.guest} under wrk (${options.warmupSeconds} s warm-up, ${load.seconds} s profiled load)`);
  const { r } = await underWrk(root, wrk, `dialtone ${g.guest} (profiled)`, cmd, load, options.warmupSeconds);
  return {
    what: `HTTP: ${g.guest} (${g.library}) under wrk`,
    library: g.library,
    command: shown(root, cmd).replace(dir, 'DIR'),
    load: `wrk ${wrkArgs('http://ADDR/', load).join(' ')} after a ${options.warmupSeconds} s warm-up: ${r.requestsPerSec.toFixed(0)} requests/s while profiled`,
    summary: readProfile(dir, root),
    perf: perfAvailable() ? await perfHttp(root, wrk, load, options, serverCmd, g) : undefined,
  };
}

/** The same server and load as {@link profileHttp}, sampled by Linux perf instead of V8's profiler. */
async function perfHttp(
  root: string,
  wrk: string,
  load: WrkLoad,
  options: NetOptions,
  serverCmd: (runner: Runner, guest: string, args: readonly string[], nodeOptions?: readonly string[]) => Command,
  g: HttpGuest,
): Promise<PerfRun> {
  const file = join(scratchDir(`perf-${g.guest}`), 'perf.data');
  const cmd = serverCmd('dialtone', g.guest, g.args('127.0.0.1:0'), ['--perf-basic-prof-only-functions']);
  const seconds = Math.max(1, load.seconds - 1);
  log(`perf: dialtone ${g.guest} under wrk (${options.warmupSeconds} s warm-up, ${seconds} s sampled)`);
  const { r, pid } = await underWrk(root, wrk, `dialtone ${g.guest} (perf)`, cmd, load, options.warmupSeconds, async (server) => {
    await sleep(500);
    await recordPerf(server.pid, seconds, file);
  });
  try {
    return {
      command: shown(root, cmd),
      load: `wrk ${wrkArgs('http://ADDR/', load).join(' ')} after a ${options.warmupSeconds} s warm-up: ${r.requestsPerSec.toFixed(0)} requests/s while sampled (perf record -F 999, ${seconds} s)`,
      split: splitPerf(file, root),
    };
  } finally {
    removePerfMap(pid);
  }
}

async function profileEcho(
  root: string,
  runners: Runners,
  options: NetOptions,
  crc: string,
  pinning: CpuPlan | undefined,
  serverCmd: (runner: Runner, guest: string, args: readonly string[], nodeOptions?: readonly string[]) => Command,
): Promise<ProfileRun> {
  const dir = scratchDir('cpuprofile-echo');
  // With N = 2 it exits by itself after the second stream, so Node writes the profile.
  const cmd = serverCmd('dialtone', 'benchecho', ['serve', '127.0.0.1:0', '2'], ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  log(`profile: dialtone benchecho streaming ${options.echoMib} MiB twice`);
  const server = await Server.start('dialtone benchecho (profiled)', cmd, root);
  let ms: number;
  try {
    await streamOnce(runners, server.addr, options.echoMib, crc, pinning?.load, root);
    ms = await streamOnce(runners, server.addr, options.echoMib, crc, pinning?.load, root);
    const exit = await Promise.race([server.exited, sleep(20_000).then(() => undefined)]);
    if (exit?.code !== 0)
      log(`profiled dialtone benchecho did not exit cleanly (${exit === undefined ? 'still running' : String(exit.code ?? exit.signal)})`);
  } finally {
    await server.stop();
  }
  return {
    what: `TCP echo: benchecho streaming ${options.echoMib} MiB, twice`,
    command: shown(root, cmd).replace(dir, 'DIR'),
    load: `${options.echoMib} MiB through the native client, twice: ${(options.echoMib / (ms / 1000)).toFixed(0)} MiB/s on the second while profiled`,
    summary: readProfile(dir, root),
  };
}

/** Logs to stderr like bench/run.ts. */
function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}
