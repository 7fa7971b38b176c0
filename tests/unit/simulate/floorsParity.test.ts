import { describe, expect, it } from 'vitest';
import { floorAt } from '../../../shared/decision/floors';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Target } from '../../../shared/policy/schema';
import { floorPlanner, floorSettingsFor } from '../../../shared/simulate/predictive';
import { predictTargets } from '../../../shared/usecases/predictTargets';
import { capturedLog, testClock } from '../../harness/fixtures';
import { InMemoryLedger } from '../../harness/inMemoryPorts';
import {
  CollectedForecastMetrics,
  InMemoryScheduledActions,
  SyntheticHistory,
} from '../../harness/predictPorts';

const START = Date.parse('2026-03-02T00:00:00Z');
const MIN = 60_000;

/**
 * Total load in percent of one unit (a unit's capacity is 100), constant over each 5 minutes (the 5-minute
 * history the predict function reads is then the backtest's 5-minute means): a daily wave, a burst at minutes
 * 40..49 of every hour, noise, and from the second day a level 20% higher (the forecast must scale to it).
 */
function load(minute: number): number {
  const m = Math.floor(minute / 5) * 5;
  let x = (m * 2654435761) % 4294967296;
  x = (x ^ (x >>> 13)) % 1000;
  const wave = 300 + 150 * Math.sin((2 * Math.PI * m) / 1440);
  const burst = m % 60 >= 40 && m % 60 < 50 ? 180 : 0;
  return (wave + burst + (x / 1000) * 60) * (m >= 1440 ? 1.2 : 1);
}

// The backtest claims to run "the predict function": here both run on one load, hour after hour, and every
// minute's floor must be the same. Differences in sizing, lead, horizon or the headroom's calibration show up.
describe('the backtest’s floors are the predict function’s', () => {
  it.each([
    { name: 'a group (5-minute warm-up), the policy’s 30% buffer then the measured headroom', kind: 'asg' },
    { name: 'read replicas (15 minutes to provision), a 10% buffer', kind: 'rds-replicas', buffer: 10 },
  ] as const)('$name', async ({ kind, buffer }) => {
    const rule = {
      name: 'cpu',
      type: 'target-tracking',
      metric: { namespace: 'AWS/EC2', name: 'CPUUtilization', statistic: 'Average' },
      target: 80,
    } as const;
    const target =
      kind === 'asg'
        ? {
            name: 'api',
            kind,
            autoScalingGroupName: 'g',
            capacity: { min: 1, max: 20 },
            instanceWarmupSeconds: 300,
            predictive: true,
            rules: [rule],
          }
        : {
            name: 'api',
            kind,
            sourceDbInstanceIdentifier: 'db',
            capacity: { min: 1, max: 20 },
            predictive: true,
            rules: [{ ...rule, metric: { ...rule.metric, namespace: 'AWS/RDS' } }],
          };
    const policy = validatePolicy({
      version: 1,
      targets: [target],
      predictive: {
        enabled: true,
        mode: 'forecast-and-scale',
        lookbackDays: 1,
        ...(buffer !== undefined ? { capacityBufferPercent: buffer } : {}),
      },
    });
    const resolved = policy.targets[0] as Target;

    const clock = testClock(new Date(START + 1440 * MIN));
    const ledger = new InMemoryLedger();
    const deps = {
      policy,
      history: new SyntheticHistory(
        (t) => load((t - START) / MIN),
        () => 4,
        START,
      ),
      ledger,
      groups: new InMemoryScheduledActions(1, 20),
      publisher: new CollectedForecastMetrics(),
      clock,
      log: capturedLog().sink,
    };
    const planner = floorPlanner(
      floorSettingsFor(policy.predictive),
      resolved,
      { unitCapacity: 100, max: 20 },
      3000,
    );
    const loadAt = (j: number) => load(j);

    const differ: string[] = [];
    const seen = new Set<number | undefined>();
    let last = '';
    let compared = 0;
    for (let hour = 0; hour < 9; hour += 1) {
      const m0 = 1440 + hour * 60;
      clock.advance(hour === 0 ? 0 : 3600);
      const [prediction] = await predictTargets(deps);
      const floors = (await ledger.read('api')).floors;
      last = prediction?.decision.message ?? '';
      for (let m = m0; m < m0 + 60; m += 1) {
        const now = START + m * MIN;
        const backtest = planner.at(m, now, loadAt)?.units;
        const predicted = floorAt(floors, new Date(now))?.units;
        compared += 1;
        seen.add(predicted);
        if (backtest !== predicted)
          differ.push(
            `minute ${m}: backtest ${backtest}, predict ${predicted} (${prediction?.decision.message})`,
          );
      }
    }
    expect(differ).toEqual([]);
    expect(compared).toBe(9 * 60);
    // Not vacuous: the floors moved with the burst, and the headroom was measured by the last hour.
    expect(seen.size).toBeGreaterThanOrEqual(3);
    expect(last).toContain('measured');
  });
});
