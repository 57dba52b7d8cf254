import { SysError } from '../../internal/errno.ts';
import { ClockId } from '../constants.ts';
import { hostFunction, type HostContext, type HostFunction } from '../host-function.ts';

/** Nanoseconds since the Unix epoch (microsecond resolution on Node). */
export function realtimeNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

/** Nanoseconds on a monotonic clock. */
export function monotonicNs(): bigint {
  return process.hrtime.bigint();
}

/** Reads clock `id` in nanoseconds; EINVAL for an unknown clock. */
export function readClock(id: number): bigint {
  switch (id) {
    case ClockId.REALTIME:
      return realtimeNs();
    case ClockId.MONOTONIC:
      return monotonicNs();
    case ClockId.PROCESS_CPUTIME:
    case ClockId.THREAD_CPUTIME: {
      const u = process.cpuUsage();
      return BigInt(u.user + u.system) * 1000n;
    }
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
      ctx.memory.setU64(out as number, readClock(id as number)),
    ),
  ];
}
