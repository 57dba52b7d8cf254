// What the benchmark guests must print, computed independently of them.
import { createHash } from 'node:crypto';

/** The exact stdout of test/guests/hello. */
export const HELLO_OUTPUT = 'hello, world\n';

const BLOCK = 1 << 20;

/**
 * The exact stdout of `test/guests/sha256sum MIB`: the same generated data
 * (see that program's doc comment) hashed with node:crypto.
 */
export function sha256sumOutput(mib: number): string {
  const block = Buffer.alloc(BLOCK);
  let x = 1;
  for (let i = 0; i < BLOCK; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    block.writeUInt32LE(x >>> 0, i);
  }
  const hash = createHash('sha256');
  for (let i = 0; i < mib; i++) {
    block.writeBigUInt64LE(BigInt(i), 0);
    hash.update(block);
  }
  return `${hash.digest('hex')}\n`;
}
