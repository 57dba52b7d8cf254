import type { Conn } from '../net/conn.ts';
import { joinHostPort } from '../net/hostport.ts';
import type { Network } from '../net/network.ts';
import { Body } from './body.ts';
import { Deadline } from './deadline.ts';
import { HttpParseError, type MessageHead } from './llhttp/parser.ts';
import { MessageReader, type ByteStream } from './message-reader.ts';
import { Pool, type PooledConn } from './pool.ts';
import { LAST_CHUNK, chunk, concat, encodeHead, isToken, toBytes, toHeaders, wantsClose } from './wire.ts';

/** A request for {@link Client.do}, shaped like Go's `*http.Request` on the client side. */
export interface ClientRequest {
  /** Default `GET`. */
  method?: string;
  /** Where to send it (`http:`, or `https:` where the client has TLS). */
  url: string | URL;
  /**
   * Headers to send, on every hop of a redirect too, except that the
   * credentials (`Authorization`, `Cookie`, `Proxy-Authorization`, ...)
   * are dropped once a redirect leaves the original host or port, or goes
   * from https to http.
   */
  header?: HeadersInit;
  /**
   * The body: whole (sent with a Content-Length), or a stream of chunks
   * (sent chunked; a 307/308 redirect cannot resend it, so the redirect
   * itself is the answer, as in Go without `GetBody`), or none.
   */
  body?: Uint8Array | string | AsyncIterable<Uint8Array>;
}

/** A response, shaped like Go's `*http.Response`. */
export interface ClientResponse {
  /** `200 OK`. */
  readonly status: string;
  readonly statusCode: number;
  /** `HTTP/1.1`. */
  readonly proto: string;
  readonly header: Headers;
  /** The URL that answered (after redirects). */
  readonly url: string;
  /** Read it (or `close()` it) so the connection can be reused. */
  readonly body: Body;
}

/**
 * Makes a TLS connection over a dialled `conn` for https:
 * dialtone/http has none of its own; on Node, `dialtone/http` passes one
 * made with `node:tls`. `signal` aborts when the client's timeout passes:
 * the handshake should then stop (the client also closes `conn`, and
 * closes a stream that arrives after that).
 */
export type TlsConnect = (conn: Conn, target: { servername: string; port: number; signal?: AbortSignal }) => Promise<ByteStream>;

/** Options of a {@link Client}. */
export interface ClientOptions {
  /** Where connections are dialled (and under which policy). */
  network: Network;
  /**
   * Milliseconds a request may take until its response's head arrives,
   * each hop (redirect) afresh: waiting for a connection at
   * `maxConnsPerHost`, the dial, the TLS handshake, sending, and waiting
   * for the answer (default: none). Reading the body is not covered.
   */
  timeout?: number;
  /** Redirects followed before giving up (default 10, as Go). */
  maxRedirects?: number;
  /** Connections kept per host (default 16); idle ones are reused (keep-alive). */
  maxConnsPerHost?: number;
  /** Bytes of a response's status line and header fields (default 64 KiB); past it the request fails with `ERR_HEADER_TOO_LARGE`. */
  maxHeaderBytes?: number;
  /** Header fields in a response (default 256); past it the request fails with `ERR_TOO_MANY_HEADERS`. */
  maxHeaders?: number;
  /** How https connections get their TLS (without it, https fails with `ERR_UNSUPPORTED_PROTOCOL`). */
  tlsConnect?: TlsConnect;
}

/**
 * A client's failure, shaped like Go's `*url.Error`: `Get "URL": reason`,
 * with the cause's stable `code` (`ECONNREFUSED`, `ETIMEDOUT`, `EACCES`,
 * `ERR_TOO_MANY_REDIRECTS`, ...).
 */
