import { ERRNO_NAMES, type Errno } from '../internal/errno.ts';

/**
 * The ABI edge for errors: internal {@link Errno} names → WASI preview 1
 * numbers. The WASI errno enumeration lists exactly the names of
 * `ERRNO_NAMES`, in the same order, so the number is the index.
 * https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md#errno
 */
const WASI_NUMBER: ReadonlyMap<Errno, number> = new Map(ERRNO_NAMES.map((name, i) => [name, i]));

/** The WASI errno number for an internal errno name. */
export function wasiErrno(errno: Errno): number {
  return WASI_NUMBER.get(errno) ?? 29; // EIO: unreachable, every name is mapped
}

/** The internal name for a WASI errno number (for traces). */
export function errnoName(n: number): string {
  return ERRNO_NAMES[n] ?? `errno(${n})`;
}
