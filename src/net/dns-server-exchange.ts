import { TCP_MAX_SIZE, UDP_MAX_SIZE } from '../dns/wire.ts';
import { SysError } from '../internal/errno.ts';
import type { Conn } from './conn.ts';
import type { Network } from './network.ts';

/**
 * One DNS exchange with a server at `ip:port`, as a stub resolver does it
 * (RFC 1035 §4.2): the query in one UDP datagram, and again over TCP
 * (two-byte length prefix) when the UDP answer is truncated. The sockets
 * come from `network`, so they go through its driver and policy (the
 * server's address must be allowed). Answers whose ID differs from the
 * query's are ignored (RFC 5452: spoofed or stale datagrams), until the
 * deadline. Resolves to the answer's bytes; rejects with ETIMEDOUT or the
 * socket's error.
 *
 * @see https://www.rfc-editor.org/rfc/rfc1035#section-4.2
 */
export async function dnsServerExchange(network: Network, server: string, query: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
  const deadline = Date.now() + timeoutMs;
  const id = (query[0]! << 8) | query[1]!;
  const udp = await dialOrTimeout(network.dial('udp', server, { timeout: timeoutMs }), server, timeoutMs);
  let answer: Uint8Array;
  try {
    udp.setReadDeadline(new Date(deadline));
    await udp.write(query);
    const buf = new Uint8Array(UDP_MAX_SIZE * 4);
    for (;;) {
      const n = await readOrTimeout(udp, buf, server, timeoutMs);
      if (n !== null && n >= 12 && ((buf[0]! << 8) | buf[1]!) === id) {
        answer = buf.slice(0, n);
        break;
      }
    }
  } finally {
    await udp.close();
  }
  if ((answer[2]! & 0x02) === 0) return answer; // TC clear: the whole answer
  return tcpExchange(network, server, query, id, deadline, timeoutMs);
}

/** The exchange over TCP, for an answer too long for a datagram. */
async function tcpExchange(
  network: Network,
  server: string,
  query: Uint8Array,
  id: number,
  deadline: number,
  timeoutMs: number,
): Promise<Uint8Array> {
  const left = Math.max(1, deadline - Date.now());
  const tcp = await dialOrTimeout(network.dial('tcp', server, { timeout: left }), server, timeoutMs);
  try {
    tcp.setDeadline(new Date(deadline));
    const framed = new Uint8Array(2 + query.length);
    framed[0] = query.length >> 8;
    framed[1] = query.length & 0xff;
    framed.set(query, 2);
    await tcp.write(framed);
    const head = await readFull(tcp, 2, server, timeoutMs);
    const length = (head[0]! << 8) | head[1]!;
    if (length < 12 || length > TCP_MAX_SIZE) throw new SysError('EIO', `${server} sent a ${length}-byte DNS message over TCP`);
    const answer = await readFull(tcp, length, server, timeoutMs);
    if (((answer[0]! << 8) | answer[1]!) !== id) throw new SysError('EIO', `${server} answered another query over TCP`);
    return answer;
  } finally {
    await tcp.close();
  }
}

/** Exactly `n` bytes from `conn`, or EIO at an early end of stream. */
async function readFull(conn: Conn, n: number, server: string, timeoutMs: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const r = await readOrTimeout(conn, out.subarray(got), server, timeoutMs);
    if (r === null) throw new SysError('EIO', `${server} closed the TCP connection mid-answer`);
    got += r;
  }
  return out;
}

/** `conn.read`, with a passed deadline reported as the lookup's ETIMEDOUT. */
async function readOrTimeout(conn: Conn, buf: Uint8Array, server: string, timeoutMs: number): Promise<number | null> {
  try {
    return await conn.read(buf);
  } catch (err) {
    if ((err as { timeout?: unknown }).timeout === true) throw timedOut(server, timeoutMs);
    throw err;
  }
}

/** A dial, with its timeout reported as the lookup's ETIMEDOUT. */
async function dialOrTimeout(dial: Promise<Conn>, server: string, timeoutMs: number): Promise<Conn> {
  try {
    return await dial;
  } catch (err) {
    if ((err as { timeout?: unknown }).timeout === true) throw timedOut(server, timeoutMs);
    throw err;
  }
}

function timedOut(server: string, timeoutMs: number): SysError {
  return new SysError('ETIMEDOUT', `DNS server ${server} did not answer in ${timeoutMs} ms`, 'ETIMEOUT');
}
