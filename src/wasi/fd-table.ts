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
  readonly #onFull: ((line: string) => void) | undefined;
  #lowestFree = 0;

  /**
   * @param max most descriptors open at once, stdio and preopens included
   *   (as `ulimit -n` counts fds 0-2); past it new ones are EMFILE.
   * @param onFull receives one line each time the cap refuses a descriptor
   *   (the trace: an EMFILE from the cap, not from the host's own limits).
   */
  constructor(max = DEFAULT_MAX_FDS, onFull?: (line: string) => void) {
    this.#max = max;
    this.#onFull = onFull;
  }

  /** The cap on open descriptors. */
  get max(): number {
    return this.#max;
  }

  /** Descriptors open now. */
  get size(): number {
    return this.#entries.size;
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

  /**
   * EMFILE when the table is full. Calls that would take a descriptor from
   * somewhere it cannot be put back (an accepted connection leaves its
   * listener's queue) check here first, so a full table refuses them as
   * accept(2) does, leaving the connection queued.
   */
  ensureRoom(): void {
    if (this.#entries.size < this.#max) return;
    const why = `${this.#entries.size} descriptors open, the cap is ${this.#max}`;
    this.#onFull?.(`limit: EMFILE: ${why} (maxOpenFiles / --max-open-files)`);
    throw new SysError('EMFILE', why);
  }

  /** Adds `d` at the lowest free fd and returns that fd (EMFILE when full). */
  add(d: Descriptor): number {
    this.ensureRoom();
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
