import { hostFunction, type HostContext, type HostFunction } from '../host-function.ts';

/** Web Crypto fills at most this many bytes per call. */
const CHUNK = 65536;

/** `random_get`. */
export function random(ctx: HostContext): HostFunction[] {
  return [
    // https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#random_get
    hostFunction('random_get', 'buf:ptr buf_len:u32', (buf, len) => {
      const bytes = ctx.memory.bytes(buf as number, len as number);
      for (let i = 0; i < bytes.length; i += CHUNK) ctx.randomFill(bytes.subarray(i, i + CHUNK));
    }),
  ];
}
