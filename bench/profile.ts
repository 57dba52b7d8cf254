// Summarises a V8 CPU profile (the .cpuprofile JSON `node --cpu-prof`
// writes) as self time per function and per kind of code.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

/** The parts of a .cpuprofile this summary reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  /** Microseconds before each sample (the first is from startTime). */
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Kinds of code a sample can be in. */
export const CODE_KINDS = [
  'guest wasm',
  'dialtone',
  'Node.js internals',
  'garbage collector',
  'V8 / native (program)',
  'other JS',
  'idle',
] as const;
/** One of {@link CODE_KINDS}. */
export type CodeKind = (typeof CODE_KINDS)[number];

/** Self time of one function. */
export interface FunctionCost {
  /** `name (file:line)`, the file relative to the repository. */
  name: string;
  kind: CodeKind;
  selfMs: number;
}

/** A profile's self time by function and by kind of code. */
export interface ProfileSummary {
  /** Profiled wall time, ms. */
  totalMs: number;
  /** Wall time not idle, ms. */
  busyMs: number;
  byKind: Record<CodeKind, number>;
  /** The costliest functions, idle excluded, most expensive first. */
  top: FunctionCost[];
}

function kindOf(url: string, name: string): CodeKind {
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'garbage collector';
  if (name === '(program)' || name === '(root)') return 'V8 / native (program)';
  if (url.startsWith('wasm://')) return 'guest wasm';
  if (url.includes('/dist/') || url.includes('/src/') || url.includes('/bin/')) return 'dialtone';
  if (url.startsWith('node:') || url === '') return 'Node.js internals';
  return 'other JS';
}

/** Reads and summarises the profile at `path`, naming files relative to `root`; keeps the `topN` costliest functions. */
export function summariseProfile(path: string, root: string, topN = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  // timeDeltas[i + 1] is how long the sampled stack samples[i] lasted.
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  }
  const byKind = Object.fromEntries(CODE_KINDS.map((k) => [k, 0])) as Record<CodeKind, number>;
  const byFunction = new Map<string, FunctionCost>();
  for (const [id, us] of selfUs) {
    const frame = nodes.get(id)?.callFrame;
    if (frame === undefined) continue;
    const kind = kindOf(frame.url, frame.functionName);
    const ms = us / 1000;
    byKind[kind] += ms;
    if (kind === 'idle') continue;
    const file = frame.url.startsWith('file://') ? relative(root, new URL(frame.url).pathname) : frame.url;
    const where = kind === 'guest wasm' ? '' : file === '' ? '' : ` (${file}:${frame.lineNumber + 1})`;
    const name = `${frame.functionName || '(anonymous)'}${where}`;
    const cost = byFunction.get(name) ?? { name, kind, selfMs: 0 };
    cost.selfMs += ms;
    byFunction.set(name, cost);
  }
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  return {
    totalMs,
    busyMs: totalMs - byKind.idle,
    byKind,
    top: [...byFunction.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, topN),
  };
}
