/**
 * A V8 CPU profile, as the DevTools protocol's `Profiler.stop` returns it
 * and `node --cpu-prof` writes it (a `.cpuprofile` file): a call tree of
 * nodes, and the node each sample landed in.
 */
export interface CpuProfile {
  nodes: CpuProfileNode[];
  /** Microseconds (a monotonic clock). */
  startTime: number;
  endTime: number;
  /** The node id of each sample, in time order. */
  samples?: number[];
  /** Microseconds between samples (the first from `startTime`). */
  timeDeltas?: number[];
}

/** One node of a {@link CpuProfile}'s call tree: a function reached by one call path. */
export interface CpuProfileNode {
  id: number;
  callFrame: CpuProfileFrame;
  /** Samples whose innermost frame was this node. */
  hitCount?: number;
  /** Node ids of the functions this one called. */
  children?: number[];
  [extra: string]: unknown;
}

/** Which function a {@link CpuProfileNode} is. */
export interface CpuProfileFrame {
  functionName: string;
  scriptId: string;
  /** `wasm://wasm/<hash>` for wasm, `file://...` or `node:...` for JavaScript, `''` for V8's own entries. */
  url: string;
  /** 0-based; for wasm always 0. */
  lineNumber: number;
  /** 0-based; for wasm the function's byte offset in the module. */
  columnNumber: number;
}

/**
 * How to profile a guest: where the profile goes, and how often V8 samples.
 * A string is {@link CpuProfileOptions.file}.
 */
export interface CpuProfileOptions {
  /**
   * The `.cpuprofile` file to write (default, when neither this nor
   * `onProfile` is given: `dialtone-<pid>-<ms since 1970>.cpuprofile` in the
   * current directory, as `node --cpu-prof` names its own; never an
   * existing file: `-1`, `-2`, ... is added before `.cpuprofile` instead).
   */
  file?: string;
  /**
   * Receives the profile (after it is written, when `file` is also given).
   * What it throws is handled as a failure to write the profile.
   */
  onProfile?: (profile: CpuProfile) => void;
  /** Sampling interval in microseconds (default 1000, as `node --cpu-prof`'s). */
  intervalMicros?: number;
}

/**
 * The default profile file name: `dialtone-<pid>-<ms since 1970>.cpuprofile`,
 * or with `-<attempt>` before `.cpuprofile` when that file exists already
 * (two runs of one process that started in the same millisecond).
 */
export function defaultProfileFile(pid: number, now = Date.now(), attempt = 0): string {
  return `dialtone-${pid}-${now}${attempt === 0 ? '' : `-${attempt}`}.cpuprofile`;
}
