/**
 * `dialtone/http`: Go's `net/http` for TypeScript on Node, over any
 * dialtone/net `Network` or `Listener` — Node's sockets, a relay, the
 * in-memory network. The HTTP/1.1 protocol itself is Node's (`node:http`).
 * @module
 */
export { Client, HttpError, type ClientOptions, type ClientRequest, type ClientResponse } from './client.ts';
export { serve, type Handler, type ResponseWriter, type ServeOptions, type ServerRequest } from './server.ts';
export { Body } from './body.ts';
export { ConnStream } from './conn-stream.ts';
