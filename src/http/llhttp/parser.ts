// A binding to llhttp, Node's own HTTP/1.1 parser, compiled to WebAssembly
// (the build that ships in undici, vendored in ./llhttp-wasm.ts). The module
// exports llhttp's C API (llhttp_alloc, llhttp_execute, ...) and calls back
// into its `env` imports (wasm_on_url, wasm_on_header_field, ...) with the
// parser's pointer and spans of the input; this file turns those calls into a
// message head, body chunks and an end, for one connection at a time.
//
// llhttp buffers nothing: every span it reports points into the bytes being
// executed. What accumulates is the head (URL or status, header names and
// values), and that is bounded here (maxHeaderBytes, maxHeaders); bodies are
// handed on as they come.
//
// @see https://github.com/nodejs/llhttp#api
import { LLHTTP_WASM_BASE64 } from './llhttp-wasm.ts';

/** llhttp's `llhttp_type_t`. */
const TYPE = { request: 1, response: 2 } as const;

/** llhttp's `llhttp_errno_t` values this file acts on. */
const HPE = { OK: 0, PAUSED: 21, PAUSED_UPGRADE: 22 } as const;

/** What on_headers_complete returns to say "this message has no body" (a response to HEAD). */
const SKIP_BODY = 1;
/** What a callback returns to fail the parse (llhttp then reports an error; the reason is ours). */
const FAIL = -1;

/** llhttp's exports that this binding calls. */
interface LlhttpExports {
  readonly memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(ptr: number): void;
  llhttp_alloc(type: number): number;
  llhttp_free(parser: number): void;
  llhttp_execute(parser: number, data: number, len: number): number;
  llhttp_finish(parser: number): number;
  llhttp_resume(parser: number): void;
  llhttp_get_error_reason(parser: number): number;
  llhttp_get_error_pos(parser: number): number;
  llhttp_get_method(parser: number): number;
  llhttp_get_http_major(parser: number): number;
  llhttp_get_http_minor(parser: number): number;
  llhttp_method_name(method: number): number;
  llhttp_errno_name(errno: number): number;
}

/** The head of a message, as parsed. */
export interface MessageHead {
  /** The request method (`GET`); empty in a response. */
  readonly method: string;
  /** The request target as sent (`/path?q`); empty in a response. */
  readonly url: string;
  /** The response status (`200`); 0 in a request. */
  readonly statusCode: number;
  /** The response's reason phrase (`OK`); empty in a request. */
  readonly statusText: string;
  readonly versionMajor: number;
  readonly versionMinor: number;
  /** The header fields in order, names as sent. */
  readonly headers: readonly (readonly [string, string])[];
  /** Whether the connection may carry another message after this one (llhttp's `llhttp_should_keep_alive`). */
  readonly keepAlive: boolean;
  /** Whether the message asks to switch protocols (Upgrade, CONNECT): what follows it is not HTTP. */
  readonly upgrade: boolean;
}

/** Where a parser delivers a message, in order: `head`, `body` zero or more times, `end`. */
export interface ParserSink {
  /** The head is complete; return `true` when the message has no body whatever its headers say (a response to HEAD). */
  head(head: MessageHead): boolean;
  /** A piece of the body (a copy: it stays valid). */
  body(chunk: Uint8Array): void;
  /** The message is complete. */
  end(): void;
}

/** Bounds on what a parser accumulates. */
export interface ParserLimits {
  /** Bytes of the request line or status line plus all header names and values. */
  readonly maxHeaderBytes: number;
  /** Header fields in one message (trailers included). */
  readonly maxHeaders: number;
}

/**
 * A message that is not HTTP/1.1 as llhttp (strict: no lenient flags) reads
 * it, or one past a limit. `code` is llhttp's error name (`HPE_INVALID_CHUNK_SIZE`,
 * `HPE_UNEXPECTED_CONTENT_LENGTH`, ...) or `ERR_HEADER_TOO_LARGE`, `ERR_TOO_MANY_HEADERS`.
 */
export class HttpParseError extends Error {
  /** A stable code, as above. */
  readonly code: string;

