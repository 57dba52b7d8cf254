import { HttpParseError, HttpParser, type MessageHead, type ParserLimits, type ParserSink } from './llhttp/parser.ts';

/** What dialtone/http reads and writes: a dialtone/net `Conn`, or anything shaped like one (a TLS stream on Node). */
export interface ByteStream {
  /** Reads into `buf`: the number of bytes, or `null` at the end of the stream. */
  read(buf: Uint8Array): Promise<number | null>;
  /** Writes all of `buf`. */
  write(buf: Uint8Array): Promise<void>;
  /** Closes both directions. */
  close(): Promise<void>;
}

/** Bytes asked of the stream per read; what one read can queue as body chunks. */
const READ_SIZE = 16 * 1024;

/**
 * Reads HTTP/1.1 messages off a stream, one at a time: {@link readHead},
 * then {@link readBody} until it gives `null`, then the next head. Reading
 * is pulled: the stream is read only when the caller wants more, so at most
 * one read's worth of body waits here (backpressure reaches the peer through
 * the transport). Bytes of a next (pipelined) message stay unparsed until
 * the current one has been read to its end.
 */
export class MessageReader implements ParserSink {
  readonly #stream: ByteStream;
  #parser: HttpParser | undefined;
  readonly #kind: 'request' | 'response';
  readonly #limits: ParserLimits;
  #buf = new Uint8Array(READ_SIZE);
  /** Read but not yet parsed. */
  #pending: Uint8Array = new Uint8Array(0);
  #eof = false;
  #finished = false;
  /** The read in flight, if any (one at a time; an idle watch and a request share it). */
  #reading: Promise<void> | undefined;
  #head: MessageHead | undefined;
  #chunks: Uint8Array[] = [];
  /** The current message has ended (its last chunk may still be queued). */
  #ended = false;
  #skipBody = false;
  #failed: unknown;

  /** A reader of `kind` messages (a server reads requests, a client responses) from `stream`. */
  constructor(stream: ByteStream, kind: 'request' | 'response', limits: ParserLimits) {
    this.#stream = stream;
    this.#kind = kind;
    this.#limits = limits;
  }

  /** Whether the current message has been read to its end (nothing of it is left on the stream). */
  get messageDone(): boolean {
    return this.#ended && this.#chunks.length === 0;
  }

  /** Whether bytes have arrived that no message has claimed yet (a server's unsolicited data, to a client). */
  get hasUnparsed(): boolean {
    return this.#pending.length > 0;
  }

  /** Whether the stream has ended. */
  get eof(): boolean {
    return this.#eof;
  }

  /** Whether a message switched protocols: no more HTTP follows on this stream. */
  get upgraded(): boolean {
    return this.#parser?.upgraded ?? false;
  }

  /**
   * Waits until bytes arrive or the stream ends, without parsing them (a
   * client's watch over an idle keep-alive connection). Rejects with the
   * stream's error.
   */
  readable(): Promise<void> {
    return this.#pending.length > 0 || this.#eof ? Promise.resolve() : this.#read();
  }

  /**
   * The next message's head, or `null` when the stream ends (or switched
   * protocols) between messages. `skipBody`: the message has no body
   * whatever its headers say (a response to HEAD). Rejects with an
   * {@link HttpParseError} on a malformed message, or the stream's error.
   */
  async readHead(skipBody = false): Promise<MessageHead | null> {
    this.#skipBody = skipBody;
    this.#ended = false;
    while (this.#head === undefined) {
      if (this.upgraded) return null;
      if (this.#eof && this.#pending.length === 0) {
        this.#finish();
        if (this.#head === undefined) return null;
        break;
      }
      await this.#fill();
    }
    const head = this.#head;
    this.#head = undefined;
    return head;
  }

  /** The next piece of the current message's body, or `null` at its end. */
  async readBody(): Promise<Uint8Array | null> {
    for (;;) {
      const chunk = this.#chunks.shift();
      if (chunk !== undefined) return chunk;
      if (this.#ended) return null;
      if (this.#eof && this.#pending.length === 0) {
        this.#finish();
        if (!this.#ended) throw new HttpParseError('ERR_UNEXPECTED_EOF', 'the stream ended inside a message');
        continue;
      }
      await this.#fill();
    }
  }

  /** Releases the parser (the stream is the caller's to close). */
  free(): void {
    this.#parser?.free();
    this.#parser = undefined;
    this.#failed ??= new Error('the message reader was freed');
  }

  async #fill(): Promise<void> {
    if (this.#failed !== undefined) throw this.#failed;
    if (this.#pending.length === 0) await this.#read();
    if (this.#pending.length === 0) return; // the stream ended
    const parser = (this.#parser ??= await HttpParser.create(this.#kind, this, this.#limits));
    try {
      const taken = parser.execute(this.#pending);
      this.#pending = this.#pending.subarray(taken);
    } catch (err) {
      this.#failed = err;
      throw err;
    }
  }

  #read(): Promise<void> {
    this.#reading ??= (async () => {
      try {
        if (this.#failed !== undefined) throw this.#failed;
        const n = await this.#stream.read(this.#buf);
        if (n === null) this.#eof = true;
        else this.#pending = this.#buf.subarray(0, n);
      } catch (err) {
        this.#failed ??= err;
        throw err;
      } finally {
        this.#reading = undefined;
      }
    })();
    return this.#reading;
  }

  #finish(): void {
    if (this.#finished || this.#parser === undefined) return;
    this.#finished = true;
    try {
      this.#parser.finish();
    } catch (err) {
      this.#failed = err;
      throw err;
    }
  }

  /** @internal ParserSink. */
  head(head: MessageHead): boolean {
    this.#head = head;
    return this.#skipBody;
  }

  /** @internal ParserSink. */
  body(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
  }

  /** @internal ParserSink. */
  end(): void {
    this.#ended = true;
  }
}
