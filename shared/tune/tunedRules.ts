import type { Rule, Target } from '../policy/schema';
import { metricDimensions } from '../policy/targetResource';

/**
 * Which of a policy target's rules `scalepilot tune` varies, and which it replays as they are. The backtest
 * engine replays one load series: every rule reads the same replayed utilisation, through its own period and
 * statistic (shared/simulate/MetricWindow.ts). That series stands for the metric of the rule tune varies, so
 * another rule replays faithfully only when it reads that same metric; a rule on another metric (request
 * counts beside CPU) would be fed the utilisation as if it were its own, and is left out of the replay instead.
 * A `SampleCount` read counts the datapoints that arrived, which no load trace carries.
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
  const countsOnly = target.rules.filter((r) => r.metric.statistic === 'SampleCount');
  const candidates = target.rules.filter((r) => !countsOnly.includes(r));
  const tuned = candidates.find((r) => r.type === 'target-tracking') ?? candidates[0];
  if (!tuned)
    return {
      refused: `no rule of target "${target.name}" can be replayed on one load trace: ${countsOnly.map((r) => `rule "${r.name}"`).join(', ')} ${countsOnly.length === 1 ? 'reads' : 'read'} SampleCount (how many datapoints arrived), which a load trace does not carry`,
    };
  const series = seriesOf(target, tuned);
  const notReplayed: string[] = [];
  const replayed: Rule[] = [];
  for (const rule of target.rules) {
    if (rule === tuned) continue;
    const why = countsOnly.includes(rule)
      ? 'it reads SampleCount (how many datapoints arrived), which a load trace does not carry'
      : seriesOf(target, rule) !== series
        ? `it reads ${seriesOf(target, rule)}, and the trace stands for ${series} (rule "${tuned.name}", the one tuned)`
        : undefined;
    if (why) notReplayed.push(`rule "${rule.name}" not replayed: ${why}; tuned without it, kept as it is`);
    else replayed.push(rule);
  }
  return { tuned, replayed, notReplayed };
}

/** The series a rule reads, as one line: namespace, name, dimensions (the target's when the rule names none), unit. */
function seriesOf(target: Target, rule: Rule): string {
  const { namespace, name, dimensions, percentOf } = rule.metric;
  const by = Object.entries(metricDimensions(target, dimensions))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${namespace}/${name} {${by}}${percentOf === undefined ? '' : ` as % of ${percentOf}`}`;
}
