/**
 * `dialtone/http` for browsers (and any platform): Go's `net/http` shape
 * over any dialtone/net `Network` or `Listener` — a relay, the in-memory
 * network, Node's sockets. It speaks HTTP/1.1 itself, with llhttp (Node's
 * parser, as WebAssembly) reading messages; there is no TLS here, so the
 * Client does https only when given `tlsConnect`.
 * @module
 */
export { Client, HttpError, type ClientOptions, type ClientRequest, type ClientResponse, type TlsConnect } from './client.ts';
export { serve, type Handler, type ResponseWriter, type ServeOptions, type ServerRequest } from './server.ts';
export { Body } from './body.ts';
export { HttpParseError } from './llhttp/parser.ts';
export type { ByteStream } from './message-reader.ts';
