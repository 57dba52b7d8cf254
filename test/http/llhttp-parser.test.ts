// The llhttp binding under dialtone/http: the vendored module is the one
// recorded, messages parse the same however the bytes are split, pipelined
// messages come one at a time, and what request smuggling and header floods
// rely on is refused, strictly, with llhttp's code (or ours for the limits).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { LLHTTP_WASM_BASE64, LLHTTP_WASM_SHA256 } from '../../src/http/llhttp/llhttp-wasm.ts';
import { HttpParseError, HttpParser, type MessageHead, type ParserLimits } from '../../src/http/llhttp/parser.ts';

const LIMITS: ParserLimits = { maxHeaderBytes: 1024, maxHeaders: 16 };

/** Feeds `text` to a fresh parser in pieces of `step` bytes (re-feeding what a pause left), recording what it reports. */
async function parse(kind: 'request' | 'response', text: string | Uint8Array, step = Infinity, limits = LIMITS): Promise<string[]> {
  const events: string[] = [];
  let body = '';
  const parser = await HttpParser.create(
    kind,
    {
      head: (h: MessageHead) => {
        events.push(
          `head ${h.method}${h.url}${h.statusCode || ''} ${h.statusText} ${h.versionMajor}.${h.versionMinor} ${JSON.stringify(h.headers)} ka=${h.keepAlive}`,
        );
        return false;
      },
      body: (c) => (body += new TextDecoder().decode(c)),
      end: () => {
        events.push(`body ${JSON.stringify(body)}`, 'end');
        body = '';
      },
    },
    limits,
  );
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  try {
    for (let off = 0; off < bytes.length;) {
      const piece = bytes.subarray(off, Math.min(off + step, bytes.length));
      const taken = parser.execute(piece);
      off += taken;
      if (taken < piece.length) events.push('pause');
    }
  } catch (err) {
    assert.ok(err instanceof HttpParseError, `${String(err)} is an HttpParseError`);
    events.push(`error ${err.code}`);
  } finally {
    parser.free();
  }
  return events;
}

test('the vendored llhttp module is the one recorded (SHA-256) and exports the C API the binding calls', async () => {
  const bytes = Buffer.from(LLHTTP_WASM_BASE64, 'base64');
  assert.equal(createHash('sha256').update(bytes).digest('hex'), LLHTTP_WASM_SHA256);
  const names = WebAssembly.Module.exports(await WebAssembly.compile(bytes)).map((e) => e.name);
  for (const name of ['llhttp_alloc', 'llhttp_execute', 'llhttp_finish', 'llhttp_resume', 'llhttp_get_error_pos', 'malloc', 'free']) {
    assert.ok(names.includes(name), `exports ${name}`);
  }
});

test('a request parses the same whole and one byte at a time; pipelined requests come one per pause', async () => {
  const two =
    'POST /upload?x=1 HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\nX-Long: ' +
    'v'.repeat(300) +
    '\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: t\r\n\r\n' +
    'GET /next HTTP/1.0\r\n\r\n';
  const whole = await parse('request', two);
  assert.deepEqual(whole, [
    `head POST/upload?x=1  1.1 [["Host","a.test"],["Transfer-Encoding","chunked"],["X-Long","${'v'.repeat(300)}"]] ka=true`,
    'body "hello, world"',
    'end',
    'pause',
    'head GET/next  1.0 [] ka=false',
    'body ""',
    'end', // the last byte: nothing left over, no pause to report
  ]);
  // Split feeds pause where a piece ends, so only the messages are compared.
  const messages = (events: string[]): string[] => events.filter((e) => e !== 'pause');
  assert.deepEqual(messages(await parse('request', two, 1)), messages(whole));
  assert.deepEqual(messages(await parse('request', two, 7)), messages(whole));
});

test('a response: status, reason, keep-alive, a Content-Length body and a bodiless 204', async () => {
  const events = await parse(
    'response',
    'HTTP/1.1 200 Fine Thanks\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n',
  );
  assert.deepEqual(events, [
    'head 200 Fine Thanks 1.1 [["Content-Length","3"]] ka=true',
    'body "abc"',
    'end',
    'pause',
    'head 204 No Content 1.1 [["Connection","close"]] ka=false',
    'body ""',
    'end',
  ]);
});

