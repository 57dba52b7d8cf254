/**
 * A network policy as data: the rule lists of {@link RulePolicyOptions}
 * (what `--allow-net`, `--allow-listen` and `--deny-net` take). Unlike a
 * policy object's methods, rules survive a structured clone, so they are how
 * a policy reaches a guest in a worker thread.
 * @module
 */
import { DialtoneError } from '../errors.ts';
import type { NetworkPolicy, PortablePolicy } from './policy.ts';
import { RulePolicy, type RulePolicyOptions } from './rules.ts';

/** Whether `policy` is a policy object (it has a `check` method) rather than rules. */
export function isNetworkPolicy(policy: NetworkPolicy | RulePolicyOptions): policy is NetworkPolicy {
  return typeof (policy as Partial<NetworkPolicy>).check === 'function';
}

/**
 * The policy `run()` applies: a policy object as given, rules as a new
 * {@link RulePolicy} (throws `DialtoneError` `ERR_USAGE` naming a bad entry).
 */
export function toNetworkPolicy(policy: NetworkPolicy | RulePolicyOptions | undefined): NetworkPolicy | undefined {
  if (policy === undefined) return undefined;
  return isNetworkPolicy(policy) ? policy : new RulePolicy(policy);
}

/**
 * The rules to send a worker for `policy` (rules, or a {@link PortablePolicy}'s
 * `rules`), checked and copied as plain data: a bad entry throws
 * `DialtoneError` `ERR_USAGE` here rather than later in the worker. Any other
 * policy object throws `ERR_WORKER_OPTIONS`: its methods cannot cross into
 * another thread.
 */
export function toPolicyRules(policy: PortablePolicy | RulePolicyOptions | undefined): RulePolicyOptions | undefined {
  if (policy === undefined) return undefined;
  const rules = isNetworkPolicy(policy) ? (policy as Partial<PortablePolicy>).rules : policy;
  if (rules === undefined) {
    throw new DialtoneError(
      'ERR_WORKER_OPTIONS',
      'spawnWorker: net.policy is a policy object without rules, and its methods cannot cross into a worker thread; ' +
        "give rules instead, e.g. { allowNet: ['example.com:443'], allowListen: [':8080'], denyNet: ['10.0.0.0/8'] } " +
        '(a RulePolicy, ALLOW_ALL and DENY_ALL carry theirs)',
    );
  }
  return new RulePolicy(rules).rules;
}
