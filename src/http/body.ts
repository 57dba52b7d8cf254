/**
 * A message body, read once: as a stream (`for await` of byte chunks) or
 * whole (`bytes()`, `text()`), as Go's `io.ReadCloser`. Reading it again
 * (or after `close()`) throws a `TypeError` with `code` `ERR_BODY_USED`.
 */
export class Body implements AsyncIterable<Uint8Array> {
  readonly #source: AsyncIterable<Uint8Array>;
  readonly #discard: (() => void) | undefined;
  #used = false;

  /**
   * A body read from `source`. `discard` is what `close()` does with a
   * body nobody read (dialtone/http's own bodies release or close their
   * connection); without it, `close()` reads the rest and drops it.
   */
  constructor(source: AsyncIterable<Uint8Array>, discard?: () => void) {
    this.#source = source;
    this.#discard = discard;
  }

  #take(): AsyncIterable<Uint8Array> {
    if (this.#used) throw Object.assign(new TypeError('the body was already read'), { code: 'ERR_BODY_USED' });
    this.#used = true;
    return this.#source;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for await (const chunk of this.#take()) yield chunk;
  }

  /** The whole body. */
  async bytes(): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    let n = 0;
    for await (const c of this) {
      chunks.push(c);
      n += c.length;
    }
    if (chunks.length === 1) return chunks[0] as Uint8Array;
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

  /**
   * Done with the body: the rest is not wanted. A response's connection
   * goes back to the pool if the body had already arrived whole, and is
   * closed otherwise (as Go's `Body.Close`).
   */
  close(): void {
    if (this.#used) return;
    this.#used = true;
    if (this.#discard !== undefined) {
      this.#discard();
      return;
    }
    void (async () => {
      try {
        for await (const _ of this.#source);
      } catch {
        // Nobody is reading: a failure of the rest has nowhere to go.
      }
    })();
  }
}
