import * as http from 'node:http';
import * as https from 'node:https';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { joinHostPort } from '../net/hostport.ts';
import type { Network } from '../net/network.ts';
import { Body } from './body.ts';
import { ConnStream } from './conn-stream.ts';
import { groupHeaders, toHeaders } from './headers.ts';

/** A request for {@link Client.do}, shaped like Go's `*http.Request` on the client side. */
export interface ClientRequest {
  /** Default `GET`. */
  method?: string;
  /** Where to send it (`http:` or `https:`). */
  url: string | URL;
  /**
   * Headers to send, on every hop of a redirect too, except that the
   * credentials (`Authorization`, `Cookie`, `Proxy-Authorization`, ...)
   * are dropped once a redirect leaves the original host or port, or goes
   * from https to http.
   */
  header?: HeadersInit;
  /** The whole body (sent with a Content-Length), or none. */
  body?: Uint8Array | string;
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

/** Options of a {@link Client}. */
export interface ClientOptions {
  /** Where connections are dialled (and under which policy). */
  network: Network;
  /** Milliseconds from sending a request until its response headers arrive, each hop (default: none). */
  timeout?: number;
  /** Redirects followed before giving up (default 10, as Go). */
  maxRedirects?: number;
  /** Connections kept per host (default 16); idle ones are reused (keep-alive). */
  maxConnsPerHost?: number;
  /** Extra TLS options for https (e.g. `ca` for a private CA). */
  tls?: tls.ConnectionOptions;
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
  /** A stable code: the cause's (`ECONNREFUSED`, `EACCES`, ...), `ETIMEDOUT`, or `ERR_TOO_MANY_REDIRECTS`, `ERR_UNSUPPORTED_PROTOCOL`. */
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

/**
 * An HTTP/1.1 client over a dialtone {@link Network}: Go's `http.Client`,
 * with a keep-alive pool per host, chunked bodies, redirects and a timeout.
 * The protocol is Node's own (`node:http`, `node:tls` for https) over each
 * dialled `Conn`, so it works on every driver: Node sockets, a relay, the
 * in-memory network.
 *
 * @see https://pkg.go.dev/net/http#Client
 */
export class Client {
  readonly #options: ClientOptions;
  readonly #http: http.Agent;
  readonly #https: https.Agent;

  constructor(options: ClientOptions) {
    this.#options = options;
    const dial = (host: string, port: number): Promise<ConnStream> =>
      options.network.dial('tcp', joinHostPort(host, String(port)), { timeout: options.timeout }).then((c) => new ConnStream(c));
    const maxSockets = options.maxConnsPerHost ?? 16;
    this.#http = withDialer(new http.Agent({ keepAlive: true, maxSockets }), (o, done) => {
      dial(o.host, o.port).then((s) => done(null, s), done);
    });
    this.#https = withDialer(new https.Agent({ keepAlive: true, maxSockets }), (o, done) => {
      dial(o.host, o.port).then((s) => {
        const secure = tls.connect({ ...options.tls, socket: s, servername: o.servername ?? o.host, ALPNProtocols: ['http/1.1'] });
        done(null, secure);
      }, done);
    });
  }

  /** Sends `req`, following redirects: Go's `Client.Do`. */
  async do(req: ClientRequest): Promise<ClientResponse> {
    let method = (req.method ?? 'GET').toUpperCase();
    let url = new URL(req.url);
    let body = req.body;
    const op = method.charAt(0) + method.slice(1).toLowerCase();
    const max = this.#options.maxRedirects ?? 10;
    const original = url;
    let credentials = true;
    for (let hops = 0; ; hops++) {
      const header = new Headers(req.header);
      if (!credentials) for (const name of SENSITIVE) header.delete(name);
      const res = await this.#once(op, method, url, header, body);
      const location = res.header.get('location');
      if (!REDIRECTS.has(res.statusCode) || location === null) return res;
      res.body.close();
      if (hops >= max) throw new HttpError(op, url.href, 'ERR_TOO_MANY_REDIRECTS', `stopped after ${max} redirects`);
      const next = new URL(location, url);
      // Once dropped, credentials stay dropped (a redirect back does not restore them).
      credentials &&= credentialsFollow(original, next) && credentialsFollow(url, next);
      url = next;
      // Go: 301/302/303 turn a non-HEAD request into GET without a body; 307/308 repeat it.
      if (res.statusCode <= 303 && method !== 'HEAD') {
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
  post(url: string | URL, contentType: string, body: Uint8Array | string): Promise<ClientResponse> {
    return this.do({ method: 'POST', url, header: { 'content-type': contentType }, body });
  }

  /**
   * Closes the idle keep-alive connections (Go's `CloseIdleConnections`);
   * requests in flight go on, and the client stays usable.
   */
  closeIdleConnections(): void {
    for (const agent of [this.#http, this.#https]) {
      for (const sockets of Object.values(agent.freeSockets)) {
        for (const socket of [...(sockets ?? [])]) socket.destroy();
      }
    }
  }

  #once(op: string, method: string, url: URL, header: Headers, body: Uint8Array | string | undefined): Promise<ClientResponse> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return Promise.reject(
        new HttpError(op, url.href, 'ERR_UNSUPPORTED_PROTOCOL', `unsupported protocol scheme "${url.protocol.slice(0, -1)}"`),
      );
    }
    const secure = url.protocol === 'https:';
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    if (bytes !== undefined) header.set('content-length', String(bytes.length));
    return new Promise((resolve, reject) => {
      const request = (secure ? https : http).request(url, {
        method,
        agent: secure ? this.#https : this.#http,
        headers: Object.fromEntries(groupHeaders(header)),
      });
      // Our own timer, from the request to its response headers (Node's request timeout is an idle timer on the socket).
      const ms = this.#options.timeout;
      const timer =
        ms === undefined
          ? undefined
          : setTimeout(() => request.destroy(new HttpError(op, url.href, 'ETIMEDOUT', 'timeout awaiting response headers')), ms);
      request.on('close', () => clearTimeout(timer));
      request.on('error', (err: Error & { code?: string }) => {
        reject(err instanceof HttpError ? err : new HttpError(op, url.href, err.code ?? 'EIO', err.message, { cause: err }));
      });
      request.on('response', (res) => {
        clearTimeout(timer);
        resolve({
          status: `${res.statusCode ?? 0} ${res.statusMessage ?? ''}`.trim(),
          statusCode: res.statusCode ?? 0,
          proto: `HTTP/${res.httpVersion}`,
          header: toHeaders(res.headers),
          url: url.href,
          body: new Body(res),
        });
      });
      request.end(bytes);
    });
  }
}

type Dialer = (options: { host: string; port: number; servername?: string }, done: (err: Error | null, stream?: Duplex) => void) => void;

/** `agent` with its connections made by `dial` (Node's Agent takes an asynchronous createConnection through its callback). */
function withDialer<A extends http.Agent>(agent: A, dial: Dialer): A {
  (
    agent as unknown as {
      createConnection: (
        o: { host?: string; port?: number | string; servername?: string },
        cb: (err: Error | null, s?: Duplex) => void,
      ) => undefined;
    }
  ).createConnection = (o, cb) => {
    dial({ host: o.host ?? 'localhost', port: Number(o.port ?? 80), servername: o.servername }, cb);
    return undefined;
  };
  return agent;
}
