import type { SeasonalPeriod } from '../decision/seasonalFloor';

/**
 * The reactive knobs of a target-tracking target, as an operator writes them: the rule's target and tolerance,
 * and how it comes back down (the scale-in stabilisation window and a scale-in rate limit). Scale-out always acts
 * on the first datapoint past the target (one evaluation period, no scale-out window, one-minute cooldowns): the
 * capacity ordered at a rise serves only after the warm-up, so every minute of waiting is a minute of overload.
 */
export interface ReactiveKnobs {
  /** The rule's utilisation target, % of a unit. */
  readonly targetPercent: number;
  /** The rule's tolerance band: no change while utilisation ÷ target is within 1 ± this. */
  readonly tolerance: number;
  /** Scale in only to the highest recommendation of this window. */
  readonly scaleInWindowSeconds: number;
  /** At most this share of capacity removed per `scaleInWindowSeconds` (0: no rate limit). */
  readonly scaleInStepPercent: number;
  /** No scale-in within this long of the last scale-out (`stabilization.scaleInAfterScaleOutSeconds`; 0: the window's). */
  readonly scaleInAfterScaleOutSeconds: number;
}

/**
 * The backtest policy's reactive knobs, chosen leave-one-trace-out from `REACTIVE_GRID` on the shared traces by
 * `npm run bench` (bench/results.md): target tracking at 75% that acts on the first datapoint past 82.5% (a 10%
 * band), and comes down at most 10% per 15 minutes, to the highest need of the last 15, and not at all within an
 * hour of its last scale-out (bursts come in runs: what one bought is kept for the next).
 */
export const REACTIVE_DEFAULTS: ReactiveKnobs = {
  targetPercent: 75,
  tolerance: 0.1,
  scaleInWindowSeconds: 900,
  scaleInStepPercent: 10,
  scaleInAfterScaleOutSeconds: 3600,
};

/**
 * The candidates the bench chooses the reactive defaults from (coarse: every one is backtested on every trace): the
 * target, the band and how scale-in comes down; and (issue 22) a 15-minute window with scale-in held for 30 or 60
 * minutes after a scale-out at 70 to 80%.
 */
export const REACTIVE_GRID: readonly ReactiveKnobs[] = [
  ...[65, 70, 75].flatMap((targetPercent) =>
    [0, 0.1].flatMap((tolerance) =>
      [
        { scaleInWindowSeconds: 300, scaleInStepPercent: 0 },
        { scaleInWindowSeconds: 900, scaleInStepPercent: 10 },
        { scaleInWindowSeconds: 1800, scaleInStepPercent: 10 },
      ].map((slowIn) => ({ targetPercent, tolerance, ...slowIn, scaleInAfterScaleOutSeconds: 0 })),
    ),
  ),
  ...[1800, 3600].flatMap((scaleInAfterScaleOutSeconds) =>
    [70, 75, 80].flatMap((targetPercent) =>
      [0, 0.1].map((tolerance) => ({
        targetPercent,
        tolerance,
        scaleInWindowSeconds: 900,
        scaleInStepPercent: 10,
        scaleInAfterScaleOutSeconds,
      })),
    ),
  ),
];

/**
 * The predictive knobs of the backtest policy: the utilisation a unit is planned at while a floor is in force
 * (the rule's `floorTarget`: the floors are sized at it and the rule aims at it while the load is within the
 * floor's plan), whether scale-in keeps its window and rate limits while the floor is what holds
 * (`stabilization.scaleInHoldsUnderFloor`), the trust gate's threshold (`predictive.trustMaseRatio`: floors on
 * while the forecast's MASE is at most this × seasonal-naive's) and the walk-forward tuning of the floors' knobs
 * (`predictive.tuning`: off, or on within ranges and at a price of an overload minute).
 */
