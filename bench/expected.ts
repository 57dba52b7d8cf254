// What the benchmark guests must print, computed independently of them.
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** The exact stdout of test/guests/hello. */
export const HELLO_OUTPUT = 'hello, world\n';

const BLOCK = 1 << 20;

/**
 * Calls `each` with the `mib` 1 MiB blocks of test/guests/sha256sum's
 * generated data (see that program's doc comment), in order. The buffer is
 * reused between calls.
 */
function forEachBlock(mib: number, each: (block: Buffer) => void): void {
  const block = Buffer.alloc(BLOCK);
  let x = 1;
  for (let i = 0; i < BLOCK; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    block.writeUInt32LE(x >>> 0, i);
  }
  for (let i = 0; i < mib; i++) {
    block.writeBigUInt64LE(BigInt(i), 0);
    each(block);
  }
}

/** The exact stdout of `test/guests/sha256sum MIB`: the same data hashed with node:crypto. */
export function sha256sumOutput(mib: number): string {
  const hash = createHash('sha256');
  forEachBlock(mib, (block) => hash.update(block));
  return `${hash.digest('hex')}\n`;
}

/**
 * The CRC-32 (IEEE, as 8 lower-case hex digits) of the `mib` MiB stream that
 * `test/guests/benchecho stream ADDR MIB` sends, which is sha256sum's data;
 * an echo server that returns it faithfully makes the client print this.
 */
export function echoStreamCrc32(mib: number): string {
  let crc = 0;
  forEachBlock(mib, (block) => {
    crc = crc32(block, crc);
  });
  return crc.toString(16).padStart(8, '0');
}
