import * as fs from 'node:fs';
import { EAGAIN, SysError, toSysError } from '../../internal/errno.ts';
import type { Filetype } from '../constants.ts';
import { Descriptor, type Filestat, type PollKind, type Readiness } from '../descriptor.ts';
import { terminalRights, type RightsPair } from '../rights.ts';
import { isTerminal } from './node-is-terminal.ts';
import { fdFilestat } from './stat.ts';

/** Largest read done while probing for readiness. */
const PROBE_CHUNK = 64 * 1024;
/** Readiness re-check interval: starts here, doubles while nothing happens, up to MAX. */
const MIN_DELAY_MS = 1;
const MAX_DELAY_MS = 16;

/**
 * A non-seekable host file opened by path: a FIFO or a character device.
 * The host fd is opened O_NONBLOCK, so no read or write can block Node's
 * thread; I/O is positionless (read(2)/write(2), never pread), EAGAIN goes
 * back to the guest (or through `untilReady` when the guest left the fd
 * blocking). Node cannot poll(2) an arbitrary fd, so readiness is found by
 * retrying on a short, backing-off timer while someone waits; a read probe
 * keeps what it read for the next `read`.
 */
export class NodeStream extends Descriptor {
  readonly filetype: Filetype;
  readonly #fd: number;
  #closed = false;
  #pending: Uint8Array | undefined;
  #error: SysError | undefined;
  #writeBlocked = false;
  readonly #waiters = { read: new Set<() => void>(), write: new Set<() => void>() };
  #timer: NodeJS.Timeout | undefined;
  #delay = MIN_DELAY_MS;

  constructor(hostFd: number, filetype: Filetype, fdflags: number) {
    super();
    this.#fd = hostFd;
    this.filetype = filetype;
    this.fdflags = fdflags;
  }

  override read(bufs: Uint8Array[]): number {
    if (this.#error !== undefined) {
      const err = this.#error;
      this.#error = undefined;
      throw err;
    }
    if (this.#pending !== undefined) return this.#takePending(bufs);
    if (bufs.length === 0) return 0;
    try {
      return fs.readvSync(this.#fd, bufs);
    } catch (err) {
      throw isEagain(err) ? EAGAIN : toSysError(err);
    }
  }

  #takePending(bufs: Uint8Array[]): number {
    let src = this.#pending as Uint8Array;
    let total = 0;
    for (const b of bufs) {
      const n = Math.min(b.length, src.length);
      b.set(src.subarray(0, n));
      src = src.subarray(n);
      total += n;
      if (src.length === 0) break;
    }
    this.#pending = src.length > 0 ? src : undefined;
    return total;
  }

  override write(bufs: Uint8Array[]): number {
    if (bufs.length === 0) return 0;
    try {
      const n = fs.writevSync(this.#fd, bufs);
      this.#writeBlocked = false;
      return n;
    } catch (err) {
      if (!isEagain(err)) throw toSysError(err);
      this.#writeBlocked = true;
      throw EAGAIN;
    }
  }

  override stat(): Filestat {
    return fdFilestat(this.#fd);
  }

  /** A terminal (/dev/tty) cannot seek: guests (wasi-libc's isatty) tell a terminal by that. */
  override possibleRights(): RightsPair {
    return isTerminal(this.#fd) ? terminalRights() : super.possibleRights();
  }

  override poll(kind: PollKind): Readiness {
    if (kind === 'write') return { ready: !this.#writeBlocked, nbytes: 0, hangup: false };
    if (this.#pending !== undefined) return { ready: true, nbytes: this.#pending.length, hangup: false };
    if (this.#error !== undefined) return { ready: true, nbytes: 0, hangup: false, error: this.#error.errno };
    // Probe with a real read; keep what it returns for the next fd_read.
    const buf = new Uint8Array(PROBE_CHUNK);
    try {
      const n = fs.readSync(this.#fd, buf, 0, buf.length, null);
      if (n === 0) return { ready: true, nbytes: 0, hangup: true }; // no writer (FIFO) or end of device
      this.#pending = buf.subarray(0, n);
      return { ready: true, nbytes: n, hangup: false };
    } catch (err) {
      if (isEagain(err)) return { ready: false, nbytes: 0, hangup: false };
      this.#error = toSysError(err);
      return { ready: true, nbytes: 0, hangup: false, error: this.#error.errno };
    }
  }

  override onReady(kind: PollKind, wake: () => void): () => void {
    this.#waiters[kind].add(wake);
    this.#arm();
    return () => this.#waiters[kind].delete(wake);
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const woke = this.#waiters.read.size > 0 && this.poll('read').ready && this.#wake('read');
      // A blocked writer cannot be probed without writing: let it retry (backing off).
      if (this.#waiters.write.size > 0) {
        this.#writeBlocked = false;
        this.#wake('write');
      }
      this.#delay = woke ? MIN_DELAY_MS : Math.min(this.#delay * 2, MAX_DELAY_MS);
      if (this.#waiters.read.size > 0 || this.#waiters.write.size > 0) this.#arm();
    }, this.#delay);
  }

  #wake(kind: PollKind): boolean {
    const ws = [...this.#waiters[kind]];
    this.#waiters[kind].clear();
    for (const w of ws) w();
    return ws.length > 0;
  }

  override close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    fs.closeSync(this.#fd);
  }
}

function isEagain(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK';
}
