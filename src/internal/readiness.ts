import type { Errno } from './errno.ts';

/** Which readiness a poll asks for. */
export type PollKind = 'read' | 'write';

/**
 * Level-triggered readiness of a descriptor or socket, in the shape
 * `poll_oneoff` reports it: `nbytes` is how much can be read or written
 * without waiting (0 when unknown).
 */
export interface Readiness {
  ready: boolean;
  nbytes: number;
  hangup: boolean;
  error?: Errno;
}

/** The readiness of anything that never waits (regular files, directories, sinks). */
export const ALWAYS_READY: Readiness = Object.freeze({ ready: true, nbytes: 0, hangup: false });
