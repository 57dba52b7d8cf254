import type { HostContext, HostFunction } from '../host-function.ts';
import { argsEnviron } from './args-environ.ts';
import { clock } from './clock.ts';
import { fd } from './fd.ts';
import { path } from './path.ts';
import { poll } from './poll.ts';
import { proc } from './proc.ts';
import { random } from './random.ts';
import { sock } from './sock.ts';

/** The import module name of WASI preview 1. */
export const PREVIEW1 = 'wasi_snapshot_preview1';

/** Every `wasi_snapshot_preview1` function, bound to one guest's context. */
export function preview1(ctx: HostContext): HostFunction[] {
  return [...argsEnviron(ctx), ...clock(ctx), ...fd(ctx), ...path(ctx), ...poll(ctx), ...proc(ctx), ...random(ctx), ...sock(ctx)];
}