export class HttpError extends Error {
  /** The method as Go words it in the message: `Get`, `Post`, ... */
  readonly op: string;
  /** The URL of the request that failed (the last hop's, after redirects). */
  readonly url: string;
  /**
   * A stable code: the cause's (`ECONNREFUSED`, `EACCES`, ...), `ETIMEDOUT`,
   * `ECONNRESET` (closed before answering), `ERR_TOO_MANY_REDIRECTS`,
   * `ERR_UNSUPPORTED_PROTOCOL`, `ERR_INVALID_METHOD`, or a malformed
   * response's (`HPE_...`, `ERR_HEADER_TOO_LARGE`, `ERR_TOO_MANY_HEADERS`).
   */
  readonly code: string;
  /** Whether a timeout passed (Go's `Timeout()`): `code` is `ETIMEDOUT`. */
  readonly timeout: boolean;

  constructor(op: string, url: string, code: string, reason: string, options?: { cause?: unknown }) {
    super(`${op} "${url}": ${reason}`, options);
    this.name = 'HttpError';
    this.op = op;
    this.url = url;
    this.code = code;
    this.timeout = code === 'ETIMEDOUT';
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Headers that carry credentials: not sent on to another host, nor from https to http (Go's shouldCopyHeaderOnRedirect). */
const SENSITIVE = ['authorization', 'proxy-authorization', 'www-authenticate', 'proxy-authenticate', 'cookie', 'cookie2'];

/** Methods a request may be retried with when a reused connection turns out closed (Go's isReplayable). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Methods that carry a body, so that an empty one is sent as Content-Length: 0. */
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Whether credentials sent to `from` may follow a redirect to `to`: the
 * same host or a subdomain of it (as Go), on the same port (or from
 * http's default port to https's), and no downgrade from https to http.
 */
export function credentialsFollow(from: URL, to: URL): boolean {
  if (from.protocol === 'https:' && to.protocol !== 'https:') return false;
  const upgrade = from.protocol === 'http:' && to.protocol === 'https:' && from.port === '' && to.port === '';
  if (portOf(from) !== portOf(to) && !upgrade) return false;
  const host = from.hostname.toLowerCase();
  const dest = to.hostname.toLowerCase();
  return dest === host || (dest.endsWith(`.${host}`) && !host.startsWith('[') && !/^[\d.]+$/.test(host));
}

function portOf(url: URL): string {
  return url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
}

/** The cause's code and words, for an {@link HttpError}. */
function causeOf(err: unknown): { code: string; reason: string } {
  const e = err as { code?: unknown; message?: unknown } | null | undefined;
  return { code: typeof e?.code === 'string' ? e.code : 'EIO', reason: typeof e?.message === 'string' ? e.message : String(err) };
}

/**
 * An HTTP/1.1 client over a dialtone {@link Network}: Go's `http.Client`,
 * with a keep-alive pool per host, chunked bodies, redirects and a timeout.
 * It speaks HTTP itself (llhttp parses the responses), so it runs wherever
 * the network does: Node sockets, a relay (from a page too, where no CORS
 * applies: the relay's policy does), the in-memory network.
 *
 * @see https://pkg.go.dev/net/http#Client
 */
export class Client {
  readonly #options: ClientOptions;
  readonly #pool: Pool;

  /** A client dialling through `options.network`. */
  constructor(options: ClientOptions) {
    this.#options = options;
    this.#pool = new Pool(options.maxConnsPerHost ?? 16);
  }

  /** Sends `req`, following redirects: Go's `Client.Do`. */
  async do(req: ClientRequest): Promise<ClientResponse> {
    let method = (req.method ?? 'GET').toUpperCase();
    let url = new URL(req.url);
    let body = req.body;
    const op = method.charAt(0) + method.slice(1).toLowerCase();
    if (!isToken(method)) throw new HttpError(op, url.href, 'ERR_INVALID_METHOD', `invalid method ${JSON.stringify(req.method)}`);
    const max = this.#options.maxRedirects ?? 10;
    const original = url;
    let credentials = true;
    for (let hops = 0; ; hops++) {
      const header = new Headers(req.header);
      if (!credentials) for (const name of SENSITIVE) header.delete(name);
      const res = await this.#once(op, method, url, header, body);
      const location = res.header.get('location');
      if (!REDIRECTS.has(res.statusCode) || location === null) return res;
      const repeats = res.statusCode >= 307 || method === 'HEAD';
      // A streamed body cannot be sent again: the redirect is the answer.
      if (repeats && body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) return res;
      res.body.close();
      if (hops >= max) throw new HttpError(op, url.href, 'ERR_TOO_MANY_REDIRECTS', `stopped after ${max} redirects`);
      const next = new URL(location, url);
      // Once dropped, credentials stay dropped (a redirect back does not restore them).
      credentials &&= credentialsFollow(original, next) && credentialsFollow(url, next);
      url = next;
      // Go: 301/302/303 turn a non-HEAD request into GET without a body; 307/308 repeat it.
      if (!repeats) {
        method = 'GET';
        body = undefined;
      }
    }
  }

  /** GET `url`: Go's `Client.Get`. */
  get(url: string | URL): Promise<ClientResponse> {
    return this.do({ url });
  }

  /** POST `body` with `contentType` to `url`: Go's `Client.Post`. */
  post(url: string | URL, contentType: string, body: Uint8Array | string | AsyncIterable<Uint8Array>): Promise<ClientResponse> {
    return this.do({ method: 'POST', url, header: { 'content-type': contentType }, body });
  }

  /**
   * Closes the idle keep-alive connections (Go's `CloseIdleConnections`);
   * requests in flight go on, and the client stays usable.
   */
  closeIdleConnections(): void {
    this.#pool.closeIdle();
  }

  async #once(op: string, method: string, url: URL, header: Headers, body: ClientRequest['body']): Promise<ClientResponse> {
    const fail = (code: string, reason: string, cause?: unknown): HttpError => new HttpError(op, url.href, code, reason, { cause });
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw fail('ERR_UNSUPPORTED_PROTOCOL', `unsupported protocol scheme "${url.protocol.slice(0, -1)}"`);
    }
    const secure = url.protocol === 'https:';
    const tlsConnect = this.#options.tlsConnect;
    if (secure && tlsConnect === undefined) {
      throw fail('ERR_UNSUPPORTED_PROTOCOL', 'https needs TLS, which this client was not given (ClientOptions.tlsConnect)');
    }
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = Number(portOf(url));
    const key = `${url.protocol}//${joinHostPort(host, String(port))}`;
    const deadline = new Deadline(this.#options.timeout);
    const dial = async (): Promise<PooledConn> => {
      const conn = await this.#options.network.dial('tcp', joinHostPort(host, String(port)), {
        timeout: deadline.remaining(),
        signal: deadline.signal,
      });
      let stream: ByteStream = conn;
      if (secure && tlsConnect !== undefined) {
        try {
          // Raced too, for a tlsConnect that does not heed the signal.
          stream = await deadline.race(tlsConnect(conn, { servername: host, port, signal: deadline.signal }), (late) => {
            late.close().catch(() => {});
          });
        } catch (err) {
          await conn.close().catch(() => {});
          throw err;
        }
      }
      const reader = new MessageReader(stream, 'response', {
        maxHeaderBytes: this.#options.maxHeaderBytes ?? 64 * 1024,
        maxHeaders: this.#options.maxHeaders ?? 256,
      });
      return { key, stream, reader, reused: false };
    };

    const bytes = body === undefined || typeof body === 'string' || body instanceof Uint8Array ? toBytes(body ?? '') : undefined;
    if (!header.has('host')) header.set('host', url.host);
    header.delete('transfer-encoding');
    if (bytes === undefined) {
      header.delete('content-length');
      header.set('transfer-encoding', 'chunked');
    } else if (bytes.length > 0 || WITH_BODY.has(method)) header.set('content-length', String(bytes.length));
    else header.delete('content-length');
    const head = encodeHead(`${method} ${url.pathname || '/'}${url.search} HTTP/1.1`, header);
    const closeAfter = wantsClose(header);

    // Go words it "context deadline exceeded (Client.Timeout exceeded while awaiting headers)".
    const timeout = (cause?: unknown): HttpError => fail('ETIMEDOUT', 'timeout awaiting response headers', cause);
    try {
      for (let attempt = 0; ; attempt++) {
        let pc: PooledConn;
        try {
          pc = await this.#pool.acquire(key, dial, deadline.signal);
        } catch (err) {
          if (deadline.expired) throw timeout(err);
          const { code, reason } = causeOf(err);
          throw fail(code, reason, err);
        }
        if (deadline.expired) {
          // It came as the time ran out: nobody will use it.
          this.#pool.discard(pc);
          throw timeout();
        }
        const conn = pc;
        deadline.onExpire(() => void conn.stream.close().catch(() => {}));
        let written = false;
        /** A reused connection the server had closed: send again on a new one, when that is safe (Go's shouldRetryRequest). */
        const retry = (err?: unknown): boolean =>
          pc.reused &&
          attempt === 0 &&
          bytes !== undefined &&
          !deadline.expired &&
          !(err instanceof HttpParseError) &&
          (IDEMPOTENT.has(method) || !written);
        let responseHead: MessageHead | null;
        try {
          if (bytes !== undefined) {
            await pc.stream.write(bytes.length > 0 && bytes.length <= 64 * 1024 ? concat(head, bytes) : head);
            if (bytes.length > 64 * 1024) await pc.stream.write(bytes);
          } else {
            await pc.stream.write(head);
            for await (const piece of body as AsyncIterable<Uint8Array>) {
              if (piece.length > 0) for (const part of chunk(piece)) await pc.stream.write(part);
            }
            await pc.stream.write(LAST_CHUNK);
          }
          written = true;
          // Informational answers (100 Continue, 103 Early Hints) come before the response.
          do responseHead = await pc.reader.readHead(method === 'HEAD');
          while (
            responseHead !== null &&
            responseHead.statusCode >= 100 &&
            responseHead.statusCode < 200 &&
            responseHead.statusCode !== 101
          );
        } catch (err) {
          deadline.onExpire(undefined);
          this.#pool.discard(pc);
          if (deadline.expired) throw timeout(err);
          if (retry(err)) continue;
          const { code, reason } = causeOf(err);
          throw fail(code, reason, err);
        }
        deadline.onExpire(undefined);
        if (responseHead === null) {
          this.#pool.discard(pc);
          if (deadline.expired) throw timeout();
          if (retry()) continue;
          throw fail('ECONNRESET', 'EOF: the server closed the connection without answering');
        }
        if (deadline.expired) {
          // The head came, but the timer had already closed the connection under it.
          this.#pool.discard(pc);
          throw timeout();
        }
        return this.#response(pc, responseHead, url, closeAfter);
      }
    } finally {
      deadline.clear();
    }
  }

  #response(pc: PooledConn, head: MessageHead, url: URL, closeAfter: boolean): ClientResponse {
    const header = toHeaders(head.headers); // llhttp let through only fields a Headers takes
    let settled = false;
    const settle = (reusable: boolean): void => {
      if (settled) return;
      settled = true;
      if (reusable && head.keepAlive && !closeAfter && !head.upgrade && !pc.reader.hasUnparsed) this.#pool.release(pc);
      else this.#pool.discard(pc);
    };
    const reader = pc.reader;
    let source: AsyncIterable<Uint8Array>;
    if (reader.messageDone) {
      // The whole (empty) body is here: the connection is free before anyone reads it.
      settle(true);
      source = (async function* () {})();
    } else {
      source = (async function* () {
        try {
          for (let c = await reader.readBody(); c !== null; c = await reader.readBody()) yield c;
          settle(true);
        } finally {
          settle(false); // a failure, or a reader that stopped early
        }
      })();
    }
    return {
      status: `${head.statusCode} ${head.statusText}`.trim(),
      statusCode: head.statusCode,
      proto: `HTTP/${head.versionMajor}.${head.versionMinor}`,
      header,
      url: url.href,
      body: new Body(source, () => settle(reader.messageDone)),
    };
  }
}
