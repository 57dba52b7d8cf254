import type { Endpoint } from '../netdev/endpoint.ts';
import type { RulePolicyOptions } from './rules.ts';

/** What a guest asks to do with the network. */
export type NetOperation =
  /** connect a stream or datagram socket to a remote endpoint */
  | 'connect'
  /** send a datagram to an endpoint (unconnected UDP sendto) */
  | 'send'
  /** bind/listen on a local endpoint (TCP listen, UDP bind) */
  | 'listen';

/** The answer to a policy question: allowed, or refused with a one-line reason naming the rule. */
export type PolicyDecision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/**
 * Decides each network operation of a guest. dialtone asks before every
 * connect, send-to, bind/listen and name lookup, and about every peer that
 * reaches a socket the guest listens on; a refusal becomes EACCES for
 * the guest and, with `--trace`, a line giving `reason`.
 *
 * Decisions apply to resolved addresses: when the host resolves a name for
 * the guest it calls {@link NetworkPolicy.learn}, so that a rule naming a host
 * (`example.com:443`) covers the addresses that name resolved to.
 */
export interface NetworkPolicy {
  /** May the guest perform `op` on `endpoint`? */
  check(op: NetOperation, endpoint: Endpoint): PolicyDecision;
  /**
   * May the guest take traffic from `peer`, which reached one of its
   * listening sockets (a connection to a listener it opened, a datagram to
   * a UDP socket it bound), and answer it there? dialtone asks when it
   * accepts such a connection or receives such a datagram, and before a
   * UDP server answers a recent sender that `check('send', ...)` refuses.
   * A refused connection is closed, a refused datagram dropped, a refused
   * answer EACCES. Optional: without it every such peer is taken and may be
   * answered. {@link RulePolicy} refuses only what `denyNet` covers.
   */
  checkAccept?(peer: Endpoint): PolicyDecision;
  /** May the guest look up `hostname`? */
  checkLookup(hostname: string): PolicyDecision;
  /** Records that `hostname` resolved to `addresses` (textual IPs). */
  learn(hostname: string, addresses: readonly string[]): void;
  /**
   * Host names whose addresses the policy needs even if the guest never
   * looks them up (a denied name: its lookups are refused). The host
   * resolves each once, before the guest starts, as it resolves the
   * guest's own lookups, and passes the answer to {@link NetworkPolicy.learn}.
   */
  namesToResolve?(): readonly string[];
}

/**
 * A policy that can also be stated as rules: {@link RulePolicy} and the
 * built-ins. Only such a policy can be given to `spawnWorker`, which sends
 * the worker its `rules` (methods cannot cross a thread) and the worker
 * builds an equal `RulePolicy` from them, with nothing learned yet.
 */
export interface PortablePolicy extends NetworkPolicy {
  /** The same policy as plain data. */
  readonly rules: RulePolicyOptions;
}

/** A policy that refuses everything: the library default. Its rules are `{}`. */
export const DENY_ALL: PortablePolicy = {
  rules: {},
  check: (op) => ({ allowed: false, reason: `network access is off (no policy allows ${op})` }),
  checkLookup: (h) => ({ allowed: false, reason: `network access is off (no policy allows looking up ${h})` }),
  learn: () => {},
};

/** A policy that allows everything (`--allow-net` with no list). Its rules are `{ allowNet: true }`. */
export const ALLOW_ALL: PortablePolicy = {
  rules: { allowNet: true },
  check: () => ({ allowed: true }),
  checkLookup: () => ({ allowed: true }),
  learn: () => {},
};
