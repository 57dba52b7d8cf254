import * as fs from 'node:fs';
import { EAGAIN, SysError, toSysError } from '../../internal/errno.ts';
import { Filetype } from '../constants.ts';
import { ALWAYS_READY, Descriptor, type Filestat, type PollKind, type Readiness } from '../descriptor.ts';
import { terminalRights, type RightsPair } from '../rights.ts';
import { isTerminal } from './node-is-terminal.ts';
import { toFilestat } from './stat.ts';

// Stdio on host fds, for Node (the portable callbacks and fixed input are
// in ../stdio.ts).

/** The largest chunk the background stdin reader buffers at once. */
const STDIN_CHUNK = 64 * 1024;

function hostFiletype(fd: number): Filetype {
  try {
    return fs.fstatSync(fd).isFile() ? Filetype.REGULAR_FILE : Filetype.CHARACTER_DEVICE;
  } catch {
    return Filetype.CHARACTER_DEVICE;
  }
}

/** Blocks the thread for `ms` (used only while a host pipe is full). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * A guest stdout / stderr on a host fd. Writes are synchronous (so output
 * interleaves exactly as the guest wrote it); a full non-blocking host pipe
 * is waited out rather than reported, since guests treat stdout as a file.
 */
export class HostOutput extends Descriptor {
  readonly filetype: Filetype;
  readonly #fd: number;

  constructor(fd: number) {
    super();
    this.#fd = fd;
    this.filetype = hostFiletype(fd);
  }

  /** A terminal cannot seek: guests (wasi-libc's isatty) tell a terminal by that. */
  override possibleRights(): RightsPair {
    return isTerminal(this.#fd) ? terminalRights() : super.possibleRights();
  }

  override write(bufs: Uint8Array[]): number {
    let total = 0;
    for (const buf of bufs) {
      writeAll(this.#fd, buf);
      total += buf.length;
    }
    return total;
  }

  override stat(): Filestat {
    try {
      return toFilestat(fs.fstatSync(this.#fd, { bigint: true }));
    } catch {
      return super.stat();
    }
  }
}

function writeAll(fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(fd, buf, off, buf.length - off);
    } catch (err) {
      if ((err as { code?: string }).code === 'EAGAIN') sleepSync(1);
      else throw toSysError(err);
    }
  }
}

/**
 * A guest stdin on a host fd. A regular file is read synchronously. A
 * pipe or terminal is read in the background (started on the first read or
 * poll, one bounded chunk at a time) so that a waiting guest never blocks
 * the event loop; until data arrives the descriptor answers EAGAIN and
 * reports itself not readable to `poll_oneoff`.
 */
export class HostInput extends Descriptor {
  readonly filetype: Filetype;
  readonly #fd: number;
  #pending: Uint8Array[] = [];
  #eof = false;
  #error: SysError | undefined;
  #reading = false;
  #waiters = new Set<() => void>();

  constructor(fd: number) {
    super();
    this.#fd = fd;
    this.filetype = hostFiletype(fd);
  }

  /** A terminal cannot seek: guests (wasi-libc's isatty) tell a terminal by that. */
  override possibleRights(): RightsPair {
    return isTerminal(this.#fd) ? terminalRights() : super.possibleRights();
  }

  override read(bufs: Uint8Array[]): number {
    if (this.filetype === Filetype.REGULAR_FILE) {
      try {
        return bufs.length === 0 ? 0 : fs.readvSync(this.#fd, bufs);
      } catch (err) {
        throw toSysError(err);
      }
    }
    if (this.#pending.length === 0) {
      if (this.#error !== undefined) throw this.#error;
      if (this.#eof) return 0;
      this.#startRead();
      throw EAGAIN;
    }
    let total = 0;
    for (const buf of bufs) {
      let off = 0;
      while (off < buf.length && this.#pending.length > 0) {
        const head = this.#pending[0] as Uint8Array;
        const n = Math.min(head.length, buf.length - off);
        buf.set(head.subarray(0, n), off);
        off += n;
        if (n === head.length) this.#pending.shift();
        else this.#pending[0] = head.subarray(n);
      }
      total += off;
      if (this.#pending.length === 0) break;
    }
    return total;
  }

  override poll(kind: PollKind): Readiness {
    if (kind === 'write' || this.filetype === Filetype.REGULAR_FILE) return ALWAYS_READY;
    if (this.#pending.length > 0) return { ready: true, nbytes: this.#pending.reduce((n, b) => n + b.length, 0), hangup: false };
    if (this.#eof || this.#error) return { ready: true, nbytes: 0, hangup: true };
    this.#startRead();
    return { ready: false, nbytes: 0, hangup: false };
  }

  override onReady(_kind: PollKind, wake: () => void): () => void {
    this.#waiters.add(wake);
    return () => this.#waiters.delete(wake);
  }

  #startRead(): void {
    if (this.#reading || this.#eof) return;
    this.#reading = true;
    const buf = new Uint8Array(STDIN_CHUNK);
    fs.read(this.#fd, buf, 0, buf.length, null, (err, n) => {
      this.#reading = false;
      if (err !== null) {
        if (err.code === 'EAGAIN') {
          // A non-blocking host pipe with nothing in it: look again shortly.
          setTimeout(() => this.#startRead(), 5).unref();
          return;
        }
        this.#error = toSysError(err);
      } else if (n === 0) this.#eof = true;
      else this.#pending.push(buf.subarray(0, n));
      const waiters = [...this.#waiters];
      this.#waiters.clear();
      for (const w of waiters) w();
    });
  }
}
