// A raw Wisp client for relay tests: a `ws` WebSocket that collects every
// packet the relay sends, decoded, and waits (bounded) for the ones a test
// expects. It speaks only what the test writes itself.
import WebSocket from 'ws';
import { decodePacket, encodeInfo, type WispPacket } from '../../src/wisp/packet.ts';

/** The packet of one type. */
export type PacketOf<T extends WispPacket['type']> = Extract<WispPacket, { type: T }>;

/** A connected raw client. */
export interface RawWispClient {
  ws: WebSocket;
  /** Every packet received so far, in order. */
  packets: WispPacket[];
  /** The first packet `pred` accepts (already received or arriving within `ms`), else a rejection listing what came. */
  waitFor(pred: (p: WispPacket) => boolean, ms?: number): Promise<WispPacket>;
  /** {@link waitFor} for a packet of `type`. */
  waitForType<T extends WispPacket['type']>(type: T, pred?: (p: PacketOf<T>) => boolean, ms?: number): Promise<PacketOf<T>>;
}

/** Opens a WebSocket to `url` with `protocols` and `headers`, and collects packets; no handshake. */
export async function openRawWispClient(
  url: string,
  options: { protocols?: string[]; headers?: Record<string, string> } = {},
): Promise<RawWispClient> {
  const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers ?? {} });
  const packets: WispPacket[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (d: Buffer) => {
    packets.push(decodePacket(new Uint8Array(d)));
    for (const w of [...waiters]) w();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const waitFor = (pred: (p: WispPacket) => boolean, ms = 5000): Promise<WispPacket> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const p = packets.find(pred);
        if (p === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(p);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching packet in ${ms} ms; got ${JSON.stringify(packets.map((p) => [p.type, p.stream]))}`));
      }, ms);
      waiters.add(check);
      check();
    });
  const waitForType = <T extends WispPacket['type']>(
    type: T,
    pred: (p: PacketOf<T>) => boolean = () => true,
    ms = 5000,
  ): Promise<PacketOf<T>> => waitFor((p) => p.type === type && pred(p as PacketOf<T>), ms) as Promise<PacketOf<T>>;
  return { ws, packets, waitFor, waitForType };
}

/**
 * A raw client after the handshake: Wisp v2 listing `extensions` in its
 * INFO (with `info`, the relay's), or v1 when `extensions` is undefined
 * (no INFO sent); resolves once the relay's first CONTINUE arrived.
 */
export async function rawWispHandshake(
  url: string,
  extensions: readonly number[] | undefined,
): Promise<RawWispClient & { info: PacketOf<'info'> | undefined }> {
  const client = await openRawWispClient(url, { protocols: extensions === undefined ? [] : ['wisp-v2'] });
  const info = extensions === undefined ? undefined : await client.waitForType('info');
  if (extensions !== undefined)
    client.ws.send(
      encodeInfo(
        2,
        0,
        extensions.map((id) => ({ id, payload: new Uint8Array() })),
      ),
    );
  await client.waitForType('continue', (p) => p.stream === 0);
  return { ...client, info };
}
