import type { Conn } from '../net/conn.ts';
import type { Listener } from '../net/listener.ts';
import { Body } from './body.ts';
import { HttpParseError, type MessageHead } from './llhttp/parser.ts';
import { MessageReader } from './message-reader.ts';
import { statusText } from './status.ts';
import { LAST_CHUNK, chunk, concat, encodeHead, latin1Bytes, toBytes, toHeaders, wantsClose } from './wire.ts';

/** An incoming request, shaped like Go's `*http.Request` on the server side. */
export interface ServerRequest {
  readonly method: string;
  /** The request target as sent (`/path?query`). */
  readonly url: string;
  /** `HTTP/1.1` or `HTTP/1.0`. */
  readonly proto: string;
  readonly host: string;
  readonly header: Headers;
  /** The peer, `ip:port` (`[ip]:port` for IPv6). */
  readonly remoteAddr: string;
  /** The request body (empty for none), read once. */
  readonly body: Body;
}

/**
 * What a handler answers with, shaped like Go's `http.ResponseWriter`: set
 * headers, then `writeHeader(status)` (or let the first `write` send 200),
 * then stream the body with `write`. Returning from the handler ends the
 * response. Without a Content-Length the body is sent chunked (to an
 * HTTP/1.0 client: unframed, and the connection closes after it).
 */
export interface ResponseWriter {
  /** The headers to send; changes after the header is written have no effect. */
  header(): Headers;
  /**
   * Sets the status (once; later calls are ignored, as in Go). The head goes
   * out with the first write, or at the end. A 1xx status other than 101
   * (`103` Early Hints, `100` Continue) is informational, as in Go: it is
   * sent at once with the headers set so far (not Content-Length nor
   * Transfer-Encoding), and the final status comes later; it is not sent
   * to an HTTP/1.0 client (RFC 9110 §15.2), nor after the final status.
   * Throws a `RangeError` for a code outside 100-999.
   */
  writeHeader(status: number): void;
  /**
   * Writes body bytes (text as UTF-8); resolves when the connection has
   * taken them. Rejects with `ERR_CONTENT_LENGTH` past a declared
   * Content-Length, `ERR_BODY_NOT_ALLOWED` after a 204 or 304.
   */
  write(chunk: Uint8Array | string): Promise<void>;
}

/** A request handler, Go's `http.HandlerFunc`. */
export type Handler = (w: ResponseWriter, r: ServerRequest) => void | Promise<void>;

/** Options of {@link serve}. */
export interface ServeOptions {
  /** Called with a handler's error (the response is then ended, 500 if nothing was sent). Default: ignored. */
  onError?: (err: unknown) => void;
  /**
   * Milliseconds a keep-alive connection may wait for its next request's
   * head (default 5000); also how long the rest of a body the handler left
   * unread may take to arrive before the connection is closed instead.
   */
  keepAliveTimeout?: number;
  /** Milliseconds a new connection may take to send its first request's head (default 60000, Node's `headersTimeout`). */
  headersTimeout?: number;
  /**
   * Milliseconds from a request's first byte (on a new connection: from
   * its start) to the end of its body (Go's `ReadTimeout`; default: none).
   * Past it, reading fails (the handler's body read with `ETIMEDOUT`) and
   * the connection closes after the response.
   */
  readTimeout?: number;
  /** Bytes of a request line and header fields (default 64 KiB); past it the answer is 431 and the connection closes. */
  maxHeaderBytes?: number;
  /** Header fields in a request (default 256); past it the answer is 431. */
  maxHeaders?: number;
}

/** The longest pause between failed accepts (Go's). */
const MAX_ACCEPT_DELAY = 1000;

/** What is read of a request body the handler left unread, so the connection can carry the next request (Go's maxPostHandlerReadBytes). */
const MAX_DRAIN = 256 * 1024;

/**
 * Serves HTTP/1.1 on `listener` (any dialtone driver: Node sockets, the
 * in-memory network, a relay listener, ...) until the listener closes: Go's
 * `http.Serve`. Requests on one connection are answered in order
 * (keep-alive, pipelining); llhttp parses them. Accept errors marked
 * `temporary` are retried with Go's backoff (5 ms doubling to 1 s); another
 * rejects. When serve ends, the connections it accepted are closed.
 *
 * @see https://pkg.go.dev/net/http#Serve
 */
export async function serve(listener: Listener, handler: Handler, options: ServeOptions = {}): Promise<void> {
  const conns = new Set<Conn>();
  try {
    for (let delay = 0; ;) {
      let conn: Conn;
      try {
        conn = await listener.accept();
      } catch (err) {
        const e = err as { code?: unknown; temporary?: unknown } | null | undefined;
        if (e?.code === 'ERR_NET_CLOSED') return; // the listener closed
        if (e?.temporary !== true) throw err;
        // Go's http.Server.Serve: back off 5 ms, doubling, up to 1 s, and retry.
        delay = delay === 0 ? 5 : Math.min(delay * 2, MAX_ACCEPT_DELAY);
        await new Promise((resolve) => setTimeout(resolve, delay));
        continue;
      }
      delay = 0;
      conns.add(conn);
      serveConn(conn, handler, options)
        .catch(() => {}) // a connection's failure ends that connection only
        .finally(() => {
          conns.delete(conn);
          conn.close().catch(() => {});
        });
    }
  } finally {
    for (const conn of conns) conn.close().catch(() => {});
    conns.clear();
  }
}

