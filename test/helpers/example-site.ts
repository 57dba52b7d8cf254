// examples/browser served by a dialtone relay, with Go test guests (and any
// other modules, e.g. gallery examples) beside the page, so a query can name
// them by relative URL, and Chromium trapped on loopback: what the browser
// tests and bench/browser.ts open.
import { copyFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { startRelay, type Relay, type RelayOptions } from '../../src/relay/server.ts';
import { launchChromium, startOutsideTrap, type ChromiumSession, type OutsideTrap } from './browser.ts';
import { guest, repoRoot, tempDir } from './paths.ts';

/** The example page's directory. */
export const EXAMPLE_DIR = join(repoRoot, 'examples', 'browser');

/** A served example page and the browser that opens it. */
export interface ExampleSite {
  readonly relay: Relay;
  /** `http://127.0.0.1:PORT` of the page and its relay. */
  readonly base: string;
  readonly trap: OutsideTrap;
  readonly chromium: ChromiumSession;
  /** Closes the browser, the trap and the relay, and removes the site. */
  close(): Promise<void>;
}

/**
 * Copies `files` of examples/browser, the built `guests` (as NAME.wasm) and
 * any other `modules` (served name → path, e.g. a gallery example built by
 * buildGoExample) into a temporary site, serves it with a relay (`relay`
 * options beside `staticDir`), and launches Chromium against a fresh
 * outside-traffic trap.
 */
export async function openExampleSite(options: {
  files?: readonly string[];
  guests?: readonly string[];
  modules?: Readonly<Record<string, string>>;
  relay?: RelayOptions;
}): Promise<ExampleSite> {
  const site = tempDir('dialtone-site-');
  // What is already up, closed again if a later step fails (e.g. Chromium does not start).
  const up: { relay?: Relay; trap?: OutsideTrap } = {};
  try {
    for (const f of options.files ?? ['index.html', 'page.js']) copyFileSync(join(EXAMPLE_DIR, f), join(site.path, f));
    for (const g of options.guests ?? []) copyFileSync(guest(g), join(site.path, `${g}.wasm`));
    for (const [name, path] of Object.entries(options.modules ?? {})) {
      // A name, not a path: the page loads it by relative URL from the site's root.
      if (basename(name) !== name || !name.endsWith('.wasm')) throw new Error(`module name ${name}: a NAME.wasm`);
      copyFileSync(path, join(site.path, name));
    }
    const relay = (up.relay = await startRelay({ port: 0, log: () => {}, ...options.relay, staticDir: site.path }));
    const trap = (up.trap = await startOutsideTrap());
    const chromium = await launchChromium({ trap });
    return {
      relay,
      base: `http://127.0.0.1:${relay.address.port}`,
      trap,
      chromium,
      async close() {
        await chromium.close();
        await trap.close();
        await relay.close();
        site.cleanup();
      },
    };
  } catch (err) {
    await up.trap?.close();
    await up.relay?.close();
    site.cleanup();
    throw err;
  }
}
