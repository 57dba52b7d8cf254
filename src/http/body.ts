import type { Readable } from 'node:stream';

/**
 * A message body, read once: as a stream (`for await` of byte chunks) or
 * whole (`bytes()`, `text()`), as Go's `io.ReadCloser`. Reading it again
 * (or after `close()`) throws a `TypeError` with `code` `ERR_BODY_USED`.
 */
export class Body implements AsyncIterable<Uint8Array> {
  readonly #source: Readable;
  #used = false;

  /** Wraps Node's incoming message stream. */
  constructor(source: Readable) {
    this.#source = source;
  }

  #take(): Readable {
    if (this.#used) throw Object.assign(new TypeError('the body was already read'), { code: 'ERR_BODY_USED' });
    this.#used = true;
    return this.#source;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for await (const chunk of this.#take()) yield chunk as Uint8Array;
  }

  /** The whole body. */
  async bytes(): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    let n = 0;
    for await (const c of this) {
      chunks.push(c);
      n += c.length;
    }
    const out = new Uint8Array(n);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }

  /** The whole body as UTF-8 text. */
  async text(): Promise<string> {
    return new TextDecoder().decode(await this.bytes());
  }

  /** Discards the rest (so a keep-alive connection can be reused). */
  close(): void {
    if (!this.#used) {
      this.#used = true;
      this.#source.resume();
    }
  }
}
