import { fstatSync } from 'node:fs';

/** Linux's major device number of its memory devices: /dev/null, /dev/zero, /dev/full, /dev/urandom... */
const LINUX_MEMORY_DEVICES = 1;

/**
 * Whether host fd `fd` is a terminal, as `isatty(3)`.
 *
 * node:tty is loaded only for a character device that may be a terminal:
 * a file, pipe or socket never is one, nor is /dev/null on Linux (a
 * common stdin), and node:tty brings node:net with it (about 5 ms of
 * start-up that most guests do not need).
 */
export function isTerminal(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    if (!st.isCharacterDevice()) return false;
    if (process.platform === 'linux' && ((st.rdev >> 8) & 0xfff) === LINUX_MEMORY_DEVICES) return false;
  } catch {
    return false; // not open: isatty says no too
  }
  return process.getBuiltinModule('node:tty').isatty(fd);
}
