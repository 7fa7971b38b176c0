import type { Target } from '../policy/schema';
import { validatePolicy } from '../policy/validatePolicy';
import {
  FLOOR_DEFAULTS,
  REACTIVE_DEFAULTS,
  type ReactiveKnobs,
  reactiveTargetKeys,
} from '../tune/reactiveKnobs';
import type { Scenario } from './engine';

// The targets a backtest's Scalepilot runs, validated as a policy file's would be (through the policy's schemas:
// a backtest without a policy file runs `defaultTarget`, this module's `scalepilotTarget` written out).

/**
 * The policy the backtest's Scalepilot runs when none is given, as an operator would write it in
 * scalepilot.yml: target tracking on the reactive knobs chosen leave-one-trace-out (`REACTIVE_DEFAULTS`,
 * shared/tune/reactiveKnobs.ts: 75% with a 10% band, acting on the first datapoint past it, coming down at most
 * 10% per 15 minutes and not within an hour of a scale-out), with the predictive floors on top (`FLOOR_DEFAULTS`:
 * sized at 90%, scale-in released down to them). `knobs` runs another candidate of the same shape (the bench's
 * grid, `scalepilot tune`).
 */
export function scalepilotTarget(
  s: Scenario,
  knobs: ReactiveKnobs = REACTIVE_DEFAULTS,
  floorTargetPercent = FLOOR_DEFAULTS.floorTargetPercent,
  scaleInHoldsUnderFloor = FLOOR_DEFAULTS.scaleInHoldsUnderFloor,
): Target {
  return backtestTarget(s, {
    predictive: true,
    ...reactiveTargetKeys(
      knobs,
      { name: 'utilisation', metric: { namespace: 'Backtest', name: 'Utilisation' } },
      floorTargetPercent,
      scaleInHoldsUnderFloor,
    ),
  });
}

/** The seeds' policy as Scalepilot runs it (step 70/30, +2/−1, cooldowns 300/600 s, windows 60/300 s). */
export function seedTarget(s: Scenario): Target {
  return backtestTarget(s, {
    rules: [
      {
        name: 'utilisation',
        type: 'step',
        metric: { namespace: 'Backtest', name: 'Utilisation' },
        scaleOut: [{ above: 70, add: 2 }],
        scaleIn: [{ below: 30, remove: 1 }],
      },
    ],
  });
}

/**
 * The group a backtest scales, validated as a policy file's would be: the scenario's range, a warm-up of its
 * delay (at least a minute), any step at once, and the target's own keys (its rules, predictive, windows).
 */
function backtestTarget(s: Scenario, keys: Record<string, unknown>): Target {
  const policy = validatePolicy({
    version: 1,
    maxUnitsPerDecision: Math.max(1, s.max - s.min),
    targets: [
      {
        name: 'backtest',
        kind: 'asg',
        autoScalingGroupName: 'backtest',
        capacity: { min: s.min, max: s.max },
        instanceWarmupSeconds: Math.max(60, s.delay * 60),
        ...keys,
      },
    ],
  });
  return policy.targets[0] as Target;
}
