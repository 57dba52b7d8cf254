/** Binary units a size may carry, as Go's GOMEMLIMIT spells them. */
const UNITS: Readonly<Record<string, number>> = { '': 1, B: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30 };

/**
 * Parses a byte count such as `268435456`, `256MiB`, `64KiB` or `2GiB`
 * (a whole number, then optionally B, KiB, MiB or GiB). Returns undefined
 * for anything else.
 */
export function parseByteSize(text: string): number | undefined {
  const m = /^(\d+)\s*(B|KiB|MiB|GiB)?$/.exec(text.trim());
  if (m === null) return undefined;
  const n = Number(m[1]) * (UNITS[m[2] ?? ''] ?? 1);
  return Number.isSafeInteger(n) ? n : undefined;
}
