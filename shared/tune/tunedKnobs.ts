import { leadSeconds, unforecastable, utilisationTarget } from '../decision/forecastFloors';
import type { ForecastTrack } from '../decision/forecastTrust';
import type { LoadHistory } from '../forecast/types';
import type { PredictivePolicy, Rule, Target } from '../policy/schema';
import { chooseFloorKnobs, defaultKnobs, type KnobChoice } from './chooseFloorKnobs';
import { type ForecastRun, keptRuns } from './forecastRuns';

/**
 * A target's floor knobs for this run, chosen walk-forward on its own past (chooseFloorKnobs.ts) from the runs of
 * the rule its floors are sized from and that rule's load history. The predict function and the backtest's
 * planner both call this, with the same record.
 */
export function tunedKnobs(args: {
  readonly predictive: PredictivePolicy;
  readonly target: Target;
  readonly rule: Rule;
  readonly runs: readonly ForecastRun[];
  readonly history: LoadHistory;
  /** The most units the floors may ask (the policy's maximum, or the group's when lower). */
  readonly max: number;
  readonly now: number;
}): KnobChoice {
  const { predictive, target, rule } = args;
  return chooseFloorKnobs({
    runs: args.runs,
    actual: args.history,
    perUnit: utilisationTarget(rule),
    rulePerUnit: utilisationTarget({ ...rule, floorTarget: undefined }),
    rulePerUnitUnderFloor:
      rule.type === 'target-tracking'
        ? utilisationTarget(rule)
        : utilisationTarget({ ...rule, floorTarget: undefined }),
    leadMinutes: leadSeconds(target, predictive) / 60,
    scaleInWindowMinutes: target.stabilization.scaleInSeconds / 60,
    scaleInHoldsUnderFloor: target.stabilization.scaleInHoldsUnderFloor,
    min: target.capacity.min,
    max: args.max,
    bufferPercent: predictive.capacityBufferPercent,
    tuning: predictive.tuning,
    now: args.now,
  });
}

/** The rule a target's knobs are tuned on: the first its floors can be sized from. */
export function tunedRule(target: Target): Rule | undefined {
  return target.rules.find((r) => unforecastable(r) === undefined);
}

/** The predict function's knobs for a target, from the runs its forecast track kept and the history it read. */
export function trackedKnobs(
  predictive: PredictivePolicy,
  target: Target,
  track: Pick<ForecastTrack, 'runs'> | undefined,
  histories: Readonly<Record<string, LoadHistory>>,
  now: Date,
): KnobChoice {
  const rule = tunedRule(target);
  if (!rule) return { knobs: defaultKnobs(predictive.tuning), why: 'no rule to tune on' };
  return tunedKnobs({
    predictive,
    target,
    rule,
    runs: track?.runs?.[rule.name] ?? [],
    history: histories[rule.name] ?? { times: [], values: [] },
    max: target.capacity.max,
    now: now.getTime(),
  });
}

/**
 * The runs the track keeps after this run: those of the rule tuning reads (`tunedRule`; none without one), with
 * this run's forecast of it when it made one. Only that rule's: `trackedKnobs` reads no other, and a rule's
 * record is tens of thousands of numbers, which the forecast track's one DynamoDB item (400 KB at most) cannot
 * hold for every rule. The backtest's planner keeps the same rule's record (`walkForward`).
 */
export function trackedRuns(
  predictive: PredictivePolicy,
  target: Target,
  track: Pick<ForecastTrack, 'runs'> | undefined,
  forecasts: readonly {
    readonly rule: Rule;
    readonly forecast: Pick<ForecastRun, 'start' | 'stepMinutes' | 'point'>;
  }[],
  now: Date,
  until: number,
): Record<string, ForecastRun[]> {
  const rule = tunedRule(target);
  if (!rule) return {};
  const made = forecasts.find((f) => f.rule.name === rule.name)?.forecast;
  const kept = keptRuns(
    track?.runs?.[rule.name] ?? [],
    made && { madeAt: now.getTime(), start: made.start, stepMinutes: made.stepMinutes, point: made.point },
    now.getTime(),
    until,
    predictive.tuning,
  );
  return kept.length > 0 ? { [rule.name]: kept } : {};
}