  constructor(code: string, reason: string) {
    super(`malformed HTTP message: ${reason} (${code})`);
    this.name = 'HttpParseError';
    this.code = code;
  }
}

/** Decodes base64 with what every platform has (`atob`). */
function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Bytes as a string of the same code units (header fields are octets: Go and `Headers` keep them so). */
function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

/** One llhttp instance, shared by every parser of this page or process (its callbacks find their parser by pointer). */
class Llhttp {
  readonly exports: LlhttpExports;
  readonly parsers = new Map<number, HttpParser>();
  /** The input buffer in the module's memory, grown as needed. */
  #buf = 0;
  #bufSize = 0;
  readonly #methods = new Map<number, string>();

  constructor(instance: WebAssembly.Instance) {
    this.exports = instance.exports as unknown as LlhttpExports;
  }

  /** The imports llhttp calls: each finds its parser and hands on the span. */
  static imports(self: () => Llhttp): WebAssembly.Imports {
    const at = (p: number): HttpParser => {
      const parser = self().parsers.get(p);
      if (parser === undefined) throw new Error(`llhttp called back for an unknown parser ${p}`);
      return parser;
    };
    const span = (ptr: number, len: number): Uint8Array => new Uint8Array(self().exports.memory.buffer, ptr, len);
    return {
      env: {
        wasm_on_message_begin: (p: number) => at(p).onMessageBegin(),
        wasm_on_url: (p: number, ptr: number, len: number) => at(p).onUrl(span(ptr, len)),
        wasm_on_status: (p: number, ptr: number, len: number) => at(p).onStatus(span(ptr, len)),
        wasm_on_header_field: (p: number, ptr: number, len: number) => at(p).onHeaderField(span(ptr, len)),
        wasm_on_header_value: (p: number, ptr: number, len: number) => at(p).onHeaderValue(span(ptr, len)),
        wasm_on_headers_complete: (p: number, status: number, upgrade: number, keepAlive: number) =>
          at(p).onHeadersComplete(status, upgrade === 1, keepAlive === 1),
        wasm_on_body: (p: number, ptr: number, len: number) => at(p).onBody(span(ptr, len)),
        wasm_on_message_complete: (p: number) => at(p).onMessageComplete(),
      },
    };
  }