/** Answers the requests of one connection, in order, until it closes or one of them ends it. */
async function serveConn(conn: Conn, handler: Handler, options: ServeOptions): Promise<void> {
  const reader = new MessageReader(conn, 'request', {
    maxHeaderBytes: options.maxHeaderBytes ?? 64 * 1024,
    maxHeaders: options.maxHeaders ?? 256,
  });
  try {
    for (let first = true; ; first = false) {
      const wait = first ? (options.headersTimeout ?? 60_000) : (options.keepAliveTimeout ?? 5000);
      const timer = setTimeout(() => conn.close().catch(() => {}), wait);
      let head: MessageHead | null;
      try {
        if (options.readTimeout !== undefined) {
          // Go's ReadTimeout: from a request's first byte (the idle wait before it is keepAliveTimeout's) to its body's end.
          if (!first) await reader.readable();
          conn.setReadDeadline(Date.now() + options.readTimeout);
        }
        head = await reader.readHead();
      } catch (err) {
        if (err instanceof HttpParseError) await refuse(conn, TOO_LARGE.has(err.code) ? 431 : 400);
        return;
      } finally {
        clearTimeout(timer);
      }
      if (head === null) return;
      // llhttp also reads HTTP/0.9 (and RTSP, ICE) requests: this server speaks HTTP/1.x only.
      if (head.versionMajor !== 1) return refuse(conn, 505);
      const badHost = hostProblem(head);
      if (badHost !== undefined) return refuse(conn, 400, badHost);
      if (!(await exchange(conn, reader, head, handler, options))) return;
    }
  } finally {
    reader.free();
  }
}

/** Parse errors of a header over the limits (answered 431). */
const TOO_LARGE = new Set(['ERR_HEADER_TOO_LARGE', 'ERR_TOO_MANY_HEADERS']);

/**
 * What is wrong with a request's Host fields, as Go words it, if anything:
 * an HTTP/1.1 request must have exactly one (RFC 9112 §3.2; an empty one
 * will do).
 */
function hostProblem(head: MessageHead): string | undefined {
  const hosts = head.headers.filter(([name]) => name.toLowerCase() === 'host').length;
  if (hosts > 1) return 'too many Host headers';
  if (hosts === 0 && head.versionMinor >= 1 && head.method !== 'CONNECT') return 'missing required Host header';
  return undefined;
}

/**
 * Answers a request that cannot be served (400 malformed, 431 over the
 * limits, 505 not HTTP/1.x), as Go does, before closing; `why` follows the
 * status in the body (`400 Bad Request: missing required Host header`).
 */
async function refuse(conn: Conn, status: number, why?: string): Promise<void> {
  const line = `${status} ${statusText(status)}`;
  const text = why === undefined ? line : `${line}: ${why}`;
  const msg = `HTTP/1.1 ${line}\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\ncontent-length: ${text.length}\r\n\r\n${text}`;
  await conn.write(latin1Bytes(msg)).catch(() => {});
}

