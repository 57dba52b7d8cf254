import { DialtoneError } from '../errors.ts';
import { RulePolicy, type RulePolicyOptions } from './rules.ts';

/**
 * The policy flags as a command line gave them, one item per occurrence:
 * `true` for the bare flag (`--allow-net`), else the text after `=`
 * (`--allow-net=example.com:443,10.0.0.0/8`). Flags may repeat; their lists
 * add up.
 */
export interface PolicyFlags {
  /** `--allow-net[=LIST]` occurrences. */
  readonly allowNet?: readonly (true | string)[] | undefined;
  /** `--allow-listen[=LIST]` occurrences. */
  readonly allowListen?: readonly (true | string)[] | undefined;
  /** `--deny-net[=LIST]` occurrences; a bare `--deny-net` denies everything (`*`). */
  readonly denyNet?: readonly (true | string)[] | undefined;
}

/**
 * Turns command-line flag values into {@link RulePolicyOptions}: a bare
 * flag anywhere means "all", lists are split on commas and concatenated.
 * Throws `DialtoneError` `ERR_USAGE` for an empty list (`--allow-net=`).
 */
export function policyOptionsFromFlags(flags: PolicyFlags): RulePolicyOptions {
  const deny = collect('--deny-net', flags.denyNet);
  return {
    allowNet: collect('--allow-net', flags.allowNet),
    allowListen: collect('--allow-listen', flags.allowListen),
    denyNet: deny === true ? ['*'] : deny,
  };
}

/**
 * A {@link RulePolicy} from command-line flag values (see
 * {@link policyOptionsFromFlags}); with no flags it refuses everything.
 * Throws `DialtoneError` `ERR_USAGE` naming the first bad entry.
 */
export function policyFromFlags(flags: PolicyFlags): RulePolicy {
  return new RulePolicy(policyOptionsFromFlags(flags));
}

/** Splits one `--flag=a,b` value; entries are trimmed later by the parser. */
export function splitFlagList(flag: string, value: string): string[] {
  if (value.trim() === '') throw new DialtoneError('ERR_USAGE', `${flag}= needs a list (or no "=" to mean everything)`);
  return value.split(',');
}

function collect(flag: string, values: readonly (true | string)[] | undefined): true | string[] | undefined {
  if (values === undefined || values.length === 0) return undefined;
  if (values.includes(true)) return true;
  return values.flatMap((v) => (v === true ? [] : splitFlagList(flag, v)));
}
