import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Policy, PolicyInput } from '../../../shared/policy/schema';
import type { PredictDeps } from '../../../shared/usecases/predictTargets';
import { capturedLog, testClock } from '../../harness/fixtures';
import { InMemoryLedger } from '../../harness/inMemoryPorts';
import {
  CollectedForecastMetrics,
  CollectedTrustNotices,
  InMemoryScheduledActions,
  SyntheticHistory,
} from '../../harness/predictPorts';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const MIN = 60_000;
export const T0 = Date.parse('2026-12-01T10:02:00Z');

/** Four instances, 15% to 65% each over the day: total load 60..260 percent-units. */
export const daily = (t: number) => 4 * (40 + 25 * Math.sin((2 * Math.PI * t) / DAY));

export const asgTarget = {
  name: 'api',
  kind: 'asg',
  autoScalingGroupName: 'g',
  capacity: { min: 2, max: 10 },
  instanceWarmupSeconds: 300,
  predictive: true,
  rules: [
    {
      name: 'cpu',
      type: 'step',
      metric: { namespace: 'AWS/EC2', name: 'CPUUtilization', statistic: 'Average' },
      scaleOut: [{ above: 70, add: 2 }],
      scaleIn: [{ below: 30, remove: 1 }],
    },
  ],
} as const;

export function policyWith(
  predictive: PolicyInput['predictive'] = {},
  targets: unknown[] = [asgTarget],
): Policy {
  return validatePolicy({
    version: 1,
    targets,
    predictive: { enabled: true, mode: 'forecast-and-scale', lookbackDays: 3, ...predictive },
  });
}

export function setUp(policy = policyWith(), history = new SyntheticHistory(daily)) {
  const clock = testClock(new Date(T0));
  const ledger = new InMemoryLedger();
  const groups = new InMemoryScheduledActions();
  const publisher = new CollectedForecastMetrics();
  const notifier = new CollectedTrustNotices();
  const log = capturedLog();
  const deps: PredictDeps = { policy, history, ledger, groups, publisher, notifier, clock, log: log.sink };
  return { deps, clock, ledger, groups, publisher, notifier, history, log };
}

/** Units the true load needs at t with the 30% buffer, sized at the 70% threshold. */
export const need = (t: number, load = daily) => Math.ceil((load(t) * 1.3) / 70);
