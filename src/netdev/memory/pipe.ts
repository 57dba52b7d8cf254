import { copyOut } from '../buffers.ts';

/** Bytes one direction of a memory stream holds unread before the writer gets EAGAIN. */
export const STREAM_BUFFER = 256 * 1024;

/**
 * One direction of a memory stream connection: the bytes one end has sent
 * and the other has not yet read — the writer's send buffer and the
 * reader's receive buffer in one, bounded by {@link capacity}. Bytes are
 * copied in, so no caller's buffer is kept.
 */
export class Pipe {
  readonly #chunks: Uint8Array[] = [];
  #bytes = 0;
  /** Bytes queued past which the writer is refused (EAGAIN). */
  readonly capacity: number;
  /** The writer will send nothing more (FIN: shutdown(write), close, or a reset). */
  fin = false;
  /** The reader shut down reading: bytes written are dropped (and do not fill the pipe). */
  dropping = false;
  /** The reader closed: a write draws a reset, as TCP answers data for a closed socket. */
  readerClosed = false;

  constructor(capacity = STREAM_BUFFER) {
    this.capacity = capacity;
  }

  /** Bytes queued, unread. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Bytes that can be written before the pipe is full (may be negative after a `whole` write). */
  get room(): number {
    return this.capacity - this.#bytes;
  }

  /** Queues a chunk (already a copy) unless the reader is not reading. */
  push(chunk: Uint8Array): void {
    if (this.dropping || this.readerClosed || chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
  }

  /** Copies queued bytes into `bufs` and, unless `peek`, consumes them; returns the count. */
  read(bufs: readonly Uint8Array[], peek: boolean): number {
    const n = copyOut(this.#chunks, bufs, !peek);
    if (!peek) this.#bytes -= n;
    return n;
  }

  /** Drops everything queued. */
  clear(): void {
    this.#chunks.length = 0;
    this.#bytes = 0;
  }
}
