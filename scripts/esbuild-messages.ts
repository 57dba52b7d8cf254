// esbuild's errors and warnings as one readable message, shared by the
// bundle builds (scripts/build-browser.ts, scripts/build-cli.ts).
import type { Message } from 'esbuild';

/** `file:line: text`, one line per message. */
export function formatMessages(messages: readonly Message[]): string {
  return messages.map((m) => `${m.location?.file ?? '?'}:${m.location?.line ?? 0}: ${m.text}`).join('\n');
}

/** For `build(...).catch(...)`: rethrows esbuild's failure as an Error naming `what` and listing its errors. */
export function buildFailed(what: string): (err: { errors?: Message[] }) => never {
  return (err) => {
    throw new Error(`${what} failed:\n${formatMessages(err.errors ?? [])}`, { cause: err });
  };
}
