/**
 * `dialtone/http` for Node: Go's `net/http` shape over any dialtone/net
 * `Network` or `Listener` — Node's sockets, a relay, the in-memory network.
 * The same portable implementation as in browsers (HTTP/1.1 spoken by
 * dialtone, llhttp parsing), plus https through `node:tls` (`ClientOptions.tls`).
 * @module
 */
import type * as tls from 'node:tls';
import { Client as PortableClient, type ClientOptions as PortableClientOptions } from './client.ts';
import { nodeTlsConnect } from './node-tls.ts';

export { HttpError, type ClientRequest, type ClientResponse, type TlsConnect } from './client.ts';
export { serve, type Handler, type ResponseWriter, type ServeOptions, type ServerRequest } from './server.ts';
export { Body } from './body.ts';
export { HttpParseError } from './llhttp/parser.ts';
export type { ByteStream } from './message-reader.ts';
export { ConnStream } from './conn-stream.ts';

/** Options of a {@link Client} on Node: the portable ones, and TLS options for https. */
export interface ClientOptions extends PortableClientOptions {
  /** Extra TLS options for https (e.g. `ca` for a private CA); used unless `tlsConnect` is given. */
  tls?: tls.ConnectionOptions;
}

/**
 * Go's `http.Client` (see the portable {@link PortableClient}), with https
 * through `node:tls` over each dialled connection.
 *
 * @see https://pkg.go.dev/net/http#Client
 */
export class Client extends PortableClient {
  /** A client dialling through `options.network`; https uses `node:tls` with `options.tls`. */
  constructor(options: ClientOptions) {
    super({ ...options, tlsConnect: options.tlsConnect ?? nodeTlsConnect(options.tls) });
  }
}
