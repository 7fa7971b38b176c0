import type { Target } from '../policy/schema';
import { FLOOR_DEFAULTS, REACTIVE_DEFAULTS } from '../tune/reactiveKnobs';
import type { Scenario } from './engine';

/**
 * The target a backtest without a policy file runs: `scalepilotTarget(s)` (shared/simulate/scalepilotTarget.ts,
 * the reactive and floor defaults) as the policy's schema parses and validates it, written out key for key, so
 * that such a backtest runs without the schemas (loading zod and building them was about 35 ms of its start).
 * tests/unit/simulate/defaultTarget.test.ts holds it equal to `scalepilotTarget(s)` on every kind's scenario: a
 * default of the schema or a knob changed there fails it.
 */
export function defaultTarget(s: Pick<Scenario, 'min' | 'max' | 'delay'>): Target {
  const knobs = REACTIVE_DEFAULTS;
  return {
    name: 'backtest',
    capacity: { min: s.min, max: s.max },
    rules: [
      {
        name: 'utilisation',
        type: 'target-tracking',
        metric: { namespace: 'Backtest', name: 'Utilisation', statistic: 'Average', periodSeconds: 60 },
        target: knobs.targetPercent,
        tolerance: knobs.tolerance,
        evaluationPeriods: 1,
        floorTarget: FLOOR_DEFAULTS.floorTargetPercent,
      },
    ],
    cooldowns: { scaleOutSeconds: 60, scaleInSeconds: 60 },
    stabilization: {
      scaleOutSeconds: 0,
      scaleInSeconds: knobs.scaleInWindowSeconds,
      scaleInAfterScaleOutSeconds: knobs.scaleInAfterScaleOutSeconds,
      scaleInHoldsUnderFloor: FLOOR_DEFAULTS.scaleInHoldsUnderFloor,
    },
    rateLimits: {
      scaleOut: [],
      scaleIn: [
        { type: 'percent', value: knobs.scaleInStepPercent, periodSeconds: knobs.scaleInWindowSeconds },
      ],
    },
    metricStaleAfterSeconds: 300,
    predictive: true,
    kind: 'asg',
    autoScalingGroupName: 'backtest',
    instanceWarmupSeconds: Math.max(60, s.delay * 60),
  };
}
