/**
 * dialtone/http for a page without a bundler: `dist/dialtone-http.browser.js`
 * holds dialtone/http (browser build) and what a page needs to give it a
 * network: dialtone/net's `Network`, and the `WispDriver` (a relay) and
 * `MemoryNetwork` drivers.
 *
 * ```js
 * import { Client, Network, WispDriver } from './dialtone-http.browser.js';
 * const network = new Network({ driver: await WispDriver.open('ws://127.0.0.1:8717/') });
 * const res = await new Client({ network }).get('http://example.com/');
 * ```
 * @module
 */
export * from './browser.ts';
export { Network, type DialOptions, type NetworkOptions } from '../net/network.ts';
export { WispDriver } from '../netdev/wisp/driver.ts';
export { MemoryNetwork, type MemoryNetworkOptions } from '../netdev/memory/network.ts';
