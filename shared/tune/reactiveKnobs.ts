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
}

/**
 * The backtest policy's reactive knobs, chosen leave-one-trace-out from `REACTIVE_GRID` on the shared traces by
 * `npm run bench` (bench/results.md): target tracking at 70% that acts on the first datapoint past 77% (a 10%
 * band), and comes down at most 10% per 15 minutes, to the highest need of the last 15.
 */
export const REACTIVE_DEFAULTS: ReactiveKnobs = {
  targetPercent: 70,
  tolerance: 0.1,
  scaleInWindowSeconds: 900,
  scaleInStepPercent: 10,
};

/** The candidates the bench chooses the reactive defaults from (coarse: every one is backtested on every trace). */
export const REACTIVE_GRID: readonly ReactiveKnobs[] = [65, 70, 75].flatMap((targetPercent) =>
  [0, 0.1].flatMap((tolerance) =>
    [
      { scaleInWindowSeconds: 300, scaleInStepPercent: 0 },
      { scaleInWindowSeconds: 900, scaleInStepPercent: 10 },
      { scaleInWindowSeconds: 1800, scaleInStepPercent: 10 },
    ].map((slowIn) => ({ targetPercent, tolerance, ...slowIn })),
  ),
);

/** The keys of a target these knobs set, as a policy file writes them. */
export function reactiveTargetKeys(
  knobs: ReactiveKnobs,
  rule: { readonly name: string; readonly metric: Readonly<Record<string, unknown>> },
) {
  return {
    cooldowns: { scaleOutSeconds: 60, scaleInSeconds: 60 },
    stabilization: { scaleOutSeconds: 0, scaleInSeconds: knobs.scaleInWindowSeconds },
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
      },
    ],
  };
}

/** Knobs as one line, for tables and logs. */
export function describeReactive(k: ReactiveKnobs): string {
  return `target ${k.targetPercent}%, tolerance ${k.tolerance}, scale-in window ${k.scaleInWindowSeconds} s${k.scaleInStepPercent > 0 ? `, at most ${k.scaleInStepPercent}% per window` : ''}`;
}
