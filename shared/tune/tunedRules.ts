import type { Rule, Target } from '../policy/schema';
import { replayedRules } from '../simulate/replayedRules';

/**
 * Which of a policy target's rules `scalepilot tune` varies, and which it replays as they are. The trace stands
 * for the metric of the rule tune varies; the rules on that metric replay beside it, the others are left out of
 * the replay (shared/simulate/replayedRules.ts decides, for `backtest --policy` too).
 */
export interface TunedRules {
  /** The rule the search varies: the first target-tracking rule, else the first rule (replaced by target tracking). */
  readonly tuned: Rule;
  /** The other rules every candidate's replay keeps as they are: they read the tuned rule's metric. */
  readonly replayed: readonly Rule[];
  /** One line per rule left out of the replay, naming it and why (it stays in the recommendation as it is). */
  readonly notReplayed: readonly string[];
}

/** The target's rules as tune replays them, or the one line saying why none can be. */
export function tunedRules(target: Target): TunedRules | { readonly refused: string } {
  const rules = replayedRules(target, 'the one tuned');
  if ('refused' in rules) return rules;
  return {
    tuned: rules.lead,
    replayed: rules.replayed,
    notReplayed: rules.leftOut.map(
      ({ rule, why }) => `rule "${rule.name}" not replayed: ${why}; tuned without it, kept as it is`,
    ),
  };
}
