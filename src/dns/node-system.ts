/**
 * Node's ways of resolving names, for the Node platform: the system
 * resolver (getaddrinfo) and an upstream DNS server asked directly.
 * Nothing else under `dns/` imports Node.
 */
import { Resolver, lookup as dnsLookup } from 'node:dns/promises';
import { bothFamilies, type DnsLookupFn, type DnsResolveFn } from './resolver.ts';

/**
 * `dns.promises.lookup(name, { family, all: true })`, i.e. getaddrinfo with
 * the machine's /etc/hosts, nsswitch and resolver.
 */
export const systemResolve: DnsResolveFn = async (name, family) => {
  const found = await dnsLookup(name, { family, all: true });
  return found.map((a) => a.address);
};

/** {@link systemResolve} for one family or, when `family` is undefined, both. */
export const systemLookup: DnsLookupFn = (name, family) =>
  family === undefined ? bothFamilies(systemResolve, name) : systemResolve(name, family);

/**
 * Asks `server` (normalised `ip:port`) alone, one query per family, no
 * hosts file, no search list: `HostResolverOptions.upstream` on Node.
 */
export function upstreamResolver(server: string, timeoutMs: number): DnsResolveFn {
  // One try with the whole deadline: the guest's own resolver retries.
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  resolver.setServers([server]);
  return (name, family) => (family === 4 ? resolver.resolve4(name) : resolver.resolve6(name));
}
