import { SysError } from '../../internal/errno.ts';
import { hostFunction, type HostContext, type HostFunction } from '../host-function.ts';
import { ProcExit } from '../proc-exit.ts';

/** `proc_exit`, `proc_raise`, `sched_yield`. */
export function proc(ctx: HostContext): HostFunction[] {
  return [
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#proc_exit
    hostFunction('proc_exit', 'rval:u32', (code) => {
      throw new ProcExit((code as number) >>> 0);
    }),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#proc_raise
    hostFunction('proc_raise', 'sig:u32', () => {
      throw new SysError('ENOSYS', 'signals are not supported');
    }),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#sched_yield
    // A yielding guest is the moment to let the event loop run if it is due.
    hostFunction('sched_yield', '', () => ctx.scheduler.maybeYield(), { suspending: true }),
  ];
}
