import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DialtoneError } from '../../errors.ts';
import { NODE_PLATFORM } from '../../platform/node.ts';
import { defaultProfileFile, type CpuProfileOptions } from '../cpu-profile.ts';
import { nameGuestFrames } from '../guest-frames.ts';
import { startProfile, type ProfileRecording } from './inspector.ts';

/** Default sampling interval, µs (`node --cpu-prof`'s). */
const DEFAULT_INTERVAL_MICROS = 1000;
/** Default names tried (with `-1`, `-2`, ...) before giving up: a bound, not an expected case. */
const MAX_NAME_ATTEMPTS = 100;

/**
 * Runs `body` under V8's CPU profiler and delivers the profile as `options`
 * asks, with the guest's frames given their Go names from `moduleBytes`
 * (when the module was given as bytes or a file). The profile is delivered
 * whether the guest exits, traps or is stopped. The file is created before
 * the guest starts, so an unwritable path fails at once with
 * ERR_CPU_PROFILE instead of after a long run.
 *
 * When the profile cannot be delivered after the guest ran (the profiler
 * fails to stop, the write fails, `onProfile` throws), the guest's own
 * outcome is never replaced: if the guest failed, its error is thrown and
 * the profile's failure is reported as an internal error (stderr); if it
 * succeeded, the run fails with ERR_CPU_PROFILE, whose `cause` is that
 * failure, since the profile asked for is missing.
 */
export async function withCpuProfile<T>(
  options: string | CpuProfileOptions,
  moduleBytes: Uint8Array | undefined,
  body: () => Promise<T>,
): Promise<T> {
  const opts: CpuProfileOptions = typeof options === 'string' ? { file: options } : options;
  const interval = opts.intervalMicros ?? DEFAULT_INTERVAL_MICROS;
  if (!Number.isInteger(interval) || interval < 1) {
    throw new DialtoneError('ERR_CPU_PROFILE', `CPU profile interval ${interval}: expected a whole number of microseconds, at least 1`);
  }
  const out =
    opts.file !== undefined
      ? await openProfileFile(opts.file, 'w')
      : opts.onProfile === undefined
        ? await openDefaultProfileFile()
        : undefined;
  let recording: ProfileRecording;
  try {
    recording = await startProfile(interval);
  } catch (err) {
    await out?.handle.close();
    throw new DialtoneError('ERR_CPU_PROFILE', `cannot start the CPU profiler: ${(err as Error).message}`, { cause: err });
  }
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await body() };
  } catch (error) {
    outcome = { ok: false, error };
  }
  let failure: { error: unknown } | undefined;
  try {
    const profile = await recording.stop();
    if (moduleBytes !== undefined) nameGuestFrames(profile, moduleBytes);
    await out?.handle.writeFile(JSON.stringify(profile));
    opts.onProfile?.(profile);
  } catch (error) {
    failure = { error };
  }
  try {
    await out?.handle.close();
  } catch (error) {
    failure ??= { error };
  }
  if (failure !== undefined) {
    const why = `the CPU profile${out === undefined ? '' : ` (${out.file})`} was not delivered: ${messageOf(failure.error)}`;
    if (outcome.ok) throw new DialtoneError('ERR_CPU_PROFILE', why, { cause: failure.error });
    NODE_PLATFORM.reportInternalError(`dialtone: ${why}`);
  }
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

function messageOf(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

/**
 * Creates the default profile file in the current directory: never an
 * existing one (opened with `wx`), so that runs of one process starting in
 * the same millisecond (a pool's guests) each get their own.
 */
export async function openDefaultProfileFile(now = Date.now()): Promise<{ file: string; handle: FileHandle }> {
  for (let attempt = 0; ; attempt++) {
    const file = resolve(defaultProfileFile(process.pid, now, attempt));
    try {
      return await openProfileFile(file, 'wx');
    } catch (err) {
      const taken = err instanceof DialtoneError && (err.cause as { code?: string } | undefined)?.code === 'EEXIST';
      if (!taken || attempt + 1 >= MAX_NAME_ATTEMPTS) throw err;
    }
  }
}

async function openProfileFile(file: string, flags: 'w' | 'wx'): Promise<{ file: string; handle: FileHandle }> {
  try {
    return { file, handle: await open(file, flags) };
  } catch (err) {
    const reason = (err as { code?: string }).code === 'ENOENT' ? 'no such directory' : (err as Error).message;
    throw new DialtoneError('ERR_CPU_PROFILE', `cannot write the CPU profile to ${file}: ${reason}`, { cause: err });
  }
}
