import type { CpuProfile } from './cpu-profile.ts';
import { restoreGoNames } from './go-names.ts';

/** Whether a profile node is a wasm function (a guest frame). */
export function isWasmFrame(url: string): boolean {
  return url.startsWith('wasm://');
}

/**
 * Gives the guest's wasm frames their real Go names (see
 * {@link restoreGoNames}) in place, where `moduleBytes` holds them:
 * `crypto_sha256.__Digest_.Write` becomes `crypto/sha256.(*Digest).Write`.
 * Other frames (JavaScript, V8's own) are left as they are. Returns how
 * many distinct names were restored.
 */
export function nameGuestFrames(profile: CpuProfile, moduleBytes: Uint8Array): number {
  const wasm = profile.nodes.filter((n) => isWasmFrame(n.callFrame.url));
  const names = restoreGoNames(
    moduleBytes,
    wasm.map((n) => n.callFrame.functionName),
  );
  for (const n of wasm) {
    const real = names.get(n.callFrame.functionName);
    if (real !== undefined) n.callFrame = { ...n.callFrame, functionName: real };
  }
  return names.size;
}
