import { describe, expect, it } from 'vitest';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { PolicyInput } from '../../../shared/policy/schema';
import { type PredictDeps, predictTargets } from '../../../shared/usecases/predictTargets';
import { capturedLog, testClock } from '../../harness/fixtures';
import { InMemoryLedger } from '../../harness/inMemoryPorts';
import {
  CollectedForecastMetrics,
  CollectedTrustNotices,
  InMemoryScheduledActions,
  SyntheticHistory,
} from '../../harness/predictPorts';

// The SeasonalFloor reason code (issue 22): a predict run whose floors the seasonal floor raised says so.
const DAY = 86_400_000;
const MIN = 60_000;
const T0 = Date.parse('2026-12-01T10:02:00Z');

/** Four instances, 15% to 65% each over the day: total load 60..260 percent-units. */
const daily = (t: number) => 4 * (40 + 25 * Math.sin((2 * Math.PI * t) / DAY));
/** The same, and yesterday 200 percent-units more from 11:00 to 11:30: a peak the forecast's medians smooth away. */
const peakStart = T0 - DAY + 58 * MIN;
const yesterdaysPeak = (t: number) => daily(t) + (t >= peakStart && t < peakStart + 30 * MIN ? 200 : 0);

const asgTarget = {
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

async function predictWith(predictive: PolicyInput['predictive'], load: (t: number) => number) {
  const policy = validatePolicy({
    version: 1,
    targets: [asgTarget],
    predictive: { enabled: true, mode: 'forecast-and-scale', lookbackDays: 3, ...predictive },
  });
  const deps: PredictDeps = {
    policy,
    history: new SyntheticHistory(load),
    ledger: new InMemoryLedger(),
    groups: new InMemoryScheduledActions(),
    publisher: new CollectedForecastMetrics(),
    notifier: new CollectedTrustNotices(),
    clock: testClock(new Date(T0)),
    log: capturedLog().sink,
  };
  const [prediction] = await predictTargets(deps);
  if (!prediction) throw new Error('no prediction');
  return prediction.decision;
}

describe('predictTargets: the SeasonalFloor reason code', () => {
  it.each([
    {
      name: 'no seasonal floor: ForecastFloors',
      seasonalFloor: [],
      load: yesterdaysPeak,
      reason: 'ForecastFloors',
    },
    {
      name: "yesterday's peak raises the floors: SeasonalFloor",
      seasonalFloor: ['day'] as const,
      load: yesterdaysPeak,
      reason: 'SeasonalFloor',
    },
    {
      name: 'forecast-only: published, nothing written, whatever the seasonal floor did',
      seasonalFloor: ['day'] as const,
      load: yesterdaysPeak,
      mode: 'forecast-only' as const,
      reason: 'ForecastOnly',
    },
  ])('$name', async ({ seasonalFloor, load, reason, mode }) => {
    const decision = await predictWith(
      { seasonalFloor: [...seasonalFloor], ...(mode ? { mode } : {}) },
      load,
    );
    expect(decision.reason).toBe(reason);
  });

  it('says at how many steps it raised the need, and the peak with and without it', async () => {
    const decision = await predictWith({ seasonalFloor: ['day'] }, yesterdaysPeak);
    const lift = decision.message.match(
      /the seasonal floor raised the need at (\d+) of (\d+) steps \(peak (\d+), the forecast alone (\d+)\)/,
    );
    expect(lift).not.toBeNull();
    const [, raised, steps, peak, alone] = (lift ?? []).map(Number);
    expect(raised).toBeGreaterThan(0);
    expect(raised).toBeLessThan(steps as number);
    expect(peak).toBeGreaterThan(alone as number);
  });

  it('a seasonal floor that never rises above the forecast leaves the reason ForecastFloors', async () => {
    // A week back reads before the three days of history: no value, so nothing is raised.
    const decision = await predictWith({ seasonalFloor: ['week'] }, yesterdaysPeak);
    expect(decision.reason).toBe('ForecastFloors');
    expect(decision.message).not.toMatch(/seasonal floor raised/);
  });
});
