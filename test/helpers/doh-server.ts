// A DNS-over-HTTPS server (RFC 8484) for tests: node:http on 127.0.0.1 port
// 0 that reads each query with the project's DNS wire codec and answers as
// a recursive server would: A and AAAA with TTLs, a CNAME chain built by
// hand, NXDOMAIN, SERVFAIL, REFUSED; over POST and GET; with CORS headers
// (as public DoH services send them) so that a page may ask it too.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DnsType, Rcode, buildResponse, parseQuery, type DnsQuery } from '../../src/dns/wire.ts';

/** What the server knows (besides alias.test, fail.test, refused.test and slow.test, which never answers): per name, its A and AAAA records and their TTL. */
const ZONE: Record<string, { a?: string[]; aaaa?: string[]; ttl: number }> = {
  'api.test': { a: ['192.0.2.10', '192.0.2.11'], aaaa: ['2001:db8::10'], ttl: 60 },
  'v4only.test': { a: ['192.0.2.20'], ttl: 60 },
  'short.test': { a: ['192.0.2.30'], ttl: 0 },
  'loop.test': { a: ['127.0.0.1'], ttl: 60 },
};

function name(labels: string): number[] {
  return [...labels.split('.').flatMap((l) => [l.length, ...new TextEncoder().encode(l)]), 0];
}

/** `alias.test` CNAME `api.test`, then api.test's A records: built by hand, as a recursive server sends it. */
function cnameAnswer(q: DnsQuery): Uint8Array {
  const header = [q.header.id >> 8, q.header.id & 0xff, 0x81, 0x80, 0, 1, 0, 3, 0, 0, 0, 0];
  const question = [...name('alias.test'), 0, q.question.type, 0, 1];
  const cname = [0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 120, 0, 10, ...name('api.test')];
  const a = (ip: string): number[] => [...name('api.test'), 0, 1, 0, 1, 0, 0, 0, 45, 0, 4, ...ip.split('.').map(Number)];
  // A record owned by another name: not part of the answer to alias.test.
  const stray = [...name('other.test'), 0, 1, 0, 1, 0, 0, 0, 45, 0, 4, 198, 51, 100, 1];
  return new Uint8Array([...header, ...question, ...cname, ...a('192.0.2.10'), ...stray]);
}

function answer(q: DnsQuery): Uint8Array {
  const base = { header: q.header, question: q.question, maxSize: 65535 };
  if (q.question.name === 'alias.test' && q.question.type === DnsType.A) return cnameAnswer(q);
  if (q.question.name === 'fail.test') return buildResponse({ ...base, rcode: Rcode.SERVFAIL });
  if (q.question.name === 'refused.test') return buildResponse({ ...base, rcode: Rcode.REFUSED });
  const entry = ZONE[q.question.name];
  if (entry === undefined) return buildResponse({ ...base, rcode: Rcode.NXDOMAIN });
  const list = q.question.type === DnsType.A ? (entry.a ?? []) : q.question.type === DnsType.AAAA ? (entry.aaaa ?? []) : [];
  const type = q.question.type === DnsType.A ? DnsType.A : DnsType.AAAA;
  return buildResponse({ ...base, rcode: Rcode.NOERROR, ttl: entry.ttl, answers: list.map((address) => ({ type, address })) });
}

/** Runs `fn` with a DoH server on 127.0.0.1:0 (`url` is its endpoint); `asked` counts queries per `name type`. */
export async function withDohServer(fn: (url: string, asked: Map<string, number>, methods: string[]) => Promise<void>): Promise<void> {
  const asked = new Map<string, number>();
  const methods: string[] = [];
  const server = http.createServer((req, res) => {
    res.setHeader('access-control-allow-origin', '*');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'content-type, accept' }).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/broken') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
      return;
    }
    if (url.pathname === '/endless') {
      // A DNS content type with a chunked body that never stops (bounded here at 1 MiB): a broken or hostile server.
      res.writeHead(200, { 'content-type': 'application/dns-message' });
      const chunk = new Uint8Array(16 * 1024);
      let sent = 0;
      const more = (): void => {
        while (sent < 1024 * 1024 && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      return more();
    }
    if (url.pathname !== '/dns-query') return void res.writeHead(404).end();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      methods.push(req.method ?? '');
      let msg: Uint8Array;
      if (req.method === 'GET') {
        msg = Buffer.from(url.searchParams.get('dns') ?? '', 'base64url');
      } else {
        if (req.headers['content-type'] !== 'application/dns-message') return void res.writeHead(415).end();
        msg = Buffer.concat(chunks);
      }
      let q: DnsQuery;
      try {
        q = parseQuery(msg);
      } catch {
        return void res.writeHead(400).end();
      }
      assert.equal(q.header.id, 0, 'RFC 8484: ID 0');
      const key = `${q.question.name} ${q.question.type === DnsType.A ? 'A' : 'AAAA'}`;
      asked.set(key, (asked.get(key) ?? 0) + 1);
      if (q.question.name === 'slow.test') return; // never answers
      res.writeHead(200, { 'content-type': 'application/dns-message' }).end(answer(q));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}/dns-query`, asked, methods);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
