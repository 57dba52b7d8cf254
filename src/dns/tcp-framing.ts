/**
 * DNS over TCP frames each message with a 2-byte big-endian length
 * (RFC 1035 §4.2.2, RFC 7766). These helpers split a byte stream into
 * messages and frame responses.
 */
import { DnsFormatError, TCP_MAX_SIZE } from './wire.ts';

/** Prefixes `message` with its 2-byte length. @throws {RangeError} if it is longer than 65535 bytes. */
export function encodeTcpFrame(message: Uint8Array): Uint8Array {
  if (message.length > TCP_MAX_SIZE) throw new RangeError(`a DNS message of ${message.length} bytes does not fit a TCP frame`);
  const out = new Uint8Array(2 + message.length);
  out[0] = message.length >> 8;
  out[1] = message.length & 0xff;
  out.set(message, 2);
  return out;
}

/**
 * Splits a TCP byte stream into DNS messages, whatever the chunking. It holds
 * at most one incomplete frame (2 + `maxMessageSize` bytes); a frame that
 * announces more than `maxMessageSize` is an error, after which the decoder
 * refuses further input (the connection should be closed).
 */
export class DnsTcpDecoder {
  readonly #max: number;
  /** The length prefix read so far (0-2 bytes). */
  readonly #prefix = new Uint8Array(2);
  #prefixLength = 0;
  /** The body of the current frame, once its length is known. */
  #body: Uint8Array | undefined;
  #bodyLength = 0;
  #failed = false;

  /** @param maxMessageSize largest message accepted, 0-65535 (default 65535). */
  constructor(maxMessageSize: number = TCP_MAX_SIZE) {
    if (!Number.isInteger(maxMessageSize) || maxMessageSize < 0 || maxMessageSize > TCP_MAX_SIZE) {
      throw new RangeError(`maxMessageSize must be an integer in 0..${TCP_MAX_SIZE}, got ${maxMessageSize}`);
    }
    this.#max = maxMessageSize;
  }

  /** Bytes held for a frame not yet complete. */
  get buffered(): number {
    return this.#prefixLength + this.#bodyLength;
  }

  /**
   * Takes the next bytes of the stream and returns the messages they
   * complete (copies: `chunk` may be reused afterwards), in order.
   *
   * @throws {DnsFormatError} when a frame announces more than the limit,
   * and on every call after that.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.#failed) throw new DnsFormatError('TCP stream already failed');
    const out: Uint8Array[] = [];
    let off = 0;
    while (off < chunk.length) {
      if (this.#body === undefined) {
        // Fast path: a whole frame at the start of what is left.
        if (this.#prefixLength === 0 && chunk.length - off >= 2) {
          const len = (chunk[off]! << 8) | chunk[off + 1]!;
          this.#check(len);
          if (chunk.length - off - 2 >= len) {
            out.push(chunk.slice(off + 2, off + 2 + len));
            off += 2 + len;
            continue;
          }
        }
        this.#prefix[this.#prefixLength++] = chunk[off++]!;
        if (this.#prefixLength < 2) continue;
        const len = (this.#prefix[0]! << 8) | this.#prefix[1]!;
        this.#check(len);
        this.#body = new Uint8Array(len);
        this.#bodyLength = 0;
      }
      const take = Math.min(this.#body.length - this.#bodyLength, chunk.length - off);
      this.#body.set(chunk.subarray(off, off + take), this.#bodyLength);
      this.#bodyLength += take;
      off += take;
      if (this.#bodyLength === this.#body.length) {
        out.push(this.#body);
        this.#body = undefined;
        this.#bodyLength = 0;
        this.#prefixLength = 0;
      }
    }
    return out;
  }

  #check(len: number): void {
    if (len > this.#max) {
      this.#failed = true;
      throw new DnsFormatError(`TCP frame of ${len} bytes exceeds the ${this.#max}-byte limit`);
    }
  }
}