export interface FloorPolicyKnobs {
  readonly floorTargetPercent: number;
  readonly scaleInHoldsUnderFloor: boolean;
  readonly trustMaseRatio: number;
  /** The seasonal floor's periods (`predictive.seasonalFloor`; [] : the forecast alone). */
  readonly seasonalFloor: readonly SeasonalPeriod[];
  /** The policy's `predictive.tuning` keys this candidate sets (the rest: the schema's defaults). */
  readonly tuning: Readonly<Record<string, unknown>>;
  /** The cap on the measured headroom (`predictive.maxBufferPercent`; null: none). */
  readonly maxBufferPercent: number | null;
  /** The limit on the headroom's extra load, in % of the forecast's mean (`predictive.maxBufferOfMeanPercent`; null: none). */
  readonly maxBufferOfMeanPercent: number | null;
}

/**
 * Chosen leave-one-trace-out from `FLOOR_GRID` on the shared traces by `npm run bench` (bench/results.md); the
 * schema's default `predictive.trustMaseRatio` is this one's (a test holds them equal).
 */
export const FLOOR_DEFAULTS: FloorPolicyKnobs = {
  floorTargetPercent: 90,
  scaleInHoldsUnderFloor: false,
  trustMaseRatio: 2,
  seasonalFloor: [],
  tuning: {},
  maxBufferPercent: 300,
  maxBufferOfMeanPercent: 150,
};

/** Walk-forward tuning on: the quantile in [0.9, 0.99], floors always on; or every knob, floors off allowed. */
const QUANTILE_ONLY = {
  enabled: true,
  headroomQuantile: { min: 0.9, max: 0.99 },
  holdMinutes: { min: 0, max: 0 },
  allowReactiveOnly: false,
  overloadMinuteCost: 1000,
};
const EVERY_KNOB = { enabled: true, overloadMinuteCost: 1000 };

/** The candidates the bench chooses the predictive defaults from. */
export const FLOOR_GRID: readonly FloorPolicyKnobs[] = [
  ...[85, 90, 95].flatMap((floorTargetPercent) =>
    [true, false].flatMap((scaleInHoldsUnderFloor) =>
      [1, 1.5, 2].map((trustMaseRatio) => ({
        floorTargetPercent,
        scaleInHoldsUnderFloor,
        trustMaseRatio,
        seasonalFloor: [],
        tuning: {},
        maxBufferPercent: null,
        maxBufferOfMeanPercent: null,
      })),
    ),
  ),
  ...[QUANTILE_ONLY, EVERY_KNOB].map((tuning) => ({
    floorTargetPercent: 90,
    scaleInHoldsUnderFloor: true,
    trustMaseRatio: 2,
    seasonalFloor: [],
    tuning,
    maxBufferPercent: null,
    maxBufferOfMeanPercent: null,
  })),
  // The seasonal floor (issue 22): a day and a week before at each sizing, and each period alone at 85%.
  ...[85, 90, 95].flatMap((floorTargetPercent) =>
    [true, false].map((scaleInHoldsUnderFloor) => ({
      floorTargetPercent,
      scaleInHoldsUnderFloor,
      trustMaseRatio: 2,
      seasonalFloor: ['day', 'week'] as const,
      tuning: {},
      maxBufferPercent: null,
      maxBufferOfMeanPercent: null,
    })),
  ),
  ...(['day', 'week'] as const).map((period) => ({
    floorTargetPercent: 85,
    scaleInHoldsUnderFloor: false,
    trustMaseRatio: 2,
    seasonalFloor: [period],
    tuning: {},
    maxBufferPercent: null,
    maxBufferOfMeanPercent: null,
  })),
  // The cap on the measured headroom (issue 22, `predictive.maxBufferPercent`): at 90% holding, +100 to +300%;
  // at 85% holding, +150 and +300%; with the seasonal floor at 90% holding, +150%.
  ...[
    { floorTargetPercent: 90, seasonalFloor: [], caps: [100, 150, 200, 300] },
    { floorTargetPercent: 85, seasonalFloor: [], caps: [150, 300] },
    { floorTargetPercent: 90, seasonalFloor: ['day', 'week'] as const, caps: [150] },
  ].flatMap(({ floorTargetPercent, seasonalFloor, caps }) =>
    caps.map((maxBufferPercent) => ({
      floorTargetPercent,
      scaleInHoldsUnderFloor: true,
      trustMaseRatio: 2,
      seasonalFloor,
      tuning: {},
      maxBufferPercent,
      maxBufferOfMeanPercent: null,
    })),
  ),
  // The limit on the headroom's extra load (issue 22, `predictive.maxBufferOfMeanPercent`): at 90% holding, 150,
  // 200 or 300% of the forecast's mean with the ratio capped at +300%, 200 or 300% with it uncapped; at 85%
  // holding, 150 or 200% with +300%; and at 90% released, 150% with +300%.
  ...[
    { floorTargetPercent: 90, maxBufferPercent: 300, limits: [150, 200, 300], holds: true },
    { floorTargetPercent: 90, maxBufferPercent: null, limits: [200, 300], holds: true },
    { floorTargetPercent: 85, maxBufferPercent: 300, limits: [150, 200], holds: true },
    { floorTargetPercent: 90, maxBufferPercent: 300, limits: [150], holds: false },
  ].flatMap(({ floorTargetPercent, maxBufferPercent, limits, holds }) =>
    limits.map((maxBufferOfMeanPercent) => ({
      floorTargetPercent,
      scaleInHoldsUnderFloor: holds,
      trustMaseRatio: 2,
      seasonalFloor: [],
      tuning: {},
      maxBufferPercent,
      maxBufferOfMeanPercent,
    })),
  ),
];

