const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;

/**
 * Runs `body` with an AbortSignal that the first SIGINT or SIGTERM aborts,
 * so the guest stops at its next host call and what follows its end (a CPU
 * profile) still happens; resolves with `body`'s exit code, or 128 + the
 * signal's number (as a shell reports a process killed by it) when it was
 * stopped. A second signal exits at once, for a guest that makes no host
 * calls to be stopped at.
 */
export async function stopOnSignals(body: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const controller = new AbortController();
  let received: keyof typeof SIGNAL_NUMBERS | undefined;
  const handlers = (Object.keys(SIGNAL_NUMBERS) as (keyof typeof SIGNAL_NUMBERS)[]).map((name) => {
    const handler = (): void => {
      if (received !== undefined) process.exit(128 + SIGNAL_NUMBERS[name]);
      received = name;
      controller.abort();
    };
    process.on(name, handler);
    return () => process.off(name, handler);
  });
  try {
    return await body(controller.signal);
  } catch (err) {
    if (received !== undefined && err === controller.signal.reason) return 128 + SIGNAL_NUMBERS[received];
    throw err;
  } finally {
    for (const off of handlers) off();
  }
}
