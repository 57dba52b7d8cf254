import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DialtoneError } from '../../errors.ts';
import { defaultProfileFile, type CpuProfileOptions } from '../cpu-profile.ts';
import { nameGuestFrames } from '../guest-frames.ts';
import { startProfile, type ProfileRecording } from './inspector.ts';

/** Default sampling interval, µs (`node --cpu-prof`'s). */
const DEFAULT_INTERVAL_MICROS = 1000;

/**
 * Runs `body` under V8's CPU profiler and delivers the profile as `options`
 * asks, with the guest's frames given their Go names from `moduleBytes`
 * (when the module was given as bytes or a file). The profile is delivered
 * whether the guest exits, traps or is stopped. The file is created before
 * the guest starts, so an unwritable path fails at once with
 * ERR_CPU_PROFILE instead of after a long run.
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
  const file = opts.file ?? (opts.onProfile === undefined ? resolve(defaultProfileFile(process.pid)) : undefined);
  const out = file === undefined ? undefined : await openProfileFile(file);
  let recording: ProfileRecording;
  try {
    recording = await startProfile(interval);
  } catch (err) {
    await out?.close();
    throw new DialtoneError('ERR_CPU_PROFILE', `cannot start the CPU profiler: ${(err as Error).message}`, { cause: err });
  }
  try {
    return await body();
  } finally {
    try {
      const profile = await recording.stop();
      if (moduleBytes !== undefined) nameGuestFrames(profile, moduleBytes);
      await out?.writeFile(JSON.stringify(profile));
      opts.onProfile?.(profile);
    } finally {
      await out?.close();
    }
  }
}

async function openProfileFile(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'w');
  } catch (err) {
    const reason = (err as { code?: string }).code === 'ENOENT' ? 'no such directory' : (err as Error).message;
    throw new DialtoneError('ERR_CPU_PROFILE', `cannot write the CPU profile to ${file}: ${reason}`, { cause: err });
  }
}
