// A real DNS server for end-to-end tests: UDP (node:dgram) and TCP (node:net,
// 2-byte framing) on one 127.0.0.1 port, both answered by a DnsStub. This is
// the job the host's socket layer will do for guests.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { DnsStub } from '../../src/dns/stub.ts';
import { DnsTcpDecoder, encodeTcpFrame } from '../../src/dns/tcp-framing.ts';

/** A running server; `transports` logs how each query arrived. */
export interface StubServer {
  port: number;
  transports: ('udp' | 'tcp')[];
  close(): Promise<void>;
}

/** Serves `stub` on 127.0.0.1 (UDP and TCP on the same free port). */
export async function serveStub(stub: DnsStub): Promise<StubServer> {
  const transports: ('udp' | 'tcp')[] = [];
  for (let tries = 0; ; tries++) {
    const udp = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, '127.0.0.1', () => resolve());
    });
    const port = udp.address().port;
    const conns = new Set<Socket>();
    const tcp = createServer((conn) => {
      conns.add(conn);
      conn.on('close', () => conns.delete(conn));
      const decoder = new DnsTcpDecoder();
      conn.on('data', (chunk: Buffer) => {
        let messages: Uint8Array[];
        try {
          messages = decoder.push(chunk);
        } catch {
          conn.destroy();
          return;
        }
        for (const m of messages) {
          transports.push('tcp');
          void stub.answer(m, 'tcp').then((r) => (r === null ? conn.destroy() : conn.write(encodeTcpFrame(r))));
        }
      });
      conn.on('error', () => {});
    });
    const listening = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!listening) {
      udp.close();
      if (tries < 20) continue;
      throw new Error('no port free for both UDP and TCP');
    }
    udp.on('message', (msg, rinfo) => {
      transports.push('udp');
      void stub.answer(msg, 'udp').then((r) => {
        if (r !== null) udp.send(r, rinfo.port, rinfo.address);
      });
    });
    return { port, transports, close: () => closeBoth(udp, tcp, conns) };
  }
}

async function closeBoth(udp: UdpSocket, tcp: Server, conns: Set<Socket>): Promise<void> {
  for (const c of conns) c.destroy();
  await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
}
