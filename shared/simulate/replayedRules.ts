import type { Rule, Target } from '../policy/schema';
import { metricDimensions } from '../policy/targetResource';

/**
 * Which of a policy target's rules a replay of one load series can feed. The engine hands every rule the same
 * replayed utilisation, through its own period and statistic (MetricWindow.ts). The series stands for the metric
 * of one rule, the lead; another rule replays faithfully only when it reads that same metric. A rule on another
 * metric (request counts beside CPU) would be fed the utilisation as if it were its own, and is left out instead.
 * A `SampleCount` read, or a count that is no utilisation in %, cannot be fed at all (`unreplayable`). Shared by
 * `backtest --policy` and `tune` (shared/tune/tunedRules.ts), which word the lines for their own operators.
 */
export interface ReplayedRules {
  /** The rule the trace stands for: the first target-tracking rule, else the first rule (not on SampleCount). */
  readonly lead: Rule;
  /** The other rules, in the target's order, that read the lead's metric and replay beside it. */
  readonly replayed: readonly Rule[];
  /** Each rule left out of the replay, with why: "it reads …". */
  readonly leftOut: readonly { readonly rule: Rule; readonly why: string }[];
}

const SAMPLE_COUNT = 'reads SampleCount (how many datapoints arrived), which a load trace does not carry';

/**
 * A metric name that says it is a percentage: AWS names its own so (CPUUtilization, EngineCPUUtilization,
 * DatabaseMemoryUsagePercentage), and so does the CloudWatch agent (mem_used_percent, cpu_usage_active, Windows'
 * `% Processor Time`).
 */
const PERCENT_NAME = /utili[sz]ation|percent|%|^cpu_usage_/i;

/**
 * Why a rule cannot be fed a replayed utilisation ("reads …"), or undefined when it can. The backtest knows a
 * target's load only as its utilisation, `load ÷ (serving × u)`, with the unit capacity `u` taken from the trace's
 * own p99 (backtest.md): a rule on a share of capacity in % (its metric has `percentOf`, or a name that says so)
 * is fed it. A count (RequestCountPerTarget, whose target AWS reads as requests per target in a minute) is not:
 * fed the % it would scale to its minimum, and fed the load per serving unit its real target would be held
 * against a unit the trace's scale alone makes up. A `SampleCount` read counts the datapoints that arrived,
 * which no trace carries.
 */
export function unreplayable(target: Target, rule: Rule): string | undefined {
  if (rule.metric.statistic === 'SampleCount') return SAMPLE_COUNT;
  if (rule.metric.percentOf !== undefined || PERCENT_NAME.test(rule.metric.name)) return undefined;
  return `reads ${seriesOf(target, rule)}, not a utilisation in % (no percentOf, and its name says no percentage): a backtest knows the load only as a % of what a unit carries`;
}

/**
 * The target's rules as one load trace replays them, or the one line saying why none can be. `leadNote` is
 * added to the lead's name where a line names it ("the one tuned").
 */
export function replayedRules(
  target: Target,
  leadNote?: string,
): ReplayedRules | { readonly refused: string } {
  const cannot = new Map<Rule, string>();
  for (const rule of target.rules) {
    const why = unreplayable(target, rule);
    if (why) cannot.set(rule, why);
  }
  const candidates = target.rules.filter((r) => !cannot.has(r));
  const lead = candidates.find((r) => r.type === 'target-tracking') ?? candidates[0];
  if (!lead)
    return {
      refused: `no rule of target "${target.name}" can be replayed on one load trace: ${whyNone(cannot)}`,
    };
  const series = seriesOf(target, lead);
  const named = `rule "${lead.name}"${leadNote === undefined ? '' : `, ${leadNote}`}`;
  const leftOut: { rule: Rule; why: string }[] = [];
  const replayed: Rule[] = [];
  for (const rule of target.rules) {
    if (rule === lead) continue;
    // A rule on another metric says so first; a count can only be on another metric than a utilisation's.
    const why =
      cannot.get(rule) === SAMPLE_COUNT
        ? `it ${SAMPLE_COUNT}`
        : seriesOf(target, rule) !== series
          ? `it reads ${seriesOf(target, rule)}, and the trace stands for ${series} (${named})`
          : undefined;
    if (why) leftOut.push({ rule, why });
    else replayed.push(rule);
  }
  return { lead, replayed, leftOut };
}

/** Why no rule can be replayed: the rules named together when all read SampleCount, else each with why. */
export function whyNone(cannot: ReadonlyMap<Rule, string>): string {
  const rules = [...cannot.keys()];
  if (rules.every((r) => cannot.get(r) === SAMPLE_COUNT))
    return `${rules.map((r) => `rule "${r.name}"`).join(', ')} ${rules.length === 1 ? SAMPLE_COUNT : SAMPLE_COUNT.replace(/^reads/, 'read')}`;
  return rules.map((r) => `rule "${r.name}" ${cannot.get(r)}`).join('; ');
}

/** The series a rule reads, as one line: namespace, name, dimensions (the target's when the rule names none), unit. */
export function seriesOf(target: Target, rule: Rule): string {
  const { namespace, name, dimensions, percentOf } = rule.metric;
  const by = Object.entries(metricDimensions(target, dimensions))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${namespace}/${name} {${by}}${percentOf === undefined ? '' : ` as % of ${percentOf}`}`;
}
