// Waiting, bounded, for something a test cannot be told about directly (a
// line a process prints, a count a peer keeps): polls `cond` every `stepMs`
// and fails with `what` (a string, or a function giving one at failure time)
// after `ms`.

/** Resolves once `cond()` holds; rejects after `ms` (default 10 s) naming what was awaited. */
export async function eventually(cond: () => boolean, what: string | (() => string), ms = 10_000, stepMs = 20): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}
