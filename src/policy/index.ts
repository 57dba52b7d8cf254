/**
 * Network policy: what a guest may connect to, send to, listen on and look
 * up. {@link RulePolicy} implements the Deno-like allow/deny lists;
 * {@link DENY_ALL} is the library default and {@link ALLOW_ALL} the bare
 * `--allow-net`.
 * @module
 */
export { ALLOW_ALL, DENY_ALL, type NetOperation, type NetworkPolicy, type PolicyDecision, type PortablePolicy } from './policy.ts';
export { DEFAULT_MAX_ADDRESSES_PER_NAME, DEFAULT_MAX_LEARNED_NAMES, RulePolicy, type RulePolicyOptions } from './rules.ts';
export { policyFromFlags, policyOptionsFromFlags, splitFlagList, type PolicyFlags } from './flags.ts';
export { parseEntry, type IpNetwork, type PortRange, type Rule, type Target } from './entry.ts';
