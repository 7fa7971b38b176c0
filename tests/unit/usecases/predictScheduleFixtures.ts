import { FORECAST_ACTION_PREFIX, forecastActionName } from '../../../shared/decision/scheduledFloors';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Policy, PolicyInput } from '../../../shared/policy/schema';
import type { PauseSwitch } from '../../../shared/ports';
import type { PredictDeps } from '../../../shared/usecases/predictTargets';
import { capturedLog, testClock } from '../../harness/fixtures';
import { InMemoryLedger } from '../../harness/inMemoryPorts';
import {
  CollectedForecastMetrics,
  InMemoryScheduledActions,
  SyntheticHistory,
} from '../../harness/predictPorts';

// One predictive target `api` on group g, its predict run and the forecast's scheduled MinSize actions on
// the group: for predictSafety, predictScheduledActionsPruned, predictGroupOwnership, predictScheduleLimits.

const DAY = 86_400_000;
/** An hour, in milliseconds. */
export const HOUR = 3_600_000;
/** The time of the runs (the clock stands still): 10:02Z, 1 December 2026. */
export const T0 = Date.parse('2026-12-01T10:02:00Z');
/** The group's CPU over the day, the history the forecast reads. */
export const daily = (t: number) => 4 * (40 + 25 * Math.sin((2 * Math.PI * t) / DAY));

/** The predictive target: group g, capacity 2 to 10, one CPU step rule. */
export const api = {
  name: 'api',
  kind: 'asg',
  autoScalingGroupName: 'g',
  capacity: { min: 2, max: 10 },
  predictive: true,
  rules: [
    {
      name: 'cpu',
      type: 'step',
      metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' },
      scaleOut: [{ above: 70, add: 2 }],
      scaleIn: [{ below: 30, remove: 1 }],
    },
  ],
};

/** A policy of `api` (with `target`'s keys) under the given predictive settings, and `extra` at the top. */
export function policyWith(
  predictive: PolicyInput['predictive'] = {},
  target: Record<string, unknown> = {},
  extra = {},
): Policy {
  return validatePolicy({
    version: 1,
    targets: [{ ...api, ...target }],
    predictive: { enabled: true, mode: 'forecast-and-scale', lookbackDays: 3, ...predictive },
    ...extra,
  });
}

/** A predict run's ports in memory at T0, with the switch `pause`; `counted`: the failed writes recorded. */
export function setUp(policy: Policy, pause?: PauseSwitch) {
  const ledger = new InMemoryLedger();
  const groups = new InMemoryScheduledActions();
  const counted: string[] = [];
  const deps: PredictDeps = {
    policy,
    history: new SyntheticHistory(daily),
    ledger,
    groups,
    publisher: new CollectedForecastMetrics(),
    clock: testClock(new Date(T0)),
    log: capturedLog().sink,
    recordFailed: (operation) => void counted.push(operation),
    ...(pause ? { pause } : {}),
  };
  return { deps, ledger, groups, counted };
}

/** An earlier run's actions of `target`, on the group. */
export const leftovers = (target: string, n = 3) =>
  Array.from({ length: n }, (_, i) => {
    const name = forecastActionName(target, new Date(T0 + (i + 1) * HOUR));
    return [name, { name, start: new Date(T0 + (i + 1) * HOUR), minSize: 5 }] as const;
  });

/** The names of the forecast's scheduled actions on the group. */
export const ours = (groups: InMemoryScheduledActions) =>
  [...groups.actions.keys()].filter((n) => n.startsWith(FORECAST_ACTION_PREFIX));
