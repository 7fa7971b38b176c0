import type { Rule, Target } from '../policy/schema';
import { metricDimensions } from '../policy/targetResource';

/**
 * Which of a policy target's rules a replay of one load series can feed. The engine hands every rule the same
 * replayed utilisation, through its own period and statistic (MetricWindow.ts). The series stands for the metric
 * of one rule, the lead; another rule replays faithfully only when it reads that same metric. A rule on another
 * metric (request counts beside CPU) would be fed the utilisation as if it were its own, and is left out instead.
 * A `SampleCount` read counts the datapoints that arrived, which no load trace carries. Shared by `backtest
 * --policy` and `tune` (shared/tune/tunedRules.ts), which word the lines for their own operators.
 */
export interface ReplayedRules {
  /** The rule the trace stands for: the first target-tracking rule, else the first rule (not on SampleCount). */
  readonly lead: Rule;
  /** The other rules, in the target's order, that read the lead's metric and replay beside it. */
  readonly replayed: readonly Rule[];
  /** Each rule left out of the replay, with why: "it reads …". */
  readonly leftOut: readonly { readonly rule: Rule; readonly why: string }[];
}

/**
 * The target's rules as one load trace replays them, or the one line saying why none can be. `leadNote` is
 * added to the lead's name where a line names it ("the one tuned").
 */
export function replayedRules(
  target: Target,
  leadNote?: string,
): ReplayedRules | { readonly refused: string } {
  const countsOnly = target.rules.filter((r) => r.metric.statistic === 'SampleCount');
  const candidates = target.rules.filter((r) => !countsOnly.includes(r));
  const lead = candidates.find((r) => r.type === 'target-tracking') ?? candidates[0];
  if (!lead)
    return {
      refused: `no rule of target "${target.name}" can be replayed on one load trace: ${countsOnly.map((r) => `rule "${r.name}"`).join(', ')} ${countsOnly.length === 1 ? 'reads' : 'read'} SampleCount (how many datapoints arrived), which a load trace does not carry`,
    };
  const series = seriesOf(target, lead);
  const named = `rule "${lead.name}"${leadNote === undefined ? '' : `, ${leadNote}`}`;
  const leftOut: { rule: Rule; why: string }[] = [];
  const replayed: Rule[] = [];
  for (const rule of target.rules) {
    if (rule === lead) continue;
    const why = countsOnly.includes(rule)
      ? 'it reads SampleCount (how many datapoints arrived), which a load trace does not carry'
      : seriesOf(target, rule) !== series
        ? `it reads ${seriesOf(target, rule)}, and the trace stands for ${series} (${named})`
        : undefined;
    if (why) leftOut.push({ rule, why });
    else replayed.push(rule);
  }
  return { lead, replayed, leftOut };
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
