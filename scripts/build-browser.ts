// Builds the browser bundles: src/browser.ts and everything it imports as one
// ES module, dist/dialtone.browser.js (with a source map), for
// <script type="module"> and for the relay's /_dialtone/ path; and
// dist/dialtone-http.browser.js, dialtone/http for pages (src/http/bundle.ts).
//
// The bundle must hold no Node built-in: esbuild, told the platform is the
// browser, fails on any `node:` import, and this script then names the
// chain of imports that reached it.
// Usage: node scripts/build-browser.ts
import { build } from 'esbuild';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFailed } from './esbuild-messages.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Where the bundle goes. */
export const BUNDLE = join(root, 'dist', 'dialtone.browser.js');

/** Where dialtone/http's page bundle goes. */
export const HTTP_BUNDLE = join(root, 'dist', 'dialtone-http.browser.js');

/** Bundles src/browser.ts into {@link BUNDLE} and src/http/bundle.ts into {@link HTTP_BUNDLE}; throws, listing esbuild's errors, when it cannot. */
export async function buildBrowserBundle(): Promise<{ bytes: number; inputs: string[] }> {
  await buildHttpBundle();
  return bundle(join(root, 'src', 'browser.ts'), BUNDLE);
}

/** Bundles src/http/bundle.ts (dialtone/http for pages) into `outfile` (default {@link HTTP_BUNDLE}). */
export function buildHttpBundle(outfile = HTTP_BUNDLE): Promise<{ bytes: number; inputs: string[] }> {
  return bundle(join(root, 'src', 'http', 'bundle.ts'), outfile);
}

/** Bundles `entry` into `outfile` for browsers. */
async function bundle(entry: string, outfile: string): Promise<{ bytes: number; inputs: string[] }> {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    sourcemap: true,
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
  }).catch(buildFailed('browser bundle'));
  const out = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined);
  return { bytes: out?.bytes ?? 0, inputs: Object.keys(result.metafile.inputs).sort() };
}

if (import.meta.main) {
  const { bytes, inputs } = await buildBrowserBundle();
  process.stdout.write(`dist/dialtone.browser.js: ${(bytes / 1024).toFixed(0)} KiB from ${inputs.length} modules\n`);
}
