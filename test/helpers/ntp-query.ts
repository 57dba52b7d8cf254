// A minimal native NTP (RFC 5905) client for tests: one client-mode query
// over UDP to 127.0.0.1, the answer's header fields decoded. Used to see
// that an NTP server is up, and to check a server's answer field by field.
import { createSocket } from 'node:dgram';

/** The fields of an NTP server's answer that tests look at. */
export interface NtpAnswer {
  leap: number;
  version: number;
  mode: number;
  stratum: number;
  /** The reference ID: four ASCII letters at stratum 0-1, an IPv4 address above. */
  referenceId: Buffer;
  /** The origin timestamp: must be the query's transmit timestamp. */
  origin: bigint;
  /** Receive and transmit timestamps, in milliseconds since the Unix epoch. */
  receiveMs: number;
  transmitMs: number;
  /** The query's own transmit timestamp (what `origin` must equal). */
  sentTransmit: bigint;
}

/** Seconds from the NTP era (1900) to the Unix epoch. */
const NTP_UNIX_OFFSET = 2_208_988_800;

/** A 64-bit NTP timestamp for `ms` milliseconds since the Unix epoch. */
function ntpTimestamp(ms: number): bigint {
  const secs = BigInt(Math.floor(ms / 1000) + NTP_UNIX_OFFSET);
  const frac = BigInt(Math.floor(((ms % 1000) / 1000) * 2 ** 32));
  return (secs << 32n) | frac;
}

/** Milliseconds since the Unix epoch of a 64-bit NTP timestamp. */
function unixMs(ts: bigint): number {
  return (Number(ts >> 32n) - NTP_UNIX_OFFSET) * 1000 + (Number(ts & 0xffffffffn) / 2 ** 32) * 1000;
}

/**
 * Sends one NTPv4 client query to 127.0.0.1:`port` and resolves with the
 * first 48-byte-or-longer answer; rejects after `timeoutMs`.
 */
export function queryNtp(port: number, timeoutMs = 1000): Promise<NtpAnswer> {
  const sock = createSocket('udp4');
  const query = Buffer.alloc(48);
  query[0] = (4 << 3) | 3; // leap 0, version 4, mode 3 (client)
  const sentTransmit = ntpTimestamp(Date.now());
  query.writeBigUInt64BE(sentTransmit, 40);
  return new Promise<NtpAnswer>((resolve, reject) => {
    const timer = setTimeout(
      () => finish(() => reject(new Error(`no NTP answer from 127.0.0.1:${port} within ${timeoutMs} ms`))),
      timeoutMs,
    );
    const finish = (settle: () => void): void => {
      clearTimeout(timer);
      sock.close();
      settle();
    };
    sock.on('error', (err) => finish(() => reject(err)));
    sock.on('message', (msg) => {
      if (msg.length < 48) return;
      const b0 = msg[0] as number;
      finish(() =>
        resolve({
          leap: b0 >> 6,
          version: (b0 >> 3) & 7,
          mode: b0 & 7,
          stratum: msg[1] as number,
          referenceId: msg.subarray(12, 16),
          origin: msg.readBigUInt64BE(24),
          receiveMs: unixMs(msg.readBigUInt64BE(32)),
          transmitMs: unixMs(msg.readBigUInt64BE(40)),
          sentTransmit,
        }),
      );
    });
    sock.send(query, port, '127.0.0.1');
  });
}
