import { hostFunction, type HostContext, type HostFunction } from '../host-function.ts';

/** Writes a list of NUL-terminated strings as a pointer array plus one buffer. */
function writeList(ctx: HostContext, list: readonly Uint8Array[], ptrs: number, buf: number): void {
  const m = ctx.memory;
  const total = list.reduce((n, s) => n + s.length, 0);
  m.check(ptrs, list.length * 4);
  m.check(buf, total);
  let at = buf >>> 0;
  for (let i = 0; i < list.length; i++) {
    const s = list[i] as Uint8Array;
    m.setU32(ptrs + i * 4, at);
    m.write(at, s);
    at += s.length;
  }
}

function writeSizes(ctx: HostContext, list: readonly Uint8Array[], countPtr: number, sizePtr: number): void {
  ctx.memory.setU32(countPtr, list.length);
  ctx.memory.setU32(
    sizePtr,
    list.reduce((n, s) => n + s.length, 0),
  );
}

/** `args_*` and `environ_*`. */
export function argsEnviron(ctx: HostContext): HostFunction[] {
  return [
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#args_get
    hostFunction('args_get', 'argv:ptr argv_buf:ptr', (argv, buf) => writeList(ctx, ctx.args, argv as number, buf as number)),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#args_sizes_get
    hostFunction('args_sizes_get', 'argc:ptr argv_buf_size:ptr', (c, s) => writeSizes(ctx, ctx.args, c as number, s as number)),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#environ_get
    hostFunction('environ_get', 'environ:ptr environ_buf:ptr', (e, buf) => writeList(ctx, ctx.env, e as number, buf as number)),
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#environ_sizes_get
    hostFunction('environ_sizes_get', 'count:ptr size:ptr', (c, s) => writeSizes(ctx, ctx.env, c as number, s as number)),
  ];
}
