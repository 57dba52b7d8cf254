import { Session } from 'node:inspector/promises';
import type { CpuProfile } from '../cpu-profile.ts';

/** A CPU profile being recorded; {@link stop} ends it. */
export interface ProfileRecording {
  /** Stops sampling and returns the profile. */
  stop(): Promise<CpuProfile>;
}

/**
 * Starts V8's sampling CPU profiler on this thread through `node:inspector`
 * (the DevTools protocol's Profiler domain, in process): the same profiler
 * as `node --cpu-prof` and Chrome DevTools, which names wasm frames from
 * the module's `name` section. It samples everything on the thread, the
 * guest, dialtone and Node alike, every `intervalMicros`.
 */
export async function startProfile(intervalMicros: number): Promise<ProfileRecording> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: intervalMicros });
    await session.post('Profiler.start');
  } catch (err) {
    session.disconnect();
    throw err;
  }
  return {
    async stop() {
      try {
        const { profile } = await session.post('Profiler.stop');
        return profile as CpuProfile;
      } finally {
        session.disconnect();
      }
    },
  };
}
