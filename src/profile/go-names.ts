/**
 * Go's linker writes a wasm module's `name` section with every character
 * other than an ASCII letter, digit, `_` or `.` replaced by `_`
 * (`cmd/link/internal/wasm/asm.go`, `nameRegexp`), so V8 shows
 * `crypto/sha256.(*Digest).Write` as `crypto_sha256.__Digest_.Write`.
 */
export function goSanitized(name: string): string {
  return name.replace(/[^\w.]/gu, '_');
}

/** Shortest and longest Go function name considered (longer strings in the module are not names). */
const MIN_NAME = 3;
const MAX_NAME = 1024;

/**
 * Finds the real Go names behind name-section names: a Go module also
 * carries every function's name unchanged, NUL-terminated, in the runtime's
 * function-name table (what panics print). Returns, for each of `wanted`
 * (sanitized names) that exactly one NUL-delimited string of `bytes`
 * sanitizes to, that string. Names without `_` in them are skipped (they
 * were not changed), and so is a name two different strings could have
 * produced, which keeps the sanitized one. For a module that is not Go the
 * answer is simply empty or partial; nothing is guessed.
 */
export function restoreGoNames(bytes: Uint8Array, wanted: Iterable<string>): Map<string, string> {
  const want = new Set<string>();
  for (const w of wanted) if (w.includes('_')) want.add(w);
  const found = new Map<string, string>();
  const ambiguous = new Set<string>();
  if (want.size === 0) return found;
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0, start);
    if (end === -1) end = bytes.length;
    const len = end - start;
    // A name with a character Go replaced: it has a `/`, `(`, `*`, ... so is not all [\w.].
    if (len >= MIN_NAME && len <= MAX_NAME && hasReplacedChar(bytes, start, end)) {
      const text = decoder.decode(bytes.subarray(start, end));
      const key = goSanitized(text);
      if (want.has(key)) {
        const prev = found.get(key);
        if (prev === undefined) found.set(key, text);
        else if (prev !== text) ambiguous.add(key);
      }
    }
    start = end + 1;
  }
  for (const key of ambiguous) found.delete(key);
  return found;
}

/** Whether bytes[start, end) hold a printable name with at least one character outside [A-Za-z0-9_.]. */
function hasReplacedChar(bytes: Uint8Array, start: number, end: number): boolean {
  let replaced = false;
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (b < 0x20 || b === 0x7f) return false; // control bytes: data, not a name
    if (b === 0x2e || b === 0x5f || (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)) continue;
    replaced = true;
  }
  return replaced;
}