  /** Copies `data` into the module's memory; returns where. */
  input(data: Uint8Array): number {
    if (data.length > this.#bufSize) {
      if (this.#buf !== 0) this.exports.free(this.#buf);
      this.#bufSize = Math.ceil(data.length / 4096) * 4096;
      this.#buf = this.exports.malloc(this.#bufSize);
      if (this.#buf === 0) throw new Error('llhttp: out of memory');
    }
    new Uint8Array(this.exports.memory.buffer, this.#buf, data.length).set(data);
    return this.#buf;
  }

  /** A NUL-terminated string in the module's memory. */
  cString(ptr: number): string {
    if (ptr === 0) return '';
    const mem = new Uint8Array(this.exports.memory.buffer);
    let end = ptr;
    while (end < mem.length && mem[end] !== 0) end++;
    return latin1(mem.subarray(ptr, end));
  }

  methodName(method: number): string {
    let name = this.#methods.get(method);
    if (name === undefined) {
      name = this.cString(this.exports.llhttp_method_name(method));
      this.#methods.set(method, name);
    }
    return name;
  }
}

let loading: Promise<Llhttp> | undefined;

/**
 * Compiles and instantiates llhttp, once (asynchronously: browsers refuse to
 * compile modules over 4 KiB synchronously on the main thread).
 */
function llhttp(): Promise<Llhttp> {
  loading ??= (async () => {
    // The imports find the instance through this, once it exists (llhttp calls back only from execute).
    const made: { ll?: Llhttp } = {};
    const { instance } = await WebAssembly.instantiate(
      decodeBase64(LLHTTP_WASM_BASE64),
      Llhttp.imports(() => made.ll as Llhttp),
    );
    (instance.exports as { _initialize?: () => void })._initialize?.();
    made.ll = new Llhttp(instance);
    return made.ll;
  })();
  return loading;
}

/**
 * An HTTP/1.1 request or response parser for one connection. Feed it bytes
 * with {@link execute}; it pauses after each complete message, so that
 * pipelined messages are handled one at a time: {@link execute} then returns
 * how many bytes it took, and the rest is fed again once the message is
 * dealt with.
 */
export class HttpParser {
  readonly #ll: Llhttp;
  readonly #ptr: number;
  readonly #sink: ParserSink;
  readonly #limits: ParserLimits;
  readonly #kind: 'request' | 'response';
  #freed = false;
  // The head being parsed.
  #url = '';
  #status = '';
  #headers: [string, string][] = [];
  #field = '';
  #value = '';
  #inValue = false;
  #headerBytes = 0;
  #inHead = false;
  /** Our own reason for failing a callback. */
  #failure: HttpParseError | undefined;
  /** Set when the last execute stopped after a message's end; the next resumes. */
  #paused = false;
  /** Set once a message asked to switch protocols: llhttp parses nothing after it. */
  #upgraded = false;

  private constructor(ll: Llhttp, kind: 'request' | 'response', sink: ParserSink, limits: ParserLimits) {
    this.#ll = ll;
    this.#sink = sink;
    this.#limits = limits;
    this.#kind = kind;
    this.#ptr = ll.exports.llhttp_alloc(TYPE[kind]);
    if (this.#ptr === 0) throw new Error('llhttp: out of memory');
    ll.parsers.set(this.#ptr, this);
  }

  /** A parser of requests (a server's) or responses (a client's) delivering to `sink`. */
  static async create(kind: 'request' | 'response', sink: ParserSink, limits: ParserLimits): Promise<HttpParser> {
    return new HttpParser(await llhttp(), kind, sink, limits);
  }

  /** Whether a message switched protocols (Upgrade, CONNECT): the connection carries no more HTTP. */
  get upgraded(): boolean {
    return this.#upgraded;
  }

  /** Whether a head has begun and not yet completed. */
  get inHead(): boolean {
    return this.#inHead;
  }

  /**
   * Parses `data`, calling the sink. Returns the number of bytes taken: all
   * of them, or fewer when a message ended inside `data` (the rest belongs
   * to the next message: pass it again), or none after a protocol switch. Throws an {@link HttpParseError}
   * on a malformed message or one past the limits; the parser is then done.
   */
  execute(data: Uint8Array): number {
    this.#check();
    if (this.#upgraded) return 0;
    const ex = this.#ll.exports;
    if (this.#paused) {
      ex.llhttp_resume(this.#ptr);
      this.#paused = false;
    }
    if (data.length === 0) return 0;
    const at = this.#ll.input(data);
    const ret = ex.llhttp_execute(this.#ptr, at, data.length);
    if (ret === HPE.OK) return data.length;
    const taken = ex.llhttp_get_error_pos(this.#ptr) - at;
    if (ret === HPE.PAUSED) {
      this.#paused = true;
      return taken;
    }
    if (ret === HPE.PAUSED_UPGRADE) return taken;
    throw this.#error(ret);
  }

  /** The peer ended the stream: completes a body that runs to the end, or throws when a message was cut short. */
  finish(): void {
    this.#check();
    if (this.#upgraded) return;
    const ex = this.#ll.exports;
    if (this.#paused) {
      ex.llhttp_resume(this.#ptr);
      this.#paused = false;
    }
    const ret = ex.llhttp_finish(this.#ptr);
    if (ret !== HPE.OK && ret !== HPE.PAUSED) throw this.#error(ret);
  }

  /** Releases the parser's memory; it cannot be used after. */
  free(): void {
    if (this.#freed) return;
    this.#freed = true;
    this.#ll.parsers.delete(this.#ptr);
    this.#ll.exports.llhttp_free(this.#ptr);
  }

  #check(): void {
    if (this.#freed) throw new Error('the HTTP parser was freed');
  }

  #error(ret: number): HttpParseError {
    // A callback of ours failed it (llhttp reports HPE_USER, or HPE_CB_* for the callbacks it names).
    if (this.#failure !== undefined) return this.#failure;
    const name = this.#ll.cString(this.#ll.exports.llhttp_errno_name(ret)) || `HPE_${ret}`;
    return new HttpParseError(name, this.#ll.cString(this.#ll.exports.llhttp_get_error_reason(this.#ptr)) || name);
  }

  #fail(code: string, reason: string): number {
    this.#failure = new HttpParseError(code, reason);
    return FAIL;
  }

  /** Counts head bytes against the limit; false (and the failure set) past it. */
  #count(n: number): boolean {
    this.#headerBytes += n;
    if (this.#headerBytes <= this.#limits.maxHeaderBytes) return true;
    this.#fail('ERR_HEADER_TOO_LARGE', `the header is over ${this.#limits.maxHeaderBytes} bytes`);
    return false;
  }

  #flushField(): boolean {
    if (!this.#inValue) return true;
    if (this.#headers.length >= this.#limits.maxHeaders) {
      this.#fail('ERR_TOO_MANY_HEADERS', `more than ${this.#limits.maxHeaders} header fields`);
      return false;
    }
    this.#headers.push([this.#field, this.#value]);
    this.#field = '';
    this.#value = '';
    this.#inValue = false;
    return true;
  }

  /** @internal llhttp callback. */
  onMessageBegin(): number {
    this.#url = '';
    this.#status = '';
    this.#headers = [];
    this.#field = '';
    this.#value = '';
    this.#inValue = false;
    this.#headerBytes = 0;
    this.#inHead = true;
    return 0;
  }

  /** @internal llhttp callback (the span may come in pieces). */
  onUrl(span: Uint8Array): number {
    if (!this.#count(span.length)) return FAIL;
    this.#url += latin1(span);
    return 0;
  }

  /** @internal llhttp callback. */
  onStatus(span: Uint8Array): number {
    if (!this.#count(span.length)) return FAIL;
    this.#status += latin1(span);
    return 0;
  }

  /** @internal llhttp callback: a piece of a name; the first piece after a value starts the next field. */
  onHeaderField(span: Uint8Array): number {
    if (!this.#count(span.length) || !this.#flushField()) return FAIL;
    this.#field += latin1(span);
    return 0;
  }

  /** @internal llhttp callback. */
  onHeaderValue(span: Uint8Array): number {
    if (!this.#count(span.length)) return FAIL;
    this.#inValue = true;
    this.#value += latin1(span);
    return 0;
  }

  /** @internal llhttp callback. */
  onHeadersComplete(statusCode: number, upgrade: boolean, keepAlive: boolean): number {
    if (!this.#flushField()) return FAIL;
    const ex = this.#ll.exports;
    const request = this.#kind === 'request';
    this.#inHead = false;
    const head: MessageHead = {
      method: request ? this.#ll.methodName(ex.llhttp_get_method(this.#ptr)) : '',
      url: this.#url,
      statusCode,
      statusText: this.#status,
      versionMajor: ex.llhttp_get_http_major(this.#ptr),
      versionMinor: ex.llhttp_get_http_minor(this.#ptr),
      headers: this.#headers,
      keepAlive,
      upgrade,
    };
    this.#headers = [];
    // llhttp parses nothing after a protocol switch; the connection is done with HTTP after this message.
    if (upgrade) this.#upgraded = true;
    try {
      return this.#sink.head(head) ? SKIP_BODY : 0;
    } catch (err) {
      return this.#fail('ERR_HTTP_SINK', err instanceof Error ? err.message : String(err));
    }
  }

  /** @internal llhttp callback. */
  onBody(span: Uint8Array): number {
    this.#sink.body(span.slice());
    return 0;
  }

  /** @internal llhttp callback: trailers were counted into the head's limits; the message ends here, and parsing pauses. */
  onMessageComplete(): number {
    // Trailer fields (after a chunked body) are bounded like headers, and dropped.
    this.#inValue = false;
    this.#inHead = false;
    this.#sink.end();
    return HPE.PAUSED;
  }
}
