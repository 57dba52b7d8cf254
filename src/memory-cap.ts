import { DialtoneError } from './errors.ts';

/** The size of a WebAssembly page. */
export const WASM_PAGE_BYTES = 65536;
/** Most pages a 32-bit memory can have (4 GiB). */
const MAX_PAGES_32 = 65536;

/**
 * Gives every memory a module defines a maximum of at most `maxBytes`
 * (rounded down to whole 64 KiB pages), by rewriting the limits in its
 * memory section before it is compiled. `memory.grow` past the maximum then
 * returns -1 inside the guest, which a Go guest reports as "fatal error: out
 * of memory" (exit 2); the host never sees the allocation.
 *
 * A memory already declaring a smaller maximum keeps it. A memory whose
 * initial size is above the cap cannot run: ERR_MAX_MEMORY. A module that
 * imports its memory instead is returned unchanged (dialtone provides no
 * memory import, so it fails to link anyway).
 * https://webassembly.github.io/spec/core/binary/modules.html#memory-section
 */
export function capMemory(bytes: Uint8Array, maxBytes: number, name = 'module'): Uint8Array {
  const pages = maxPages(maxBytes);
  const r = new Reader(bytes);
  r.at = 8;
  while (r.at < bytes.length) {
    const sectionStart = r.at;
    const id = r.byte();
    const size = r.leb();
    const end = r.at + size;
    if (end > bytes.length) throw malformed(name);
    if (id !== 5) {
      r.at = end;
      continue;
    }
    const count = r.leb();
    const body: number[] = [...uleb(count)];
    for (let i = 0; i < count; i++) {
      const flags = r.byte();
      // Bit 0: has a maximum; bit 1: shared; bit 2: 64-bit. Anything else
      // (custom page sizes) changes what a page is: not supported.
      if (flags & ~0x07) throw new DialtoneError('ERR_MAX_MEMORY', `${name}: memory limits flags 0x${flags.toString(16)} cannot be capped`);
      const min = r.leb();
      const max = flags & 1 ? r.leb() : undefined;
      const cap = flags & 4 ? Math.min(2 ** 48, Math.floor(maxBytes / WASM_PAGE_BYTES)) : pages;
      if (min > cap) {
        throw new DialtoneError(
          'ERR_MAX_MEMORY',
          `${name} needs ${formatBytes(min * WASM_PAGE_BYTES)} of memory to start, more than the cap of ${formatBytes(cap * WASM_PAGE_BYTES)}`,
        );
      }
      body.push(flags | 1, ...uleb(min), ...uleb(max === undefined ? cap : Math.min(max, cap)));
    }
    if (r.at !== end) throw malformed(name);
    const section = [5, ...uleb(body.length), ...body];
    const out = new Uint8Array(sectionStart + section.length + (bytes.length - end));
    out.set(bytes.subarray(0, sectionStart));
    out.set(section, sectionStart);
    out.set(bytes.subarray(end), sectionStart + section.length);
    return out;
  }
  return bytes;
}

/** A cap in bytes as 32-bit pages; ERR_MAX_MEMORY below one page. */
function maxPages(maxBytes: number): number {
  if (!(maxBytes >= WASM_PAGE_BYTES)) {
    throw new DialtoneError('ERR_MAX_MEMORY', `a memory cap of ${String(maxBytes)} bytes is below one 64 KiB WebAssembly page`);
  }
  return Math.min(MAX_PAGES_32, Math.floor(maxBytes / WASM_PAGE_BYTES));
}

/** `12 MiB`, `1.5 GiB`, `640 KiB`, or bytes. */
export function formatBytes(n: number): string {
  for (const [unit, size] of [
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const) {
    if (n >= size) return `${Number((n / size).toFixed(1))} ${unit}`;
  }
  return `${n} bytes`;
}

function malformed(name: string): DialtoneError {
  return new DialtoneError('ERR_NOT_WASM', `${name} is not a valid WebAssembly module: malformed section`);
}

/** Reads bytes and unsigned LEB128 numbers (up to 2^53) from a module. */
class Reader {
  at = 0;
  readonly #b: Uint8Array;
  constructor(b: Uint8Array) {
    this.#b = b;
  }
  byte(): number {
    const v = this.#b[this.at++];
    if (v === undefined) throw new DialtoneError('ERR_NOT_WASM', 'WebAssembly module is truncated');
    return v;
  }
  leb(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new DialtoneError('ERR_NOT_WASM', 'WebAssembly module has an over-long number');
  }
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
