import * as http from 'node:http';
import type { Conn } from '../net/conn.ts';
import type { Listener } from '../net/listener.ts';
import { ConnStream } from './conn-stream.ts';
import { Body } from './body.ts';
import { groupHeaders, toHeaders } from './headers.ts';

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
 * accepted `Conn`. Accept errors marked `temporary` are retried with Go's
 * backoff (5 ms doubling to 1 s); another rejects. When serve ends, the
 * connections it accepted are closed.
 *
 * @see https://pkg.go.dev/net/http#Serve
 */
export async function serve(listener: Listener, handler: Handler, options: ServeOptions = {}): Promise<void> {
  const server = http.createServer({ keepAliveTimeout: options.keepAliveTimeout ?? 5000 }, (req, res) => {
    // respond catches the handler's errors; anything else ends the connection rather than the process.
    respond(req, res, handler, options.onError).catch(() => res.destroy());
  });
  // Node tracks connections (closeAllConnections) only for a server that listens: this one never does.
  const streams = new Set<ConnStream>();
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
      const stream = new ConnStream(conn);
      streams.add(stream);
      stream.once('close', () => streams.delete(stream));
      server.emit('connection', stream);
    }
  } finally {
    for (const stream of streams) stream.destroy();
    streams.clear();
  }
}

/** The longest pause between failed accepts (Go's). */
const MAX_ACCEPT_DELAY = 1000;

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
    try {
      onError?.(err);
    } catch {
      // The error hook's own failure has nowhere to go.
    }
    if (!sentHeader) writeHeader(500);
  }
  res.end();
}
