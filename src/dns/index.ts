/**
 * The guest's DNS: a stub nameserver answered by the host (see
 * {@link DnsStub}) through the one resolver the socket ABIs use too (see
 * {@link HostResolver}), the virtual /etc/resolv.conf and /etc/hosts that point
 * guests at it, and the wire format and TCP framing underneath.
 */
export {
  DnsStub,
  DEFAULT_LOOKUP_TIMEOUT_MS,
  DEFAULT_MAX_ANSWERS,
  DEFAULT_MAX_LOOKUPS,
  MAX_TCP_QUERY,
  MAX_UDP_QUERY,
  type DnsResolveFn,
  type DnsStubOptions,
  type DnsTransport,
  type LookupDecision,
} from './stub.ts';
export { systemLookup, systemResolve, upstreamResolver } from './node-system.ts';
export { HostResolver, isNameNotFound, parseDnsServer, DNS_PORT, type DnsLookupFn, type HostResolverOptions } from './resolver.ts';
export {
  resolvConf,
  hostsFile,
  LOCALHOST_ENTRIES,
  RESOLV_CONF_ATTEMPTS,
  RESOLV_CONF_TIMEOUT_SECONDS,
  type HostsEntry,
  type ResolvConfOptions,
} from './files.ts';
export { DnsTcpDecoder, encodeTcpFrame } from './tcp-framing.ts';
export {
  DnsFormatError,
  DnsType,
  Rcode,
  DNS_CLASS_IN,
  DEFAULT_TTL,
  UDP_CLASSIC_SIZE,
  UDP_MAX_SIZE,
  TCP_MAX_SIZE,
  buildResponse,
  parseQuery,
  readHeader,
  type DnsAnswer,
  type DnsEdns,
  type DnsHeader,
  type DnsQuery,
  type DnsQuestion,
  type DnsResponseSpec,
} from './wire.ts';
