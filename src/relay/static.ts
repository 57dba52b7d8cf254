/**
 * The relay's `--static DIR`: GET and HEAD of files below one directory,
 * with MIME types for what a demo page needs (`.wasm` as
 * `application/wasm`, for streaming compilation) and cross-origin isolation
 * headers (COOP same-origin, COEP require-corp), so that pages served here
 * may use SharedArrayBuffer. Besides the directory, `/_dialtone/` serves
 * dialtone's own browser bundle, so a page needs nothing but its relay.
 * @module
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root: two levels above this file in src/ and in dist/ alike. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Paths under `/_dialtone/` and the package files they serve: the browser bundle (`npm run build`). */
export const BUNDLE_FILES: Readonly<Record<string, string>> = {
  '/_dialtone/dialtone.browser.js': join(PACKAGE_ROOT, 'dist', 'dialtone.browser.js'),
  '/_dialtone/dialtone.browser.js.map': join(PACKAGE_ROOT, 'dist', 'dialtone.browser.js.map'),
};

/** Content types by file extension. */
export const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Headers on every static response: cross-origin isolation. */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
};

/** Serves `root` (a real path); never a file outside it, symlinks included. */
export async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const send = (status: number, text: string): void => {
    res.writeHead(status, { ...ISOLATION_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(req.method === 'HEAD' ? undefined : `${text}\n`);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
  let path: string;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://relay').pathname);
  } catch {
    return send(400, 'bad path');
  }
  if (path.includes('\0') || path.split('/').includes('..')) return send(400, 'bad path');
  const bundled = BUNDLE_FILES[path];
  // The whole prefix is dialtone's: a static directory cannot serve under it.
  if (bundled === undefined && path.startsWith('/_dialtone/')) return send(404, 'not found');
  let file = bundled ?? join(root, path);
  try {
    let st = await stat(file);
    if (st.isDirectory()) {
      file = join(file, 'index.html');
      st = await stat(file);
    }
    const real = await realpath(file);
    if (bundled === undefined && real !== root && !real.startsWith(root + sep)) return send(404, 'not found');
    if (!st.isFile()) return send(404, 'not found');
    res.writeHead(200, {
      ...ISOLATION_HEADERS,
      'Content-Type': MIME_TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': String(st.size),
      'Cache-Control': 'no-cache',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(real)
      .on('error', () => res.destroy())
      .pipe(res);
  } catch {
    send(404, 'not found');
  }
}
