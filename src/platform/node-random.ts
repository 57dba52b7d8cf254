import { openSync, readSync } from 'node:fs';

/**
 * Fills `buf` with cryptographically secure random bytes: from
 * /dev/urandom where there is one (Linux, macOS, the BSDs: the kernel's
 * generator, which node:crypto's randomFillSync also draws from), else
 * from node:crypto.
 *
 * Why not always node:crypto: loading it costs about 8 ms of start-up (it
 * brings Node's streams), and every Go guest asks for random bytes before
 * its main() runs. The device stays open for the life of the process.
 */
export function randomFill(buf: Uint8Array): void {
  urandom ??= openUrandom();
  if (urandom === null) {
    process.getBuiltinModule('node:crypto').randomFillSync(buf);
    return;
  }
  // A read may return fewer bytes than asked (large reads, signals).
  for (let done = 0; done < buf.length;) done += readSync(urandom, buf, done, buf.length - done, null);
}

let urandom: number | null | undefined;

function openUrandom(): number | null {
  try {
    return openSync('/dev/urandom', 'r');
  } catch {
    return null;
  }
}
