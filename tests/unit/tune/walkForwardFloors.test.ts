import { describe, expect, it } from 'vitest';
import { floorAt } from '../../../shared/decision/floors';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Target } from '../../../shared/policy/schema';
import { floorPlanner, floorSettingsFor } from '../../../shared/simulate/predictive';
import { defaultKnobs, type FloorKnobs } from '../../../shared/tune/chooseFloorKnobs';
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
 * Total load in percent of one unit, constant over each 5 minutes (so the predict function's 5-minute history is
 * the backtest's 5-minute means): a daily wave, a burst at :40 of every hour on the first day only (the forecast
 * keeps expecting bursts that no longer come: floors that cost and protect nothing), and noise.
 */
function load(minute: number): number {
  const m = Math.floor(minute / 5) * 5;
  let x = (m * 2654435761) % 4294967296;
  x = (x ^ (x >>> 13)) % 1000;
  const wave = 300 + 150 * Math.sin((2 * Math.PI * m) / 1440);
  const burst = m < 1440 && m % 60 >= 40 && m % 60 < 50 ? 250 : 0;
  return wave + burst + (x / 1000) * 60;
}

const policy = validatePolicy({
  version: 1,
  targets: [
    {
      name: 'api',
      kind: 'asg',
      autoScalingGroupName: 'g',
      capacity: { min: 1, max: 20 },
      instanceWarmupSeconds: 300,
      predictive: true,
      rules: [
        {
          name: 'cpu',
          type: 'target-tracking',
          metric: { namespace: 'AWS/EC2', name: 'CPUUtilization', statistic: 'Average' },
          target: 80,
        },
      ],
    },
  ],
  predictive: {
    enabled: true,
    mode: 'forecast-and-scale',
    lookbackDays: 3,
    tuning: { enabled: true, windowHours: 24, overloadMinuteCost: 2 },
  },
});
const target = policy.targets[0] as Target;
const settings = floorSettingsFor(policy.predictive);
const FIRST = 1440;
const HOURS = 34;

/** The backtest's planner over the hours, on a load (only ever asked for minutes before the current one). */
function plan(loadAt: (j: number) => number) {
  const planner = floorPlanner(settings, target, { unitCapacity: 100, max: 20 }, FIRST + HOURS * 60);
  const floors: (number | undefined)[] = [];
  const knobs: FloorKnobs[] = [];
  for (let m = FIRST; m < FIRST + HOURS * 60; m += 1) {
    floors.push(planner.at(m, START + m * MIN, loadAt)?.units);
    if (m % 60 === 0) knobs.push(planner.knobs());
  }
  return { floors, knobs };
}

describe('walk-forward tuning in the backtest', () => {
  const clean = plan(load);

  it('is not vacuous: after a day of runs, the knobs leave the defaults (the bursts stopped coming: floors off)', () => {
    expect(clean.knobs[0]).toEqual(defaultKnobs(policy.predictive.tuning));
    expect(clean.knobs.at(-1)).toEqual({ ...defaultKnobs(policy.predictive.tuning), floors: false });
    expect(clean.floors.at(-1)).toBeUndefined();
    expect(clean.floors[0]).toBeGreaterThan(0);
  });

  it.each([
    { name: 'NaN from the 30th hour', from: FIRST + 30 * 60 + 17, poison: Number.NaN },
    { name: 'a huge load from the 26th hour', from: FIRST + 26 * 60, poison: 1e9 },
    { name: 'no load from the 27th hour', from: FIRST + 27 * 60 + 59, poison: 0 },
  ])('reads no future: $name changes no knob and no floor up to that minute', ({ from, poison }) => {
    const poisoned = plan((j) => (j >= from ? poison : load(j)));
    const upTo = from - FIRST + 1;
    expect(poisoned.floors.slice(0, upTo)).toEqual(clean.floors.slice(0, upTo));
    const hours = Math.floor((from - FIRST) / 60) + 1;
    expect(poisoned.knobs.slice(0, hours)).toEqual(clean.knobs.slice(0, hours));
  });

  it('chooses as the predict function does, hour after hour: the same floor every minute, knobs and all', async () => {
    const clock = testClock(new Date(START + FIRST * MIN));
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
    const differ: string[] = [];
    const reasons = new Set<string>();
    for (let hour = 0; hour < HOURS; hour += 1) {
      clock.advance(hour === 0 ? 0 : 3600);
      const [prediction] = await predictTargets(deps);
      reasons.add(prediction?.decision.reason ?? '');
      const floors = (await ledger.read('api')).floors;
      for (let m = FIRST + hour * 60; m < FIRST + (hour + 1) * 60; m += 1) {
        const predicted = floorAt(floors, new Date(START + m * MIN))?.units;
        if (predicted !== clean.floors[m - FIRST])
          differ.push(`minute ${m}: backtest ${clean.floors[m - FIRST]}, predict ${predicted}`);
      }
    }
    expect(differ).toEqual([]);
    expect([...reasons]).toEqual(expect.arrayContaining(['ForecastFloors', 'FloorsNotWorthIt']));
  });
});