/** One request and its response; resolves with whether the connection may carry another. */
async function exchange(conn: Conn, reader: MessageReader, head: MessageHead, handler: Handler, options: ServeOptions): Promise<boolean> {
  let header: Headers;
  try {
    header = toHeaders(head.headers);
  } catch {
    await refuse(conn, 400); // a field a Headers refuses: malformed
    return false;
  }
  const http10 = head.versionMajor === 1 && head.versionMinor === 0;
  let keepAlive = head.keepAlive && !head.upgrade;
  const isHead = head.method === 'HEAD';

  // The request body; a client that sent Expect: 100-continue gets its 100 when the handler first reads.
  const expectContinue = !http10 && (header.get('expect') ?? '').toLowerCase() === '100-continue';
  let status = 0;
  /** Whether the final head went out: after it, a 100 Continue would land inside the response. */
  let headSent = false;
  let continued = false;
  const source = (async function* () {
    if (expectContinue && !continued && !headSent && !reader.messageDone) {
      continued = true;
      await conn.write(latin1Bytes('HTTP/1.1 100 Continue\r\n\r\n'));
    }
    for (let c = await reader.readBody(); c !== null; c = await reader.readBody()) yield c;
  })();
  const r: ServerRequest = {
    method: head.method,
    url: head.url,
    proto: `HTTP/${head.versionMajor}.${head.versionMinor}`,
    host: header.get('host') ?? '',
    header,
    remoteAddr: conn.remoteAddr.toString(),
    body: new Body(source, () => {}),
  };

  // The response.
  const out = new Headers();
  let chunked = false;
  let remaining: number | undefined; // of a declared Content-Length
  let noBody = isHead;
  /** The informational (1xx) heads sent so far: what comes next is written after them (Conn writes keep their order). */
  let informed: Promise<void> = Promise.resolve();
  const writeHeader = (code: number): void => {
    if (status !== 0) return;
    if (!Number.isInteger(code) || code < 100 || code > 999) throw new RangeError(`invalid WriteHeader code ${code}`);
    if (code < 200 && code !== 101) {
      // Go: informational, sent at once with the headers so far; the handler goes on to its final status.
      if (code === 100) continued = true; // no automatic one after it
      if (http10) return; // RFC 9110 §15.2: never to an HTTP/1.0 client
      const fields = new Headers(out);
      fields.delete('content-length');
      fields.delete('transfer-encoding');
      const sent = conn.write(encodeHead(`HTTP/1.1 ${code} ${statusText(code)}`.trimEnd(), fields));
      informed = informed.then(() => sent);
      sent.catch(() => {}); // the next write (or the end) reports it
      return;
    }
    status = code;
  };
  /** The head, framed for a body of `bodyLength` bytes when known (the handler ended without writing). */
  const startHead = (bodyLength?: number): Uint8Array => {
    headSent = true;
    const bodiless = status < 200 || status === 204 || status === 304;
    if (!out.has('date')) out.set('date', new Date().toUTCString());
    if (bodiless) {
      noBody = true;
      out.delete('content-length');
      out.delete('transfer-encoding');
    } else if (out.has('content-length')) {
      const n = Number(out.get('content-length'));
      if (!/^\d+$/.test(out.get('content-length') ?? '') || !Number.isSafeInteger(n)) {
        out.delete('content-length');
        keepAlive = false;
      } else remaining = n;
      out.delete('transfer-encoding');
    } else if (bodyLength !== undefined) {
      if (!isHead) out.set('content-length', String(bodyLength));
      remaining = bodyLength;
    } else if (http10)
      keepAlive = false; // no chunking for 1.0: the end of the stream ends the body
    else {
      out.set('transfer-encoding', 'chunked');
      chunked = true;
    }
    if (wantsClose(out)) keepAlive = false;
    if (!keepAlive) out.set('connection', 'close');
    else if (http10) out.set('connection', 'keep-alive');
    return encodeHead(`HTTP/1.1 ${status} ${statusText(status)}`.trimEnd(), out);
  };
  const w: ResponseWriter = {
    header: () => out,
    writeHeader,
    write: async (data) => {
      writeHeader(200);
      await informed;
      const bytes = toBytes(data);
      const prefix = headSent ? undefined : startHead();
      if (noBody && !isHead && bytes.length > 0) {
        if (prefix !== undefined) await conn.write(prefix);
        throw Object.assign(new Error(`http: request method or response status code does not allow body`), {
          code: 'ERR_BODY_NOT_ALLOWED',
        });
      }
      let parts: Uint8Array[];
      if (noBody || bytes.length === 0) parts = [];
      else if (remaining !== undefined) {
        if (bytes.length > remaining) {
          keepAlive = false;
          throw Object.assign(new Error('http: wrote more than the declared Content-Length'), { code: 'ERR_CONTENT_LENGTH' });
        }
        remaining -= bytes.length;
        parts = [bytes];
      } else parts = chunked ? chunk(bytes) : [bytes];
      if (prefix !== undefined)
        parts =
          parts.length > 0 && (parts[0] as Uint8Array).length <= 64 * 1024
            ? [concat(prefix, parts[0] as Uint8Array), ...parts.slice(1)]
            : [prefix, ...parts];
      for (const part of parts) await conn.write(part);
    },
  };

  try {
    await handler(w, r);
    writeHeader(200);
    await informed;
    if (!headSent) await conn.write(startHead(0));
    else if (chunked && !noBody) await conn.write(LAST_CHUNK);
    if (remaining !== undefined && remaining > 0 && !noBody) return false; // short of its Content-Length: the client sees the stream end
  } catch (err) {
    try {
      options.onError?.(err);
    } catch {
      // The error hook's own failure has nowhere to go.
    }
    if (headSent) return false; // part of a response went out: only closing tells the client it is cut short
    status = 0;
    for (const name of [...out.keys()]) out.delete(name);
    writeHeader(500);
    keepAlive = false;
    await conn.write(startHead(0)).catch(() => {});
    return false;
  }
  if (!keepAlive || reader.upgraded) return false;
  // What the handler left of the request body is read and dropped, up to a
  // bound in bytes (Go's) and in time (keepAliveTimeout, as the wait for a
  // next request; readTimeout's deadline still holds), so that the next request can follow.
  if (!reader.messageDone) {
    if (expectContinue && !continued) return false; // the client may never send it
    const timer = setTimeout(() => conn.close().catch(() => {}), options.keepAliveTimeout ?? 5000);
    let drained = 0;
    try {
      for (let c = await reader.readBody(); c !== null; c = await reader.readBody()) {
        drained += c.length;
        if (drained > MAX_DRAIN) return false;
      }
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
  return true;
}
