// Writing HTTP/1.1 messages: the head (start line and header fields) and
// chunked framing. Names and values come from a `Headers`, which refuses CR,
// LF and NUL, so nothing a caller sets can split a message.
//
// @see https://www.rfc-editor.org/rfc/rfc9112

/** Token characters (RFC 9110 §5.6.2): what a method may be made of. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Whether `s` is an HTTP token (a valid method or header name). */
export function isToken(s: string): boolean {
  return TOKEN.test(s);
}

/** A string of code units up to 0xFF as those bytes (header fields are octets). */
export function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The head of a message: `startLine`, then each field (Set-Cookie one line each), then the empty line. */
export function encodeHead(startLine: string, header: Headers): Uint8Array {
  let s = `${startLine}\r\n`;
  header.forEach((value, name) => {
    if (name !== 'set-cookie') s += `${name}: ${value}\r\n`;
  });
  for (const cookie of header.getSetCookie()) s += `set-cookie: ${cookie}\r\n`;
  return latin1Bytes(`${s}\r\n`);
}

const CRLF = latin1Bytes('\r\n');
/** The last chunk and the end of a chunked body (no trailers). */
export const LAST_CHUNK = latin1Bytes('0\r\n\r\n');

/** Bodies at most this long are framed into one buffer; longer ones are written as size line, data, CRLF. */
const COPY_UP_TO = 64 * 1024;

/** `data` framed as one chunk of a chunked body: the writes to make (one, or three for a big chunk). */
export function chunk(data: Uint8Array): Uint8Array[] {
  const size = latin1Bytes(`${data.length.toString(16)}\r\n`);
  if (data.length > COPY_UP_TO) return [size, data, CRLF];
  const out = new Uint8Array(size.length + data.length + 2);
  out.set(size, 0);
  out.set(data, size.length);
  out.set(CRLF, size.length + data.length);
  return [out];
}

/** `a` then `b` in one buffer. */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Text as UTF-8, bytes as they are. */
export function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? new TextEncoder().encode(data) : data;
}

/** Whether a message with this header list asks to close the connection after it (`Connection: close`). */
export function wantsClose(header: Headers): boolean {
  return (header.get('connection') ?? '')
    .toLowerCase()
    .split(',')
    .some((t) => t.trim() === 'close');
}

/** A parsed head's fields as a `Headers`; a field `Headers` refuses (bad name or value) is a malformed message. */
export function toHeaders(fields: readonly (readonly [string, string])[]): Headers {
  const h = new Headers();
  for (const [name, value] of fields) h.append(name, value);
  return h;
}
