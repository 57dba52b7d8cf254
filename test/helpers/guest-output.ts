// A guest's stdout or stderr collected in-process (run()'s callback), with
// a way to wait for the line a serving guest prints when it is ready.

/** Output collected from a guest stream. */
export interface GuestOutput {
  /** Pass as `stdio.stdout` / `stdio.stderr`. */
  sink: (chunk: Uint8Array) => void;
  /** Everything so far, as UTF-8. */
  text: () => string;
  /** Resolves with the first match of `re` in the output (what is already there counts); rejects after `timeoutMs`. */
  line: (re: RegExp, timeoutMs?: number) => Promise<RegExpExecArray>;
}

/** Starts collecting a guest stream. */
export function guestOutput(): GuestOutput {
  let text = '';
  const waiting = new Set<{ re: RegExp; resolve: (m: RegExpExecArray) => void }>();
  return {
    sink: (chunk) => {
      text += Buffer.from(chunk).toString('utf8');
      for (const w of waiting) {
        const m = w.re.exec(text);
        if (m !== null) {
          waiting.delete(w);
          w.resolve(m);
        }
      }
    },
    text: () => text,
    line: (re, timeoutMs = 20_000) => {
      const m = re.exec(text);
      if (m !== null) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        const w = {
          re,
          resolve: (found: RegExpExecArray) => {
            clearTimeout(timer);
            resolve(found);
          },
        };
        const timer = setTimeout(() => {
          waiting.delete(w);
          reject(new Error(`no ${re} in the guest's output within ${timeoutMs} ms; got: ${JSON.stringify(text)}`));
        }, timeoutMs);
        waiting.add(w);
      });
    },
  };
}
