import type { Plan, Policy, Rule, Target } from '../policy/schema';
import { unreplayable, whyNone } from './replayedRules';

/**
 * A plan member's rules as `backtest --plan` replays them, or the one line refusing it. The member's utilisation
 * in % is its one measure of how full it is: every rule on a share of capacity (CPU, memory, connections as a %
 * of a maximum) is fed it, whatever metric it names; counts and SampleCount reads are left out (unreplayable).
 */
export function memberReplayedRules(
  target: Target,
):
  | { readonly replayed: readonly Rule[]; readonly leftOut: readonly { rule: Rule; why: string }[] }
  | { readonly refused: string } {
  const cannot = new Map<Rule, string>();
  for (const rule of target.rules) {
    const why = unreplayable(target, rule);
    if (why) cannot.set(rule, why);
  }
  const replayed = target.rules.filter((r) => !cannot.has(r));
  if (replayed.length === 0)
    return {
      refused: `no rule of target "${target.name}" can be replayed on its utilisation: ${whyNone(cannot)}`,
    };
  return { replayed, leftOut: [...cannot].map(([rule, why]) => ({ rule, why })) };
}

/**
 * The policy with each member of the plan keeping only the rules its replay can feed, and one line per rule left
 * out (`plan P, member M: rule "R" not replayed: …`); or one line per member none of whose rules can be replayed.
 * The CLI and the plan bench replay the same rules.
 */
export function planReplayedRules(
  policy: Policy,
  plan: Plan,
): { readonly policy: Policy; readonly notes: readonly string[] } | { readonly refused: readonly string[] } {
  const notes: string[] = [];
  const refused: string[] = [];
  const kept = new Map<string, Target>();
  for (const member of plan.members) {
    // A member that is no target is named by the backtest itself (planScenario).
    const target = policy.targets.find((t) => t.name === member.target);
    if (!target) continue;
    const at = `plan ${plan.name}, member ${target.name}`;
    const rules = memberReplayedRules(target);
    if ('refused' in rules) {
      refused.push(`${at}: ${rules.refused}`);
      continue;
    }
    for (const { rule, why } of rules.leftOut)
      notes.push(`${at}: rule "${rule.name}" not replayed: it ${why}; the figures are without it`);
    if (rules.leftOut.length > 0) kept.set(target.name, { ...target, rules: [...rules.replayed] });
  }
  if (refused.length > 0) return { refused };
  return { policy: { ...policy, targets: policy.targets.map((t) => kept.get(t.name) ?? t) }, notes };
}
