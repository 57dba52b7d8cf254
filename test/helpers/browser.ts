// Real browsers for tests: Debian's Chromium driven by Playwright, Debian's
// Firefox ESR run as a plain child process, and an "outside traffic" trap
// that both are pointed at for everything that is not loopback.
//
// The trap is a recording HTTP/CONNECT proxy on 127.0.0.1: a browser sends
// it every non-loopback request (loopback goes direct), it notes the method
// and URL or host:port and refuses with 403, so nothing ever leaves the
// machine and a test can assert the list stayed empty. Behind it:
// - neither browser can resolve a name on the real network (Chromium maps
//   every name but 127.0.0.1 and localhost to NOTFOUND; Firefox's native
//   resolver answers every name with localhost and DNS over HTTPS is off);
// - Firefox refuses any socket to a non-local address
//   (MOZ_DISABLE_NONLOCAL_CONNECTIONS), Chromium's WebRTC may use no UDP;
// - the background services that call home anyway are switched off, or,
//   for two Chromium services with no off switch, pointed at the trap.
//
// Both browsers come from Debian packages (scripts/ensure-debian-packages.ts
// installs them on CI); Playwright's own browser builds are never used.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { locateProgram } from '../../scripts/ensure-debian-packages.ts';

/** A request that reached the trap. */
export interface TrappedRequest {
  /** The HTTP method: `CONNECT` for https/wss (and anything tunnelled), else the request's own. */
  method: string;
  /** For CONNECT, the `host:port` asked for; otherwise the absolute URL. */
  target: string;
}

