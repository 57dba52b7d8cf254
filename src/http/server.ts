import * as http from 'node:http';
import type { Listener } from '../net/listener.ts';
import { ConnStream } from './conn-stream.ts';
import { Body } from './body.ts';

/** An incoming request, shaped like Go's `*http.Request` on the server side. */
export interface ServerRequest {
  readonly method: string;
  /** The request target as sent (`/path?query`). */
  readonly url: string;
  /** `HTTP/1.1` or `HTTP/1.0`. */
  readonly proto: string;
  readonly host: string;
  readonly header: Headers;
  /** The peer, `ip:port`. */
  readonly remoteAddr: string;
  /** The request body (empty for none), read once. */
  readonly body: Body;
}

/**
 * What a handler answers with, shaped like Go's `http.ResponseWriter`: set
 * headers, then `writeHeader(status)` (or let the first `write` send 200),
 * then stream the body with `write`. Returning from the handler ends the
 * response. Without a Content-Length the body is sent chunked.
 */
export interface ResponseWriter {
  /** The headers to send; changes after the header is written have no effect. */
  header(): Headers;
  /** Sends the status line and headers (once; later calls are ignored, as in Go). */
  writeHeader(status: number): void;
  /** Writes body bytes (text as UTF-8); resolves when the transport takes more. */
  write(chunk: Uint8Array | string): Promise<void>;
}

/** A request handler, Go's `http.HandlerFunc`. */
export type Handler = (w: ResponseWriter, r: ServerRequest) => void | Promise<void>;

/** Options of {@link serve}. */
export interface ServeOptions {
  /** Called with a handler's error (the response is then ended, 500 if nothing was sent). Default: ignored. */
  onError?: (err: unknown) => void;
  /** Milliseconds a keep-alive connection may sit idle (Node's `keepAliveTimeout`; default 5000). */
  keepAliveTimeout?: number;
}

/**
 * Serves HTTP/1.1 on `listener` (any dialtone driver: Node sockets, the
 * in-memory network, ...) until the listener closes: Go's `http.Serve`. The
 * parsing, keep-alive and chunking are Node's own (`node:http`), over each
 * accepted `Conn`.
 *
 * @see https://pkg.go.dev/net/http#Serve
 */
export async function serve(listener: Listener, handler: Handler, options: ServeOptions = {}): Promise<void> {
  const server = http.createServer({ keepAliveTimeout: options.keepAliveTimeout ?? 5000 }, (req, res) => {
    void respond(req, res, handler, options.onError);
  });
  try {
    for await (const conn of listener) server.emit('connection', new ConnStream(conn));
  } finally {
    server.closeAllConnections();
  }
}

async function respond(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  handler: Handler,
  onError: ServeOptions['onError'],
): Promise<void> {
  const header = new Headers();
  let sentHeader = false;
  const writeHeader = (status: number): void => {
    if (sentHeader) return;
    sentHeader = true;
    res.writeHead(status, Object.fromEntries(groupHeaders(header)));
  };
  const w: ResponseWriter = {
    header: () => header,
    writeHeader,
    write: (chunk) =>
      new Promise<void>((resolve, reject) => {
        writeHeader(200);
        res.write(chunk, (err) => (err ? reject(err) : resolve()));
      }),
  };
  const r: ServerRequest = {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    proto: `HTTP/${req.httpVersion}`,
    host: req.headers.host ?? '',
    header: toHeaders(req.headers),
    remoteAddr: `${req.socket.remoteAddress ?? ''}:${req.socket.remotePort ?? 0}`,
    body: new Body(req),
  };
  try {
    await handler(w, r);
    writeHeader(200);
  } catch (err) {
    onError?.(err);
    if (!sentHeader) writeHeader(500);
  }
  res.end();
}

/** Node's incoming headers as a `Headers`. */
export function toHeaders(raw: http.IncomingHttpHeaders): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) h.append(k, one);
  }
  return h;
}

/** A `Headers` as Node takes them (Set-Cookie kept apart). */
export function groupHeaders(h: Headers): [string, string | string[]][] {
  const out: [string, string | string[]][] = [];
  h.forEach((v, k) => {
    if (k !== 'set-cookie') out.push([k, v]);
  });
  const cookies = h.getSetCookie();
  if (cookies.length > 0) out.push(['set-cookie', cookies]);
  return out;
}
