import * as fs from 'node:fs';
import { toSysError } from '../../internal/errno.ts';
import type { Filestat, SetTimes } from '../descriptor.ts';

/** What to set the times of: a path (following a final symlink or not), or an open host fd. */
export type TimesTarget = { path: string; follow: boolean } | { fd: number };

/**
 * Sets access / modification times with the nanosecond precision WASI
 * promises.
 *
 * Node's utimes functions take seconds as a double, which near today's
 * dates is only good to about 240 ns, and they cannot leave one of the two
 * times alone. When the requested times survive that conversion they are
 * used; otherwise (rare: a guest copying a precise timestamp, or omitting
 * one time) the system's `touch`, which takes `@SECONDS.NANOSECONDS`, sets
 * exactly what was asked. See RATIONALE.md.
 */
export function setTimes(target: TimesTarget, times: SetTimes, current: () => Filestat): void {
  let st: Filestat | undefined;
  const want = (t: bigint | 'now' | undefined, which: 'atim' | 'mtim'): bigint | 'now' => t ?? (st ??= current())[which];
  const atim = want(times.atim, 'atim');
  const mtim = want(times.mtim, 'mtim');
  if ((atim === 'now' || survivesDouble(atim)) && (mtim === 'now' || survivesDouble(mtim))) {
    const a = seconds(atim);
    const m = seconds(mtim);
    try {
      if ('fd' in target) fs.futimesSync(target.fd, a, m);
      else if (target.follow) fs.utimesSync(target.path, a, m);
      else fs.lutimesSync(target.path, a, m);
    } catch (err) {
      throw toSysError(err);
    }
    return;
  }
  st ??= current(); // ENOENT for a missing file: `touch -c` would succeed silently
  // `touch` is another process: /proc/self would be its own.
  const path = 'fd' in target ? `/proc/${process.pid}/fd/${target.fd}` : target.path.replace(/^\/proc\/self\//, `/proc/${process.pid}/`);
  const follow = 'fd' in target || target.follow;
  if (times.atim !== undefined) touch(path, follow, '-a', times.atim);
  if (times.mtim !== undefined) touch(path, follow, '-m', times.mtim);
}

function seconds(t: bigint | 'now'): number {
  return t === 'now' ? Date.now() / 1000 : Number(t) / 1e9;
}

/** Whether libuv's double → timespec conversion gives back exactly `ns`. */
function survivesDouble(ns: bigint): boolean {
  if (ns < 0n) return false;
  const d = Number(ns) / 1e9;
  const sec = Math.trunc(d);
  return BigInt(sec) * 1_000_000_000n + BigInt(Math.trunc((d - sec) * 1e9)) === ns;
}

function touch(path: string, follow: boolean, which: '-a' | '-m', t: bigint | 'now'): void {
  const args = ['-c', which];
  if (!follow) args.push('-h');
  if (t !== 'now') args.push('-d', `@${t / 1_000_000_000n}.${(t % 1_000_000_000n).toString().padStart(9, '0')}`);
  // Imported here, not at the top: node:child_process (with node:net and
  // node:dgram) would cost every guest's start-up for a rare call.
  const { spawnSync } = process.getBuiltinModule('node:child_process');
  const r = spawnSync('touch', [...args, '--', path], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.error !== undefined) throw toSysError(r.error);
  if (r.status !== 0) throw toSysError({ code: /No such file/.test(r.stderr) ? 'ENOENT' : 'EIO', message: r.stderr.trim() });
}
