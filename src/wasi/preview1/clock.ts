import { SysError } from '../../internal/errno.ts';
import type { Clocks } from '../../platform/platform.ts';
import { ClockId } from '../constants.ts';
import { hostFunction, type HostContext, type HostFunction } from '../host-function.ts';

/** Nanoseconds since the Unix epoch from `performance` (microsecond resolution on Node; coarser in browsers). */
export function performanceRealtimeNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

/** Nanoseconds on `performance.now()`'s monotonic clock. */
export function performanceMonotonicNs(): bigint {
  return BigInt(Math.round(performance.now() * 1e6));
}

/** Reads clock `id` in nanoseconds; EINVAL for an unknown clock. */
export function readClock(clocks: Clocks, id: number): bigint {
  switch (id) {
    case ClockId.REALTIME:
      return clocks.realtimeNs();
    case ClockId.MONOTONIC:
      return clocks.monotonicNs();
    case ClockId.PROCESS_CPUTIME:
    case ClockId.THREAD_CPUTIME:
      return clocks.cpuTimeNs();
    default:
      throw new SysError('EINVAL', `unknown clock ${id}`);
  }
}

function resolution(id: number): bigint {
  switch (id) {
    case ClockId.REALTIME:
    case ClockId.PROCESS_CPUTIME:
    case ClockId.THREAD_CPUTIME:
      return 1000n;
    case ClockId.MONOTONIC:
      return 1n;
    default:
      throw new SysError('EINVAL', `unknown clock ${id}`);
  }
}

/** `clock_res_get`, `clock_time_get`. */
export function clock(ctx: HostContext): HostFunction[] {
  return [
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#clock_res_get
    hostFunction('clock_res_get', 'id:u32 resolution:ptr', (id, out) => ctx.memory.setU64(out as number, resolution(id as number))),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#clock_time_get
    hostFunction('clock_time_get', 'id:u32 precision:u64 time:ptr', (id, _precision, out) =>
      ctx.memory.setU64(out as number, readClock(ctx.clocks, id as number)),
    ),
  ];
}
