import { EBADF, SysError } from '../internal/errno.ts';
import type { Descriptor } from './descriptor.ts';
import { checkRights } from './rights.ts';

/** Default cap on open descriptors per guest (EMFILE past it). */
export const DEFAULT_MAX_FDS = 4096;

/**
 * The guest's one fd table: stdio, preopens, files, directories and sockets
 * all live here, so `fd_read`, `fd_close` and `poll_oneoff` treat them alike.
 * New descriptors take the lowest free number, as POSIX does.
 */
export class FdTable {
  readonly #entries = new Map<number, Descriptor>();
  readonly #max: number;
  #lowestFree = 0;

  constructor(max = DEFAULT_MAX_FDS) {
    this.#max = max;
  }

  /**
   * The descriptor at `fd`, or EBADF. With `needed` (a mask of `Rights`),
   * also checks that the fd holds those rights (see `checkRights`): host
   * functions name the rights they need here, and nowhere else.
   */
  get(fd: number, needed = 0n): Descriptor {
    const d = this.#entries.get(fd);
    if (d === undefined) throw EBADF;
    if (needed !== 0n) checkRights(d, needed);
    return d;
  }

  /** The descriptor at `fd`, or undefined. */
  peek(fd: number): Descriptor | undefined {
    return this.#entries.get(fd);
  }

  /** Adds `d` at the lowest free fd and returns that fd (EMFILE when full). */
  add(d: Descriptor): number {
    if (this.#entries.size >= this.#max) throw new SysError('EMFILE', `more than ${this.#max} open descriptors`);
    let fd = this.#lowestFree;
    while (this.#entries.has(fd)) fd++;
    this.#entries.set(fd, d);
    this.#lowestFree = fd + 1;
    return fd;
  }

  /**
   * Adds a freshly opened descriptor; when the table is full, closes it
   * (nothing is leaked) and rethrows EMFILE.
   */
  adopt(d: Descriptor): number {
    try {
      return this.add(d);
    } catch (err) {
      d.close();
      throw err;
    }
  }

  /** Closes and removes `fd`. */
  close(fd: number): void {
    const d = this.get(fd);
    this.#entries.delete(fd);
    if (fd < this.#lowestFree) this.#lowestFree = fd;
    d.close();
  }

  /** `fd_renumber`: moves `from` onto `to`, closing what `to` held. */
  renumber(from: number, to: number): void {
    const d = this.get(from);
    const old = this.get(to);
    if (from === to) return;
    this.#entries.set(to, d);
    this.#entries.delete(from);
    if (from < this.#lowestFree) this.#lowestFree = from;
    old.close();
  }

  /** Closes everything (guest exit). Errors from individual closes are ignored. */
  closeAll(): void {
    for (const d of this.#entries.values()) {
      try {
        d.close();
      } catch {
        // already gone; nothing the guest can observe any more
      }
    }
    this.#entries.clear();
    this.#lowestFree = 0;
  }
}
