import { ScalingError } from '../errors';
import type { PredictivePolicy, Target, TargetKind } from '../policy/schema';
import { baselines, scalepilot } from './baselines';
import { defaultTarget } from './defaultTarget';
import { type Figures, figures, type Scenario, scenarioFor, simulate, type Timeline } from './engine';
import { benchFloorSettings } from './predictive';
import type { MinuteSeries } from './trace';

export interface BacktestResult {
  readonly scenario: Scenario;
  readonly timelines: Timeline[];
  readonly figures: Figures[];
}

/** What a backtest runs Scalepilot with: an operator's target and the policy's predictive section. */
export interface BacktestOptions {
  /** The policy's target of the kind; default: `scalepilotTarget` on the kind's defaults (`defaultTarget`). */
  readonly target?: Target;
  /**
   * The policy's `predictive` section (buffer, horizon, provisioning delays, known events, whether floors act);
   * default: the schema's defaults, acting (the backtest policy's `forecast-and-scale`).
   */
  readonly predictive?: PredictivePolicy;
  readonly onPolicyDone?: (policy: string, done: number, total: number) => void;
}

/**
 * Runs the baselines and Scalepilot on one trace. With a policy target, Scalepilot uses it and the
 * scenario takes the target's range; otherwise `scalepilotTarget` and the kind's defaults. `scalepilot` runs
 * the rules with the predictive floors, `scalepilot-reactive` the same rules without: what the forecast adds.
 */
export function runBacktest(
  series: MinuteSeries,
  kind: TargetKind,
  options: BacktestOptions = {},
): BacktestResult {
  const { target, predictive, onPolicyDone } = options;
  const scenario = backtestScenario(series.load, kind, target);
  const rules = target ?? defaultTarget(scenario);
  // Floors act as in the functions: for a target with `predictive: true`, when the policy's predictive section
  // is enabled in forecast-and-scale mode (a forecast-only policy publishes forecasts and changes nothing).
  const acts = !predictive || (predictive.enabled && predictive.mode === 'forecast-and-scale');
  const floors = rules.predictive && acts ? benchFloorSettings(series.stepMinutes, predictive) : undefined;
  const factories = [
    ...baselines,
    scalepilot(rules, floors ? { floors } : {}),
    scalepilot(rules, { name: 'scalepilot-reactive' }),
  ];
  const timelines = factories.map((make, i) => {
    const timeline = simulate(make(), scenario, series.start);
    onPolicyDone?.(timeline.policy, i + 1, factories.length);
    return timeline;
  });
  const oracleCost = figures(timelines[0] as Timeline, scenario, 1).cost;
  return { scenario, timelines, figures: timelines.map((t) => figures(t, scenario, oracleCost)) };
}

/** The scenario of a backtest: the kind's defaults, with the target's range when a policy gives one. */
export function backtestScenario(load: readonly number[], kind: TargetKind, target?: Target): Scenario {
  return scenarioFor(load, kind, target ? { min: target.capacity.min, max: target.capacity.max } : {});
}

/** `minute,timestamp,load,ordered,serving,utilisation`: enough to recompute every figure. */
export function timelineCsv(t: Timeline, series: MinuteSeries): string {
  const lines = ['minute,timestamp,load,ordered,serving,utilisation'];
  for (let m = 0; m < t.ordered.length; m += 1) {
    lines.push(
      `${m},${new Date(series.start + m * 60_000).toISOString()},${series.load[m]},${t.ordered[m]},${t.serving[m]},${t.utilisation[m]}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The figures an `--assert` check may name (`overload` and `sloRisk` are short for the minutes). */
const ASSERTABLE = {
  cost: 'cost',
  costRatio: 'costRatio',
  overload: 'overloadMinutes',
  overloadMinutes: 'overloadMinutes',
  unserved: 'unserved',
  unservedPercent: 'unservedPercent',
  sloRisk: 'sloRiskMinutes',
  sloRiskMinutes: 'sloRiskMinutes',
  actions: 'actions',
  flaps: 'flaps',
} as const satisfies Record<string, keyof Figures>;

/** One `--assert` check on the scalepilot row: `overload<=60`. */
export interface Assertion {
  readonly name: string;
  readonly figure: keyof Figures;
  readonly op: '<=' | '>=' | '<' | '>';
  readonly limit: number;
}

/** An `--assert` that cannot be read: one line naming the clause (read before the backtest runs). */
export class AssertionSpecError extends ScalingError {}

/** `overload<=60,costRatio<=1.3` as checks: a clause that is not `figure op number`, or names no figure, is refused. */
export function parseAssertions(spec: string): Assertion[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((clause) => {
      const match = /^(\w+)\s*(<=|>=|<|>)\s*(-?(?:\d+(?:\.\d*)?|\.\d+))$/.exec(clause);
      if (!match)
        throw new AssertionSpecError(`--assert: cannot read "${clause}" (expected e.g. overload<=60)`);
      const [, name = '', op, limitText = ''] = match;
      if (!Object.hasOwn(ASSERTABLE, name))
        throw new AssertionSpecError(
          `--assert: unknown figure "${name}" (${Object.keys(ASSERTABLE).join(', ')})`,
        );
      const figure = ASSERTABLE[name as keyof typeof ASSERTABLE];
      return { name, figure, op: op as Assertion['op'], limit: Number(limitText) };
    });
}

/** The checks a row misses, each as `overload = 75, wanted <= 60`. */
export function failedAssertions(checks: string | readonly Assertion[], row: Figures): string[] {
  const parsed = typeof checks === 'string' ? parseAssertions(checks) : checks;
  return parsed.flatMap(({ name, figure, op, limit }) => {
    const value = row[figure] as number;
    const ok =
      op === '<='
        ? value <= limit
        : op === '>='
          ? value >= limit
          : op === '<'
            ? value < limit
            : value > limit;
    return ok ? [] : [`${name} = ${Number(value.toFixed(4))}, wanted ${op} ${limit}`];
  });
}