/** Requests that smuggle, or that a lenient parser would read differently from a strict one: each refused with this code. */
const REFUSED: [what: string, request: string, code: string][] = [
  [
    'Content-Length and Transfer-Encoding (CL.TE)',
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'HPE_INVALID_TRANSFER_ENCODING',
  ],
  [
    'Transfer-Encoding and Content-Length (TE.CL)',
    'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n',
    'HPE_INVALID_CONTENT_LENGTH',
  ],
  [
    'two Content-Lengths',
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
    'HPE_UNEXPECTED_CONTENT_LENGTH',
  ],
  [
    'two equal Content-Lengths',
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello',
    'HPE_UNEXPECTED_CONTENT_LENGTH',
  ],
  ['a Content-Length that is not a number', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5x\r\n\r\nhello', 'HPE_INVALID_CONTENT_LENGTH'],
  ['a negative Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n', 'HPE_INVALID_CONTENT_LENGTH'],
  [
    'chunked not last in Transfer-Encoding',
    'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n',
    'HPE_INVALID_TRANSFER_ENCODING',
  ],
  [
    'a request Transfer-Encoding without chunked',
    'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n',
    'HPE_INVALID_TRANSFER_ENCODING',
  ],
  ['a chunk size that is not hex', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'HPE_INVALID_CHUNK_SIZE'],
  [
    'a chunk size past 64 bits',
    'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n',
    'HPE_INVALID_CHUNK_SIZE',
  ],
  ['a negative chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n', 'HPE_INVALID_CHUNK_SIZE'],
  [
    'a space after the chunk size',
    'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n',
    'HPE_INVALID_CHUNK_SIZE',
  ],
  [
    'chunk data longer than its size',
    'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n',
    'HPE_STRICT',
  ],
  ['an obs-fold continuation line', 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
  ['a space before the colon', 'GET / HTTP/1.1\r\nHost : x\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
  ['a header line starting with a space', 'GET / HTTP/1.1\r\n Host: x\r\n\r\n', 'HPE_UNEXPECTED_SPACE'],
  ['bare LF line ends', 'GET / HTTP/1.1\nHost: x\n\n', 'HPE_INVALID_VERSION'],
  ['a bare CR inside the header', 'GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n', 'HPE_LF_EXPECTED'],
  ['a NUL in a header value', 'GET / HTTP/1.1\r\nHost: x\0\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
  ['HTTP/1.2', 'GET / HTTP/1.2\r\nHost: x\r\n\r\n', 'HPE_INVALID_VERSION'],
  ['a method that is not a token', 'G@T / HTTP/1.1\r\n\r\n', 'HPE_INVALID_METHOD'],
  ['a space inside the target', 'GET /a b HTTP/1.1\r\n\r\n', 'HPE_INVALID_CONSTANT'],
];

test('request smuggling and sloppy framing are refused with llhttp’s code, however the bytes are split', async () => {
  for (const [what, request, code] of REFUSED) {
    for (const step of [Infinity, 1]) {
      const events = await parse('request', request, step);
      assert.equal(events.at(-1), `error ${code}`, `${what} (pieces of ${step}): ${events.join(' | ')}`);
      assert.ok(!events.includes('end'), `${what}: no message completes`);
    }
  }
});

test('the header is bounded in bytes (request line and fields) and in fields, trailers included', async () => {
  const fields = (n: number): string => Array.from({ length: n }, (_, i) => `X-${i}: v\r\n`).join('');
  assert.equal((await parse('request', `GET / HTTP/1.1\r\n${fields(16)}\r\n`)).at(-1), 'end');
  assert.deepEqual(await parse('request', `GET / HTTP/1.1\r\n${fields(17)}\r\n`), ['error ERR_TOO_MANY_HEADERS']);
  assert.deepEqual(await parse('request', `GET / HTTP/1.1\r\nX: ${'a'.repeat(1100)}\r\n\r\n`, 100), ['error ERR_HEADER_TOO_LARGE']);
  assert.deepEqual(await parse('request', `GET /${'a'.repeat(1100)} HTTP/1.1\r\n\r\n`), ['error ERR_HEADER_TOO_LARGE']);
  assert.deepEqual(await parse('response', `HTTP/1.1 200 ${'OK'.repeat(600)}\r\n\r\n`), ['error ERR_HEADER_TOO_LARGE']);
  const trailers = `POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n${fields(20)}\r\n`;
  assert.equal((await parse('request', trailers)).at(-1), 'error ERR_TOO_MANY_HEADERS');
  // A body is not the header: a big one passes whatever the limits.
  const big = await parse('request', `POST / HTTP/1.1\r\nContent-Length: 100000\r\n\r\n${'b'.repeat(100_000)}`, 4096);
  assert.deepEqual(big.slice(-2), [`body ${JSON.stringify('b'.repeat(100_000))}`, 'end']);
});