/** The recording proxy; see {@link startOutsideTrap}. */
export interface OutsideTrap {
  /** The proxy's URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The proxy's port on 127.0.0.1. */
  readonly port: number;
  /**
   * Every request a browser sent through the proxy so far, i.e. tried to
   * send off the machine, oldest first (a live list). Tests assert it is empty.
   */
  readonly requests: readonly TrappedRequest[];
  /**
   * Requests addressed to the trap itself rather than proxied through it
   * (origin-form, e.g. `POST /ListAccounts`): the browser services whose
   * URLs {@link chromiumArgs} points here. They never left loopback; they are
   * kept for diagnosis only.
   */
  readonly redirected: readonly TrappedRequest[];
  /** Stops listening and drops every connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the "outside traffic" trap: an HTTP proxy on 127.0.0.1 (port 0)
 * that records every request it receives, plain (`GET http://host/path`),
 * tunnelled (`CONNECT host:443`) or upgrade, and refuses it with 403 without
 * ever connecting anywhere or resolving any name.
 */
export async function startOutsideTrap(): Promise<OutsideTrap> {
  const requests: TrappedRequest[] = [];
  const redirected: TrappedRequest[] = [];
  const record = (req: http.IncomingMessage): void => {
    const url = req.url ?? '?';
    // CONNECT host:port and absolute-form request lines come from a client
    // using us as its proxy; origin-form (/path) from one talking to us.
    const proxied = req.method === 'CONNECT' || !url.startsWith('/');
    const target = req.method === 'CONNECT' || /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${req.headers.host ?? '?'}${url}`;
    (proxied ? requests : redirected).push({ method: req.method ?? '?', target });
  };
  const refuse = 'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';
  const server = http.createServer((req, res) => {
    record(req);
    req.resume();
    res.writeHead(403, { 'content-type': 'text/plain', connection: 'close' });
    res.end('dialtone test trap: no traffic may leave this machine\n');
  });
  const rawRefusal = (req: http.IncomingMessage, socket: Socket): void => {
    record(req);
    socket.on('error', () => {});
    socket.end(refuse);
    socket.destroySoon();
  };
  server.on('connect', rawRefusal);
  server.on('upgrade', rawRefusal);
  server.on('clientError', (_err, socket: Socket) => socket.destroy());
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await listenOnLoopback(server);
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    redirected,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function listenOnLoopback(server: http.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * The URLs in `urls` whose host is not 127.0.0.1, the one address the tests
 * serve on (`localhost` and `[::1]` count as not; `data:`, `blob:` and
 * `about:` URLs stay inside the browser and do not). A test asserts
 * `deepEqual(notTo127(session.pageRequests), [])`.
 */
export function notTo127(urls: readonly string[]): string[] {
  return urls.filter((u) => {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      return true;
    }
    if (url.protocol === 'data:' || url.protocol === 'blob:' || url.protocol === 'about:') return false;
    return url.hostname !== '127.0.0.1';
  });
}

/** What {@link withTimeout} rejects with. */
class TimeoutError extends Error {}

/** Rejects with a TimeoutError `what timed out after N ms` unless `p` settles within `ms`. */
async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new TimeoutError(`${what} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

// ------------------------------------------------------------------ Cleanup

/** Firefox process groups (by leader pid), while they may have members. */
const liveGroups = new Set<number>();
/** Temp dirs (Firefox profiles, Chromium launchers), while they exist. */
const liveDirs = new Set<string>();
let exitHooksInstalled = false;

/**
 * Makes sure no Firefox outlives this process and no temp dir is left: on
 * exit, and on SIGINT/SIGTERM/SIGHUP (Firefox has its own process group and
 * session, so a Ctrl-C does not reach it), every live Firefox group is
 * killed and every temp dir removed. A signal is then re-raised unless
 * someone else (e.g. Playwright, which closes Chromium itself) also listens
 * for it.
 */
function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  const cleanup = (): void => {
    for (const pgid of liveGroups) killGroup(pgid);
    liveGroups.clear();
    for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
    liveDirs.clear();
  };
  process.on('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanup();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** A fresh temp dir, removed at exit if its owner has not removed it by then. */
async function makeTempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  installExitHooks();
  const path = await mkdtemp(join(tmpdir(), prefix));
  liveDirs.add(path);
  return {
    path,
    async remove() {
      await rm(path, { recursive: true, force: true, maxRetries: 3 });
      liveDirs.delete(path);
    },
  };
}

// ---------------------------------------------------------------- Chromium

/**
 * The Chromium binary: Debian's real executable /usr/lib/chromium/chromium
 * rather than the /usr/bin/chromium shell wrapper, which sources
 * /etc/chromium.d (exporting Google API keys and adding
 * --enable-remote-extensions and --load-extension) before exec'ing it.
 */
export function chromiumExecutable(): string {
  const real = '/usr/lib/chromium/chromium';
  if (existsSync(real)) return real;
  const onPath = locateProgram('chromium');
  if (onPath === undefined) throw new Error('chromium is not installed: run "node scripts/ensure-debian-packages.ts" (npm test does)');
  return onPath;
}

/**
 * Features {@link launchChromium} disables on top of Playwright's list:
 * WebRtcHideLocalIpsWithMdns, because even with no UDP allowed (see
 * chromiumArgs) an RTCPeerConnection makes Chromium join the mDNS multicast
 * group, which sends an IGMP membership report onto the LAN.
 */
export const CHROMIUM_DISABLED_FEATURES: readonly string[] = ['WebRtcHideLocalIpsWithMdns'];

/**
 * The launcher script {@link launchChromium} runs instead of the binary
 * itself. Chromium honours only the last --disable-features and the last
 * --enable-features switch, and Playwright passes its own (they keep
 * Chromium from querying network time, fetching optimization hints,
 * preconnecting to the search engine...): a second --disable-features in
 * `args` would silently drop Playwright's list. The script joins every
 * occurrence into one of each, then execs `binary` (same pid, same pipes).
 */
function chromiumLauncher(binary: string): string {
  const quoted = `'${binary.replaceAll("'", `'\\''`)}'`;
  return [
    '#!/bin/sh',
    '# Written by test/helpers/browser.ts: merges repeated --disable-features and',
    '# --enable-features switches (Chromium keeps only the last), then runs Chromium.',
    'disable=',
    'enable=',
    'for arg do',
    '  shift',
    '  case $arg in',
    '    --disable-features=*) disable="$disable,${arg#--disable-features=}" ;;',
    '    --enable-features=*) enable="$enable,${arg#--enable-features=}" ;;',
    '    *) set -- "$@" "$arg" ;;',
    '  esac',
    'done',
    `exec ${quoted} \${disable:+"--disable-features=\${disable#,}"} \${enable:+"--enable-features=\${enable#,}"} "$@"`,
    '',
  ].join('\n');
}

/**
 * Chromium switches that keep it off the network, on top of Playwright's
 * defaults (some of which are repeated here so that this list alone says
 * what the tests rely on). `trapUrl` is the {@link OutsideTrap}'s URL.
 */
export function chromiumArgs(trapUrl: string): string[] {
  const trapHost = new URL(trapUrl).hostname;
  return [
    // Everything goes to the trap, which records and refuses it. Chromium
    // never proxies localhost, 127.0.0.0/8 and [::1] (its implicit bypass
    // rules), so loopback stays direct. Proxied requests are not resolved
    // locally: the name goes to the proxy as it is.
    `--proxy-server=${trapUrl}`,
    // Whatever would bypass the proxy cannot resolve a name either.
    `--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE ${trapHost} , EXCLUDE localhost`,
    // WebRTC may only use proxied (TCP) candidates: no host candidates, no
    // STUN over UDP, no mDNS queries for .local candidates.
    '--webrtc-ip-handling-policy=disable_non_proxied_udp',
    `--disable-features=${CHROMIUM_DISABLED_FEATURES.join(',')}`,
    // Google services that still call home despite the switches below get
    // their base URLs pointed at the trap itself (the requests stay on
    // loopback and show up in trap.redirected, not trap.requests):
    // - the component updater still fetches some components on demand (in
    //   156, the "Optimization Guide On DeviceModels Manifest" asks
    //   update.googleapis.com right after startup) despite
    //   --disable-component-update;
    // - Gaia: when the machine is online, the account reconcilor POSTs
    //   accounts.google.com/ListAccounts soon after startup (Playwright's
    //   SkipListAccountsWithoutGaiaCookies feature does not exist in 156).
    `--component-updater=url-source=${trapUrl}/component-updater/`,
    `--gaia-url=${trapUrl}/`,
    // Background services: component/variations/safe-browsing updates and
    // the like, domain reliability uploads, sync, first-run pages, hyperlink
    // pings, crash reports.
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-domain-reliability',
    '--disable-sync',
    '--no-first-run',
    '--no-default-browser-check',
    '--no-pings',
    '--disable-breakpad',
  ];
}

/** A Chromium with one browser context whose page requests are recorded; see {@link launchChromium}. */
export interface ChromiumSession {
  /** The browser (Playwright). */
  readonly browser: Browser;
  /** The context pages should be opened in (see {@link ChromiumSession.newPage}). */
  readonly context: BrowserContext;
  /** The trap Chromium's proxy points at. */
  readonly trap: OutsideTrap;
  /**
   * Every URL requested by a page of `context` so far, oldest first:
   * Playwright's `request` events (documents, subresources, fetch/XHR, also
   * from workers) and the pages' `websocket` events (which `request` misses).
   */
  readonly pageRequests: readonly string[];
  /** Opens a page in `context`. */
  newPage(): Promise<Page>;
  /** Closes the context and the browser, and the trap if the session started it. Idempotent; never rejects. */
  close(): Promise<void>;
}

/** Options for {@link launchChromium}. */
export interface LaunchChromiumOptions {
  /** The trap to point the proxy at; by default the session starts (and closes) its own. */
  trap?: OutsideTrap;
  /**
   * Extra Chromium switches, appended after the others (a later switch wins,
   * except --disable-features and --enable-features, which are merged).
   */
  args?: readonly string[];
  /** Bound on the launch, in ms (default 20 000). */
  timeoutMs?: number;
}

/**
 * Launches Debian's Chromium headless through Playwright with
 * {@link chromiumArgs}, and opens a browser context that records every
 * request its pages make. WebAssembly JSPI (`WebAssembly.Suspending`,
 * `WebAssembly.promising`) is on by default in Chromium 137 and later.
 * Always `close()` the session (in a `finally` or an `after` hook).
 */
export async function launchChromium(options: LaunchChromiumOptions = {}): Promise<ChromiumSession> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const binary = chromiumExecutable();
  const ownTrap = options.trap === undefined;
  const trap = options.trap ?? (await startOutsideTrap());
  const dir = await makeTempDir('dialtone-chromium-');
  let browser: Browser | undefined;
  try {
    const launcher = join(dir.path, 'chromium');
    await writeFile(launcher, chromiumLauncher(binary), { mode: 0o755 });
    browser = await chromium.launch({
      executablePath: launcher,
      headless: true,
      args: [...chromiumArgs(trap.url), ...(options.args ?? [])],
      timeout: timeoutMs,
    });
    const context = await withTimeout(browser.newContext(), timeoutMs, 'Chromium newContext()');
    const pageRequests: string[] = [];
    context.on('request', (r) => pageRequests.push(r.url()));
    context.on('page', (page) => page.on('websocket', (ws) => pageRequests.push(ws.url())));
    const b = browser;
    let closed: Promise<void> | undefined;
    return {
      browser: b,
      context,
      trap,
      pageRequests,
      newPage: () => withTimeout(context.newPage(), timeoutMs, 'Chromium newPage()'),
      close() {
        closed ??= (async () => {
          await withTimeout(context.close(), 10_000, 'Chromium context.close()').catch(() => {});
          await withTimeout(b.close(), 10_000, 'Chromium browser.close()').catch(() => {});
          if (ownTrap) await trap.close();
          await dir.remove();
        })();
        return closed;
      },
    };
  } catch (err) {
    if (browser !== undefined) await withTimeout(browser.close(), 10_000, 'Chromium browser.close()').catch(() => {});
    if (ownTrap) await trap.close();
    await dir.remove();
    throw err;
  }
}

// ----------------------------------------------------------------- Firefox

/**
 * The Firefox binary: Debian's /usr/bin/firefox-esr (a symlink to the real
 * executable in /usr/lib/firefox-esr). Playwright cannot drive it (it needs
 * its own patched Firefox), so {@link runInFirefox} runs it as a plain
 * process and the page reports back over HTTP.
 */
export function firefoxExecutable(): string {
  const found = locateProgram('firefox-esr');
  if (found === undefined) throw new Error('firefox-esr is not installed: run "node scripts/ensure-debian-packages.ts" (npm test does)');
  return found;
}

/** A Firefox preference value, as `user.js` takes it. */
export type FirefoxPref = string | number | boolean;

/**
 * The `user.js` preferences of the profile {@link runInFirefox} prepares:
 * the proxy points at the trap (`trapPort` on 127.0.0.1) for everything but
 * loopback, and every feature that phones home on its own is off.
 */
export function firefoxPrefs(trapPort: number): Record<string, FirefoxPref> {
  return {
    // Proxy: every protocol to the trap; loopback is never proxied
    // (allow_hijacking_localhost false), and a failing proxy is never
    // bypassed by going direct.
    'network.proxy.type': 1,
    'network.proxy.http': '127.0.0.1',
    'network.proxy.http_port': trapPort,
    'network.proxy.ssl': '127.0.0.1',
    'network.proxy.ssl_port': trapPort,
    'network.proxy.share_proxy_settings': true,
    'network.proxy.socks_remote_dns': true,
    'network.proxy.no_proxies_on': '',
    'network.proxy.allow_hijacking_localhost': false,
    'network.proxy.failover_direct': false,
    // DNS: no DNS over HTTPS, no prefetching, and the native resolver
    // answers every name with localhost, so no query leaves the machine
    // even for a lookup that does not go through the proxy.
    'network.trr.mode': 5,
    'network.trr.uri': '',
    'network.trr.custom_uri': '',
    'doh-rollout.disable-heuristics': true,
    'network.dns.native-is-localhost': true,
    'network.dns.disablePrefetch': true,
    'network.dns.disablePrefetchFromHTTPS': true,
    'network.dns.native_https_query': false,
    // Prefetching and speculative connections.
    'network.prefetch-next': false,
    'network.predictor.enabled': false,
    'network.predictor.enable-prefetch': false,
    'network.http.speculative-parallel-limit': 0,
    'browser.urlbar.speculativeConnect.enabled': false,
    'browser.places.speculativeConnect.enabled': false,
    'network.http.http3.enable': false,
    // WebRTC: ICE only through the proxy (no STUN over UDP).
    'media.peerconnection.ice.proxy_only': true,
    'media.peerconnection.ice.default_address_only': true,
    // Captive portal and connectivity checks.
    'network.captive-portal-service.enabled': false,
    'captivedetect.canonicalURL': '',
    'network.connectivity-service.enabled': false,
    'network.manage-offline-status': false,
    // Updates (application, add-ons, system add-ons, search, GMP plugins).
    'app.update.disabledForTesting': true,
    'app.update.auto': false,
    'app.update.checkInstallTime': false,
    'extensions.update.enabled': false,
    'extensions.update.autoUpdateDefault': false,
    'extensions.systemAddon.update.enabled': false,
    'extensions.systemAddon.update.url': '',
    'extensions.getAddons.cache.enabled': false,
    'extensions.getAddons.discovery.api_url': 'data:, ',
    'extensions.htmlaboutaddons.recommendations.enabled': false,
    'extensions.blocklist.enabled': false,
    'extensions.installDistroAddons': false,
    'browser.search.update': false,
    'general.useragent.updates.enabled': false,
    'media.gmp-manager.url': '',
    'media.gmp-manager.updateEnabled': false,
    'media.gmp-provider.enabled': false,
    'media.gmp-gmpopenh264.enabled': false,
    'media.gmp-widevinecdm.enabled': false,
    // Telemetry, health report, Glean, crash reports.
    'toolkit.telemetry.enabled': false,
    'toolkit.telemetry.unified': false,
    'toolkit.telemetry.archive.enabled': false,
    'toolkit.telemetry.server': '',
    'toolkit.telemetry.shutdownPingSender.enabled': false,
    'toolkit.telemetry.newProfilePing.enabled': false,
    'toolkit.telemetry.firstShutdownPing.enabled': false,
    'toolkit.telemetry.updatePing.enabled': false,
    'toolkit.telemetry.bhrPing.enabled': false,
    'toolkit.telemetry.coverage.opt-out': true,
    'toolkit.coverage.opt-out': true,
    'datareporting.healthreport.uploadEnabled': false,
    'datareporting.healthreport.service.enabled': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'datareporting.policy.dataSubmissionPolicyBypassNotification': true,
    'datareporting.policy.firstRunURL': '',
    'datareporting.usage.uploadEnabled': false,
    'telemetry.fog.test.localhost_port': -1,
    'browser.ping-centre.telemetry': false,
    'browser.newtabpage.activity-stream.telemetry': false,
    'browser.newtabpage.activity-stream.feeds.telemetry': false,
    'browser.crashReports.unsubmittedCheck.enabled': false,
    'browser.tabs.crashReporting.sendReport': false,
    'breakpad.reportURL': '',
    // Normandy, studies, experiments.
    'app.normandy.enabled': false,
    'app.normandy.api_url': '',
    'app.shield.optoutstudies.enabled': false,
    'messaging-system.rsexperimentloader.enabled': false,
    // Safe browsing and tracking-protection list downloads.
    'browser.safebrowsing.malware.enabled': false,
    'browser.safebrowsing.phishing.enabled': false,
    'browser.safebrowsing.downloads.enabled': false,
    'browser.safebrowsing.downloads.remote.enabled': false,
    'browser.safebrowsing.blockedURIs.enabled': false,
    'browser.safebrowsing.passwords.enabled': false,
    'browser.safebrowsing.provider.google.updateURL': '',
    'browser.safebrowsing.provider.google.gethashURL': '',
    'browser.safebrowsing.provider.google4.updateURL': '',
    'browser.safebrowsing.provider.google4.gethashURL': '',
    'browser.safebrowsing.provider.mozilla.updateURL': '',
    'browser.safebrowsing.provider.mozilla.gethashURL': '',
    'privacy.trackingprotection.enabled': false,
    'privacy.trackingprotection.pbmode.enabled': false,
    // Remote settings (and what it feeds: CRLite, intermediates), OCSP.
    // Release builds honour this server only under
    // MOZ_DISABLE_NONLOCAL_CONNECTIONS=1 (set by runInFirefox), and then this
    // exact dummy value makes Remote Settings skip all remote activity.
    'services.settings.server': 'data:,#remote-settings-dummy/v1',
    'security.remote_settings.intermediates.enabled': false,
    'security.remote_settings.crlite_filters.enabled': false,
    'security.OCSP.enabled': 0,
    'security.certerrors.mitm.priming.enabled': false,
    // Push.
    'dom.push.enabled': false,
    'dom.push.connection.enabled': false,
    'dom.push.serverURL': '',
    // Pocket, new tab page content, sponsored tiles, suggestions.
    'extensions.pocket.enabled': false,
    'browser.newtabpage.enabled': false,
    'browser.newtab.preload': false,
    'browser.newtabpage.activity-stream.feeds.section.topstories': false,
    'browser.newtabpage.activity-stream.feeds.system.topstories': false,
    'browser.newtabpage.activity-stream.feeds.topsites': false,
    'browser.newtabpage.activity-stream.showSponsored': false,
    'browser.newtabpage.activity-stream.showSponsoredTopSites': false,
    'browser.newtabpage.activity-stream.default.sites': '',
    'browser.newtabpage.activity-stream.asrouter.userprefs.cfr.addons': false,
    'browser.newtabpage.activity-stream.asrouter.userprefs.cfr.features': false,
    'browser.topsites.contile.enabled': false,
    'browser.urlbar.suggest.searches': false,
    'browser.urlbar.quicksuggest.enabled': false,
    'browser.urlbar.merino.endpointURL': '',
    'browser.urlbar.merino.ohttpConfigURL': '',
    'browser.urlbar.merino.ohttpRelayURL': '',
    // First-run and post-update pages, welcome, onboarding, terms of use.
    'browser.startup.homepage_override.mstone': 'ignore',
    'browser.startup.homepage': 'about:blank',
    'browser.startup.page': 0,
    'browser.startup.firstrunSkipsHomepage': true,
    'startup.homepage_welcome_url': 'about:blank',
    'startup.homepage_welcome_url.additional': '',
    'browser.aboutwelcome.enabled': false,
    'browser.startup.upgradeDialog.enabled': false,
    'browser.preonboarding.enabled': false,
    'termsofuse.bypassNotification': true,
    'browser.shell.checkDefaultBrowser': false,
    'browser.uitour.enabled': false,
    // Other services that fetch on their own: region and geolocation,
    // Firefox accounts, translations and ML models, discovery, backups.
    'browser.region.network.url': '',
    'browser.region.update.enabled': false,
    'geo.provider.network.url': '',
    'geo.enabled': false,
    'identity.fxaccounts.enabled': false,
    'browser.translations.enable': false,
    'browser.ml.enable': false,
    'browser.discovery.enabled': false,
    'browser.backup.enabled': false,
    'browser.vpn_promo.enabled': false,
    'browser.shopping.experience2023.enabled': false,
    'browser.sessionstore.resume_from_crash': false,
    'toolkit.startup.max_resumed_crashes': -1,
    'browser.pagethumbnails.capturing_disabled': true,
  };
}

/** Options for {@link runInFirefox}. */
export interface RunInFirefoxOptions {
  /**
   * The trap to point the proxy at. Without one, a private trap is used and
   * `runInFirefox` rejects if it recorded anything.
   */
  trap?: OutsideTrap;
  /** Bound on the whole run, from launch to the page's report, in ms (default 20 000). */
  timeoutMs?: number;
  /** How long Firefox keeps running after the report (idle time for a trap to catch background traffic), in ms (default 0). */
  lingerMs?: number;
  /** The query parameter that carries the report URL (default `report`). */
  reportParam?: string;
  /** Extra or overriding `user.js` preferences. */
  prefs?: Readonly<Record<string, FirefoxPref>>;
}

/**
 * Whether a process of group `pgid` is still running. Zombies do not
 * count: once the leader is dead its children are reparented to PID 1,
 * which may take a second or two to reap them, and they hold nothing but a
 * process table entry. Reads /proc (Linux); elsewhere, asks kill(-pgid, 0).
 */
function groupAlive(pgid: number): boolean {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    } catch {
      continue; // gone meanwhile
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') return true;
  }
  return false;
}

/**
 * Opens `url` in Debian's Firefox ESR (headless, fresh profile from
 * {@link firefoxPrefs}) and resolves with the JSON the page POSTs back.
 *
 * The page learns where to report from its query string: `url` gets
 * `?report=http://127.0.0.1:PORT/report` (see `reportParam`), and the page
 * does `fetch(new URLSearchParams(location.search).get('report'),
 * { method: 'POST', body: JSON.stringify(result) })`. The first POST wins;
 * the report server answers CORS preflights, so any content type works.
 *
 * Firefox runs in its own process group with HOME in the temp dir; when the
 * report arrives (plus `lingerMs`), on timeout, or if Firefox exits first,
 * the whole group is killed and the profile removed before the promise
 * settles. A timeout rejects with an Error saying so, with Firefox's output.
 * JSPI needs no pref: `javascript.options.wasm_js_promise_integration` is on
 * by default in Firefox 153 (set it false in `prefs` to see a page without).
 */
export async function runInFirefox(url: string, options: RunInFirefoxOptions = {}): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const ownTrap = options.trap === undefined;
  const trap = options.trap ?? (await startOutsideTrap());
  const root = await makeTempDir('dialtone-firefox-');
  let report: ReportServer | undefined;
  let child: ChildProcess | undefined;
  try {
    report = await startReportServer();
    const profile = join(root.path, 'profile');
    const home = join(root.path, 'home');
    await mkdir(profile);
    await mkdir(home);
    const prefs = { ...firefoxPrefs(trap.port), ...options.prefs };
    await writeFile(join(profile, 'user.js'), userJs(prefs));
    const pageUrl = new URL(url);
    pageUrl.searchParams.set(options.reportParam ?? 'report', report.url);

    const output = tail();
    const proc = spawn(firefoxExecutable(), ['-headless', '-no-remote', '-profile', profile, pageUrl.href], {
      detached: true, // its own process group, killed as a whole
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        // Everything Firefox writes outside the profile lands in the temp dir too.
        HOME: home,
        XDG_CONFIG_HOME: join(home, '.config'),
        XDG_CACHE_HOME: join(home, '.cache'),
        XDG_DATA_HOME: join(home, '.local', 'share'),
        MOZ_HEADLESS: '1',
        MOZ_CRASHREPORTER_DISABLE: '1',
        MOZ_DISABLE_AUTO_SAFE_MODE: '1',
        // Firefox's test-harness switch: refuses any socket to a non-local
        // address (the proxy on 127.0.0.1 is local, so proxied requests
        // still reach the trap and are recorded there), and lets the
        // services.settings.server pref above take effect.
        MOZ_DISABLE_NONLOCAL_CONNECTIONS: '1',
      },
    });
    child = proc;
    if (proc.pid !== undefined) liveGroups.add(proc.pid);
    proc.stdout?.on('data', (b: Buffer) => output.add(b));
    proc.stderr?.on('data', (b: Buffer) => output.add(b));

    const exited = new Promise<never>((_resolve, reject) => {
      proc.once('error', (err) => reject(new Error(`cannot start Firefox: ${err.message}`, { cause: err })));
      proc.once('exit', (code, signal) =>
        reject(new Error(`Firefox exited (${signal ?? `status ${String(code)}`}) before the page reported; its output:\n${output.text()}`)),
      );
    });
    exited.catch(() => {});
    const reportUrl = report.url;
    const result = await withTimeout(Promise.race([report.received, exited]), timeoutMs, `Firefox on ${url}`).catch((err: unknown) => {
      if (err instanceof TimeoutError) {
        throw new Error(`${err.message} without the page reporting to ${reportUrl}; Firefox output:\n${output.text()}`, { cause: err });
      }
      throw err;
    });
    if ((options.lingerMs ?? 0) > 0) await Promise.race([sleep(options.lingerMs ?? 0), exited.catch(() => {})]);
    if (ownTrap && trap.requests.length > 0) {
      throw new Error(`Firefox tried to reach the outside: ${trap.requests.map((r) => `${r.method} ${r.target}`).join(', ')}`);
    }
    return result;
  } finally {
    if (child !== undefined) await stopFirefox(child);
    await report?.close();
    if (ownTrap) await trap.close();
    await root.remove();
  }
}

/**
 * Kills Firefox's whole process group (the fork server, socket, RDD and
 * content processes too, even if the leader is already gone) and waits,
 * at most 5 s, until the leader is reaped and no process of the group runs.
 */
async function stopFirefox(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const reaped = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  killGroup(pid);
  const deadline = Date.now() + 5_000;
  await withTimeout(reaped, 5_000, 'Firefox exit').catch(() => {});
  while (groupAlive(pid) && Date.now() < deadline) {
    killGroup(pid);
    await sleep(25);
  }
  child.stdout?.destroy();
  child.stderr?.destroy();
  liveGroups.delete(pid);
}

function userJs(prefs: Readonly<Record<string, FirefoxPref>>): string {
  const lines = Object.entries(prefs).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`);
  return `// Written by dialtone's test/helpers/browser.ts\n${lines.join('\n')}\n`;
}

interface ReportServer {
  url: string;
  received: Promise<unknown>;
  close(): Promise<void>;
}

/** The HTTP server on 127.0.0.1 a page POSTs its JSON result to. */
async function startReportServer(): Promise<ReportServer> {
  let deliver!: (v: unknown) => void;
  let fail!: (e: Error) => void;
  const received = new Promise<unknown>((resolve, reject) => {
    deliver = resolve;
    fail = reject;
  });
  received.catch(() => {});
  const cors = {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': '*',
  };
  const server = http.createServer((req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors).end();
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, cors).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (b: Buffer) => {
      size += b.length;
      if (size <= 1024 * 1024) chunks.push(b);
    });
    req.on('end', () => {
      res.writeHead(204, cors).end();
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        deliver(JSON.parse(body));
      } catch {
        fail(new Error(`the page reported something that is not JSON: ${JSON.stringify(body.slice(0, 200))}`));
      }
    });
  });
  await listenOnLoopback(server);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/report`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The last 16 KiB of a stream, as text. */
function tail(): { add(b: Buffer): void; text(): string } {
  let buf = Buffer.alloc(0);
  return {
    add(b) {
      buf = Buffer.concat([buf, b]);
      if (buf.length > 16384) buf = buf.subarray(buf.length - 16384);
    },
    text: () => buf.toString('utf8'),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
