import { EAGAIN, SysError, type Errno } from '../internal/errno.ts';
import type { PollKind, Readiness } from '../internal/readiness.ts';
import { ipEndpoint, type Endpoint } from '../netdev/endpoint.ts';
import { copyOut, gather } from '../netdev/buffers.ts';
import type { NetSocket, Received, SocketType } from '../netdev/socket.ts';
import { Waiters } from '../netdev/waiters.ts';
import type { DnsStub } from './stub.ts';
import { DnsTcpDecoder, encodeTcpFrame } from './tcp-framing.ts';

/** Queries one stub socket may have waiting for an answer (EAGAIN past it). */
export const MAX_PENDING_QUERIES = 16;

/**
 * A socket "connected" to the stub nameserver: nothing leaves the host.
 * Over UDP each datagram sent is a query and each answer a datagram to
 * receive; over TCP both directions carry 2-byte length-prefixed messages.
 */
export class DnsStubSocket implements NetSocket {
  readonly type: SocketType;
  readonly family: 'ipv4' | 'ipv6';
  readonly #stub: DnsStub;
  #peer: Endpoint | undefined;
  readonly #answers: Uint8Array[] = [];
  readonly #decoder = new DnsTcpDecoder();
  #pending = 0;
  #closed = false;
  #readShut = false;
  readonly #waiters = new Waiters();

  constructor(type: SocketType, family: 'ipv4' | 'ipv6', stub: DnsStub) {
    this.type = type;
    this.family = family;
    this.#stub = stub;
  }

  bind(): void {}
  listen(): void {
    throw new SysError('EINVAL', 'the DNS stub cannot listen');
  }
  connect(ep: Endpoint): void {
    this.#peer = ep;
  }
  accept(): NetSocket {
    throw new SysError('EINVAL');
  }

  recv(bufs: readonly Uint8Array[], peek: boolean): Received {
    if (this.#closed) throw new SysError('EBADF');
    if (this.#answers.length === 0) {
      if (this.#readShut) return { n: 0, truncated: false };
      throw EAGAIN;
    }
    if (this.type === 'stream') return { n: copyOut(this.#answers, bufs, !peek), truncated: false };
    const head = this.#answers[0] as Uint8Array;
    const n = copyOut([head], bufs, false);
    if (!peek) this.#answers.shift();
    return { n, truncated: n < head.length, from: this.#peer };
  }

  send(bufs: readonly Uint8Array[]): number {
    if (this.#closed) throw new SysError('EBADF');
    if (this.#pending >= MAX_PENDING_QUERIES) throw EAGAIN;
    const data = gather(bufs, Number.MAX_SAFE_INTEGER);
    const transport = this.type === 'stream' ? 'tcp' : 'udp';
    // A 2-byte length prefix cannot announce more than the decoder accepts.
    const queries = transport === 'tcp' ? this.#decoder.push(data) : [data];
    // A question the policy refuses fails the send itself with EACCES, as a
    // refused connect does: an error rcode would read as "server misbehaving".
    let refused: string | undefined;
    for (const q of queries) {
      const reason = this.#stub.refusal(q, transport);
      if (reason === undefined) this.#ask(q);
      else refused ??= reason;
    }
    if (refused !== undefined) throw new SysError('EACCES', refused);
    return data.length;
  }

  #ask(query: Uint8Array): void {
    this.#pending++;
    const transport = this.type === 'stream' ? 'tcp' : 'udp';
    void this.#stub.answer(query, transport).then(
      (resp) => {
        this.#pending--;
        if (resp !== null && !this.#closed) this.#answers.push(transport === 'tcp' ? encodeTcpFrame(resp) : resp);
        // Not a query at all: a server would drop it; over TCP it closes the connection.
        if (resp === null && transport === 'tcp') this.#readShut = true;
        this.#waiters.wake('both');
      },
      () => {
        this.#pending--;
        this.#waiters.wake('both');
      },
    );
  }

  shutdown(read: boolean): void {
    if (read) this.#readShut = true;
    this.#waiters.wake('both');
  }
  takeError(): Errno | undefined {
    return undefined;
  }
  localEndpoint(): Endpoint {
    return ipEndpoint(this.family === 'ipv6' ? '::1' : '127.0.0.1', 0);
  }
  remoteEndpoint(): Endpoint {
    if (this.#peer === undefined) throw new SysError('ENOTCONN');
    return this.#peer;
  }
  setOption(): void {}
  getOption(): number {
    return 0;
  }

  poll(kind: PollKind): Readiness {
    if (kind === 'read') {
      const n = this.#answers.reduce((t, b) => t + b.length, 0);
      return { ready: n > 0 || this.#readShut || this.#closed, nbytes: n, hangup: this.#closed };
    }
    return { ready: this.#pending < MAX_PENDING_QUERIES, nbytes: 0, hangup: this.#closed };
  }

  onReady(kind: PollKind, wake: () => void): () => void {
    return this.#waiters.add(kind, wake);
  }

  closed(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {
    this.#closed = true;
    this.#answers.length = 0;
    this.#waiters.wake('both');
  }
}