/** The keys of a target these knobs set, as a policy file writes them (with the floors' sizing when given). */
export function reactiveTargetKeys(
  knobs: ReactiveKnobs,
  rule: { readonly name: string; readonly metric: Readonly<Record<string, unknown>> },
  floorTargetPercent?: number,
  scaleInHoldsUnderFloor = true,
) {
  return {
    cooldowns: { scaleOutSeconds: 60, scaleInSeconds: 60 },
    stabilization: {
      scaleOutSeconds: 0,
      scaleInSeconds: knobs.scaleInWindowSeconds,
      ...(knobs.scaleInAfterScaleOutSeconds > 0
        ? { scaleInAfterScaleOutSeconds: knobs.scaleInAfterScaleOutSeconds }
        : {}),
      ...(floorTargetPercent !== undefined && !scaleInHoldsUnderFloor
        ? { scaleInHoldsUnderFloor: false }
        : {}),
    },
    ...(knobs.scaleInStepPercent > 0
      ? {
          rateLimits: {
            scaleIn: [
              {
                type: 'percent' as const,
                value: knobs.scaleInStepPercent,
                periodSeconds: knobs.scaleInWindowSeconds,
              },
            ],
          },
        }
      : {}),
    rules: [
      {
        name: rule.name,
        type: 'target-tracking' as const,
        metric: rule.metric,
        target: knobs.targetPercent,
        tolerance: knobs.tolerance,
        ...(floorTargetPercent !== undefined ? { floorTarget: floorTargetPercent } : {}),
      },
    ],
  };
}

/** Knobs as one line, for tables and logs. */
export function describeReactive(k: ReactiveKnobs): string {
  return `target ${k.targetPercent}%, tolerance ${k.tolerance}, scale-in window ${k.scaleInWindowSeconds} s${k.scaleInStepPercent > 0 ? `, at most ${k.scaleInStepPercent}% per window` : ''}${k.scaleInAfterScaleOutSeconds > 0 ? `, none within ${k.scaleInAfterScaleOutSeconds} s of a scale-out` : ''}`;
}

/** Floor knobs as one line. */
export function describeFloors(k: FloorPolicyKnobs): string {
  const tuning =
    Object.keys(k.tuning).length === 0 ? 'the schema’s tuning' : `tuning ${JSON.stringify(k.tuning)}`;
  const seasonal =
    k.seasonalFloor.length === 0 ? 'no seasonal floor' : `seasonal floor ${k.seasonalFloor.join(' + ')}`;
  const cap = k.maxBufferPercent === null ? '' : `, headroom at most +${k.maxBufferPercent}%`;
  const limit =
    k.maxBufferOfMeanPercent === null
      ? ''
      : `, its extra load at most ${k.maxBufferOfMeanPercent}% of the mean`;
  return `floorTarget ${k.floorTargetPercent}%, scale-in ${k.scaleInHoldsUnderFloor ? 'holds' : 'released'} under a floor, trust up to ×${k.trustMaseRatio} naive's MASE, ${seasonal}${cap}${limit}, ${tuning}`;
}
