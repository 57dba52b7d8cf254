// Sections of docs/benchmarks.md that separate benchmarks own (the relay's,
// the browser's): each sits between `<!-- NAME:begin -->` and
// `<!-- NAME:end -->`, is rewritten by its own benchmark, and is carried over
// when bench/run.ts regenerates the rest of the file.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** docs/benchmarks.md. */
export const BENCHMARKS_MD = join(new URL('..', import.meta.url).pathname, 'docs', 'benchmarks.md');

const SECTION = /<!-- ([a-z-]+):begin -->\n[\s\S]*?<!-- \1:end -->\n/g;

/** `doc` with section `name` set to `body` (added before `## Machine`, or at the end, when new). */
export function withSection(doc: string, name: string, body: string): string {
  const block = `<!-- ${name}:begin -->\n${body.trimEnd()}\n<!-- ${name}:end -->\n`;
  const existing = new RegExp(`<!-- ${name}:begin -->\\n[\\s\\S]*?<!-- ${name}:end -->\\n`);
  if (existing.test(doc)) return doc.replace(existing, () => block);
  const machine = doc.indexOf('\n## Machine');
  return machine === -1 ? `${doc.trimEnd()}\n\n${block}` : `${doc.slice(0, machine + 1)}${block}\n${doc.slice(machine + 1)}`;
}

/** `fresh` with every section of `old` that `fresh` lacks. */
export function carrySections(old: string, fresh: string): string {
  let out = fresh;
  for (const m of old.matchAll(SECTION)) {
    const name = m[1] as string;
    if (!out.includes(`<!-- ${name}:begin -->`)) out = withSection(out, name, (m[0] as string).split('\n').slice(1, -2).join('\n'));
  }
  return out;
}

/** Writes section `name` of docs/benchmarks.md. */
export function writeSection(name: string, body: string): void {
  const doc = existsSync(BENCHMARKS_MD) ? readFileSync(BENCHMARKS_MD, 'utf8') : '# Benchmarks\n';
  writeFileSync(BENCHMARKS_MD, withSection(doc, name, body));
}
