import type { IpEndpoint } from './endpoint.ts';
import type { Received } from './socket.ts';

/** Datagrams queued per socket before new ones are dropped (as a full kernel buffer would). */
export const MAX_QUEUED_DATAGRAMS = 1024;
/** Bytes of datagrams queued per socket before new ones are dropped. */
export const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

/**
 * A datagram socket's receive queue, bounded in count and bytes: past
 * either bound new datagrams are dropped, as a full socket buffer drops
 * them. Shared by the datagram drivers.
 */
export class DatagramQueue {
  readonly #queue: { data: Uint8Array; from: IpEndpoint }[] = [];
  #bytes = 0;

  /** Queues a datagram; false (and dropped) when the queue is full. */
  push(data: Uint8Array, from: IpEndpoint): boolean {
    if (this.#queue.length >= MAX_QUEUED_DATAGRAMS || this.#bytes + data.length > MAX_QUEUED_BYTES) return false;
    this.#queue.push({ data, from });
    this.#bytes += data.length;
    return true;
  }

  /** Whether no datagram is queued. */
  get empty(): boolean {
    return this.#queue.length === 0;
  }

  /** The size of the next datagram (0 when none). */
  get nextLength(): number {
    return this.#queue[0]?.data.length ?? 0;
  }

  /**
   * Copies the next datagram into `bufs` (`truncated` when it did not fit)
   * and, unless `peek`, removes it; undefined when none is queued.
   */
  receive(bufs: readonly Uint8Array[], peek: boolean): Received | undefined {
    const head = this.#queue[0];
    if (head === undefined) return undefined;
    let n = 0;
    for (const buf of bufs) {
      if (n >= head.data.length) break;
      const k = Math.min(buf.length, head.data.length - n);
      buf.set(head.data.subarray(n, n + k));
      n += k;
    }
    if (!peek) {
      this.#queue.shift();
      this.#bytes -= head.data.length;
    }
    return { n, truncated: n < head.data.length, from: head.from };
  }

  /** Drops everything queued. */
  clear(): void {
    this.#queue.length = 0;
    this.#bytes = 0;
  }
}
