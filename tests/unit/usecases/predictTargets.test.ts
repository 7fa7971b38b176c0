import { describe, expect, it } from 'vitest';
import { floorAt } from '../../../shared/decision/floors';
import type { ForecastTrack } from '../../../shared/decision/forecastTrust';
import { FORECAST_ACTION_PREFIX } from '../../../shared/decision/scheduledFloors';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import { predictTargets } from '../../../shared/usecases/predictTargets';
import { SyntheticHistory } from '../../harness/predictPorts';
import { asgTarget, DAY, daily, HOUR, MIN, need, policyWith, setUp, T0 } from './predictTargetsFixtures';

describe('predictTargets: forecast-and-scale on a group', () => {
  it('reads the last 7 hours at the rules’ own period in one batched read (the headroom), then the lookback history (Sum and SampleCount at 5 minutes) of each chunk of targets as the run reaches it', async () => {
    const { deps, history } = setUp();
    await predictTargets(deps);
    expect(history.calls).toHaveLength(2);
    const [recent, call] = history.calls;
    expect(call?.queries.map((q) => [q.metric.statistic, q.metric.periodSeconds])).toEqual([
      ['Sum', 300],
      ['SampleCount', 300],
    ]);
    expect(call?.queries[0]?.metric.dimensions).toEqual({ AutoScalingGroupName: 'g' });
    expect((call?.end.getTime() ?? 0) - (call?.start.getTime() ?? 0)).toBe(3 * DAY);
    expect(recent?.queries.map((q) => [q.metric.statistic, q.metric.periodSeconds])).toEqual([
      ['Sum', 60],
      ['SampleCount', 60],
    ]);
    expect((recent?.end.getTime() ?? 0) - (recent?.start.getTime() ?? 0)).toBe(7 * HOUR);
    expect((recent?.end.getTime() ?? 0) % MIN).toBe(0); // whole minutes: the one in progress would read low
  });

  it('writes floors that cover the need ahead, mirrors them as MinSize actions, records ForecastFloors', async () => {
    const { deps, ledger, groups } = setUp();
    const [prediction] = await predictTargets(deps);
    expect(prediction?.decision.reason).toBe('ForecastFloors');
    const floors = (await ledger.read('api')).floors;
    expect(floors?.stepMinutes).toBe(5);
    // Over the next two hours (the next run and the 60-minute horizon), every step is covered.
    for (let t = T0; t < T0 + 2 * HOUR; t += 5 * MIN) {
      const floor = floorAt(floors, new Date(t))?.units ?? 0;
      expect(floor, new Date(t).toISOString()).toBeGreaterThanOrEqual(Math.min(10, need(t)));
      expect(floor).toBeLessThanOrEqual(10);
    }
    const actions = [...groups.actions.values()];
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.every((a) => a.name.startsWith(FORECAST_ACTION_PREFIX))).toBe(true);
    expect(actions.every((a) => (a.start?.getTime() ?? 0) > T0)).toBe(true);
    expect(ledger.log.map((d) => d.reason)).toEqual(['ForecastFloors']);
  });

  it('replaces the previous run’s scheduled actions on the next run instead of piling them up', async () => {
    const { deps, clock, groups } = setUp();
    groups.actions.set('operator-nightly', { name: 'operator-nightly' });
    const [first] = await predictTargets(deps);
    clock.advance(3600);
    const [second] = await predictTargets(deps);
    const names = [...groups.actions.keys()].filter((n) => n.startsWith(FORECAST_ACTION_PREFIX)).sort();
    expect(names).toEqual((second?.scheduledActions ?? []).map((a) => a.name).sort());
    expect(names.some((n) => (first?.scheduledActions ?? []).every((a) => a.name !== n))).toBe(true);
    expect(groups.actions.has('operator-nightly')).toBe(true);
  });

  it('keeps to 125 scheduled actions with the operator’s own, over a day of floors that change every step', async () => {
    // A load that climbs every 5 minutes of the hour (the hourly cycle): a new floor every step.
    const sawtooth = (t: number) => 20 + 40 * (Math.floor(t / (5 * MIN)) % 12);
    const { deps, groups } = setUp(policyWith({ horizonMinutes: 1440 }), new SyntheticHistory(sawtooth));
    for (let i = 0; i < 20; i += 1) groups.actions.set(`operator-${i}`, { name: `operator-${i}` });
    const [prediction] = await predictTargets(deps);
    expect(groups.actions.size).toBeLessThanOrEqual(125);
    // The budget is 125 less the operator's 20: the nearest hours, cut to fit, and recorded (issue 20, item 7).
    expect(prediction?.scheduledActions?.length).toBeLessThanOrEqual(105);
    expect(prediction?.scheduledActions?.length).toBeGreaterThanOrEqual(100);
    expect(prediction?.decision.reason).toBe('ScheduleBudget');
    expect(prediction?.decision.message).toMatch(/room for 105 of the group's 125: the nearest hours/);
  });

  it('never raises MinSize above the group’s MaxSize', async () => {
    const { deps, groups, ledger } = setUp(policyWith({ capacityBufferPercent: 200 }));
    groups.maxSize = 4;
    await predictTargets(deps);
    expect(Math.max(...[...groups.actions.values()].map((a) => a.minSize ?? 0))).toBe(4);
    expect(Math.max(...((await ledger.read('api')).floors?.units ?? []))).toBe(4);
  });

  it('dry run: floors recorded, no scheduled action written', async () => {
    const { deps, groups, ledger } = setUp(validatePolicy({ ...policyWith(), dryRun: true }));
    const [prediction] = await predictTargets(deps);
    expect((await ledger.read('api')).floors).toBeDefined();
    expect(groups.actions.size).toBe(0);
    expect(prediction?.decision.message).toContain('dry run: no scheduled actions');
  });
});

describe('predictTargets: falling back to reactive, recorded', () => {
  it('declines under 24 hours of history: ForecastDeclined, earlier floors removed, a raised MinSize returned', async () => {
    const since = T0 - 20 * HOUR;
    const { deps, ledger, groups } = setUp(policyWith(), new SyntheticHistory(daily, () => 4, since));
    await ledger.writeFloors('api', {
      start: new Date(T0 - HOUR),
      stepMinutes: 5,
      units: Array(48).fill(7),
      madeAt: new Date(T0 - HOUR),
      source: 'an earlier run',
    });
    groups.minSize = 7;
    const [prediction] = await predictTargets(deps);
    expect(prediction?.decision.reason).toBe('ForecastDeclined');
    expect(prediction?.decision.message).toMatch(/InsufficientHistory.*reactive only/);
    expect((await ledger.read('api')).floors).toBeUndefined();
    expect([...groups.actions.values()].map((a) => a.minSize)).toEqual([2]);
    expect(ledger.log.map((d) => d.reason)).toEqual(['ForecastDeclined']);
  });

  it('declines when the metric stopped reporting hours ago (a forecast from it would be stale)', async () => {
    const stopped = (t: number) => (t < T0 - 3 * HOUR ? daily(t) : undefined);
    const { deps, ledger } = setUp(policyWith(), new SyntheticHistory(stopped));
    const [prediction] = await predictTargets(deps);
    expect(prediction?.decision.reason).toBe('ForecastDeclined');
    expect(prediction?.decision.message).toContain(
      'rule cpu: no datapoint since 2026-12-01T07:00:00.000Z, over 2 h ago: reactive only',
    );
    expect((await ledger.read('api')).floors).toBeUndefined();
  });

  it('declines a target whose rules read no per-unit average, saying which', async () => {
    const maximum = {
      ...asgTarget,
      rules: [{ ...asgTarget.rules[0], metric: { ...asgTarget.rules[0].metric, statistic: 'Maximum' } }],
    };
    const { deps, history } = setUp(policyWith({}, [maximum]));
    const [prediction] = await predictTargets(deps);
    expect(prediction?.decision.reason).toBe('ForecastDeclined');
    expect(prediction?.decision.message).toContain('reads Maximum, not a per-unit Average');
    expect(history.calls).toHaveLength(0);
  });

  const week = (forecastError: number, naiveError: number) =>
    Array.from({ length: 48 }, (_, i) => ({ at: T0 - (i + 1) * HOUR, steps: 12, forecastError, naiveError }));
  const track = (trusted: boolean, scores = week(20, 10)): ForecastTrack => ({
    madeAt: T0 - HOUR,
    forecasts: [],
    scoredUntil: T0 - HOUR,
    scores,
    trusted,
  });

  it('turns floors off while the forecast does worse than seasonal-naive over the week: recorded and told', async () => {
    const { deps, ledger, notifier } = setUp(policyWith({ trustMaseRatio: 1 }));
    await ledger.writeForecastTrack('api', track(true));
    const [prediction] = await predictTargets(deps);
    expect(prediction?.decision.reason).toBe('ForecastUntrusted');
    expect(prediction?.decision.message).toMatch(/MASE 1\.67 against seasonal-naive 0\.83/);
    expect(prediction?.trusted).toBe(false);
    expect((await ledger.read('api')).floors).toBeUndefined();
    expect(notifier.notices).toMatchObject([{ target: 'api', trusted: false }]);
    expect((await ledger.readForecastTrack('api'))?.trusted).toBe(false);
  });

  it.each([
    { name: 'trustMaseRatio 1: MASE twice naive’s is untrusted', ratio: 1, reason: 'ForecastUntrusted' },
    {
      name: 'trustMaseRatio 2 (the default): twice naive’s keeps the floors on',
      ratio: 2,
      reason: 'ForecastFloors',
    },
    { name: 'trustMaseRatio 1.9: twice naive’s is past it', ratio: 1.9, reason: 'ForecastUntrusted' },
  ])('$name', async ({ ratio, reason }) => {
    const { deps, ledger } = setUp(policyWith({ trustMaseRatio: ratio }));
    await ledger.writeForecastTrack('api', track(true));
    const [prediction] = await predictTargets(deps);
    expect(prediction?.decision.reason).toBe(reason);
    expect((await ledger.read('api')).floors !== undefined).toBe(reason === 'ForecastFloors');
  });

  it('turns them back on when it recovers, and says so once', async () => {
    const { deps, ledger, notifier } = setUp();
    await ledger.writeForecastTrack('api', track(false, week(5, 10)));
    const [prediction] = await predictTargets(deps);
    expect(prediction?.decision.reason).toBe('ForecastFloors');
    expect((await ledger.read('api')).floors).toBeDefined();
    expect(notifier.notices).toMatchObject([{ target: 'api', trusted: true }]);
    await predictTargets(deps);
    expect(notifier.notices).toHaveLength(1);
  });
});

describe('predictTargets: the headroom’s extra load held (maxBufferOfMeanPercent)', () => {
  it.each([
    { name: '0%: every step held, and the message says how many and to what', limit: 0, held: true },
    { name: 'null: no limit, nothing held, nothing said', limit: null, held: false },
  ])('$name', async ({ limit, held }) => {
    const { deps } = setUp(policyWith({ capacityBufferPercent: 30, maxBufferOfMeanPercent: limit }));
    const [prediction] = await predictTargets(deps);
    const message = prediction?.decision.message ?? '';
    expect(message).toContain('cpu (headroom ×1.30, capacityBufferPercent: under 4 h of forecasts scored');
    if (held)
      expect(message).toMatch(
        /its extra load held to 0, 0% of the forecast's mean \(maxBufferOfMeanPercent\), at (\d+) of \1 steps\)/,
      );
    else expect(message).not.toContain('extra load held');
  });
});

describe('predictTargets: trust measured continuously', () => {
  it('plans on the policy’s buffer until 4 hours of its forecasts are scored, then on the headroom they show (the last 6 hours kept)', async () => {
    // Every minute but the first of each 5 is half as busy again: the 5-minute history (read at period starts
    // here) never shows it, the minute-level actuals do: actual ÷ forecast is 1.5 on most minutes.
    const bursty = (t: number) => daily(t) * (Math.floor(t / MIN) % 5 === 0 ? 1 : 1.5);
    const { deps, clock, ledger, publisher } = setUp(
      policyWith({ capacityBufferPercent: 30 }),
      new SyntheticHistory(bursty),
    );
    const runs = [];
    const sized: { load: number; units: number }[][] = [];
    for (let hour = 0; hour <= 6; hour += 1) {
      publisher.data.length = 0;
      runs.push((await predictTargets(deps))[0]);
      const units = publisher.data.filter((d) => d.name === 'ForecastCapacity');
      sized.push(
        publisher.data
          .filter((d) => d.name === 'ForecastLoad')
          .map((d, i) => ({ load: d.value, units: units[i]?.value ?? Number.NaN })),
      );
      if (hour < 6) clock.advance(3600);
    }
    expect(runs[0]?.decision.message).toContain(
      'cpu (headroom ×1.30, capacityBufferPercent: under 4 h of forecasts scored)',
    );
    expect(runs[3]?.decision.message).toContain('cpu (headroom ×1.30, capacityBufferPercent');
    // Four hourly runs have scored 240 minutes of the forecasts that were in force.
    expect(runs[4]?.decision.message).toContain('cpu (headroom ×1.50, measured)');
    expect(runs[6]?.decision.message).toContain('cpu (headroom ×1.50, measured)');
    const track = await ledger.readForecastTrack('api');
    const kept = track?.calibration?.cpu ?? [];
    // Six runs scored 362 minutes (from the first forecast's start); the oldest fell out of the window.
    expect(kept.length).toBeGreaterThanOrEqual(6 * 60 - 1);
    expect(kept.length).toBeLessThanOrEqual(6 * 60 + 1);
    expect(kept.filter((p) => Math.abs(p.ratio - 1.5) < 0.05).length).toBeGreaterThan(0.75 * kept.length);
    // The units needed follow: the point forecast × 1.3, then × 1.5, at 70% a unit.
    for (const [run, headroom] of [
      [0, 1.3],
      [3, 1.3],
      [4, 1.5],
      [6, 1.5],
    ] as const) {
      expect(sized[run]?.length).toBeGreaterThan(10);
      for (const { load, units } of sized[run] ?? [])
        expect(units).toBe(Math.ceil((load * headroom) / 70 - 1e-9));
    }
  });

  it('scores the previous run’s forecast against what happened and publishes ForecastMase', async () => {
    // The daily cycle with noise (a pure cycle would make seasonal-naive perfect and MASE meaningless).
    const noisy = (t: number) => daily(t) + 15 * Math.sin(t / 60_000 / 7.3) * Math.sin(t / 60_000 / 3.1);
    const { deps, clock, publisher, ledger } = setUp(policyWith(), new SyntheticHistory(noisy));
    const [first] = await predictTargets(deps);
    expect(first?.mase).toBeUndefined();
    clock.advance(3600);
    const [second] = await predictTargets(deps);
    expect(second?.mase).toBeGreaterThan(0);
    expect(second?.mase).toBeLessThan(5);
    const mase = publisher.data.filter((d) => d.name === 'ForecastMase');
    expect(mase).toMatchObject([{ target: 'api', value: second?.mase }]);
    const stored = await ledger.readForecastTrack('api');
    expect(stored?.scores).toHaveLength(1);
    expect(stored?.scores[0]?.steps).toBeGreaterThanOrEqual(11);
    expect(stored?.scores[0]?.naiveError).toBeGreaterThan(0);
  });
});

describe('predictTargets: forecast-only', () => {
  it('changes nothing (no floors, no group call but the look for leftovers) but publishes ForecastLoad and ForecastCapacity', async () => {
    const { deps, ledger, groups, publisher } = setUp(policyWith({ mode: 'forecast-only' }));
    const [prediction] = await predictTargets(deps);
    expect(prediction?.decision.reason).toBe('ForecastOnly');
    expect((await ledger.read('api')).floors).toBeUndefined();
    expect(groups.calls).toBe(1); // the account-wide look for actions left behind (issue 20, item 6)
    expect(groups.actions.size).toBe(0);
    const capacity = publisher.data.filter((d) => d.name === 'ForecastCapacity');
    const load = publisher.data.filter((d) => d.name === 'ForecastLoad');
    expect(capacity.length).toBeGreaterThan(20);
    expect(load.length).toBe(capacity.length);
    expect(load[0]).toMatchObject({ target: 'api', rule: 'cpu' });
    // Up to two hours ahead: CloudWatch refuses datapoints further in the future.
    expect(Math.max(...capacity.map((d) => d.time.getTime()))).toBeLessThanOrEqual(T0 + 2 * HOUR);
    for (const d of capacity) expect(d.value).toBeGreaterThanOrEqual(need(d.time.getTime()) - 1);
  });
});

describe('predictTargets: replicas and shards', () => {
  it('read replicas: floors in the ledger start 15 minutes early; no scheduled actions', async () => {
    const db = {
      name: 'db',
      kind: 'rds-replicas',
      sourceDbInstanceIdentifier: 'db',
      capacity: { min: 1, max: 8 },
      predictive: true,
      rules: [
        {
          name: 'cpu',
          type: 'target-tracking',
          target: 60,
          metric: { namespace: 'AWS/RDS', name: 'CPUUtilization', statistic: 'Average' },
        },
      ],
    };
    const { deps, ledger, groups, history } = setUp(policyWith({}, [db]));
    const [prediction] = await predictTargets(deps);
    expect(history.calls[0]?.queries[0]?.metric.dimensions).toEqual({ DBInstanceIdentifier: 'db' });
    expect(groups.calls).toBe(1); // the account-wide look for actions left behind (issue 20, item 6)
    const floors = (await ledger.read('db')).floors;
    const needed = prediction?.needed;
    if (!floors || !needed) throw new Error('no floors');
    // Each floor covers the need three steps (15 minutes) later.
    needed.units.forEach((_, i) => {
      if (i + 3 < needed.units.length)
        expect(floors.units[i]).toBeGreaterThanOrEqual(Math.min(8, needed.units[i + 3] as number));
    });
  });
});

describe('predictTargets: scope', () => {
  it('does nothing when predictive scaling is off in the policy', async () => {
    const { deps, history } = setUp(policyWith({ enabled: false }));
    expect(await predictTargets(deps)).toEqual([]);
    expect(history.calls).toHaveLength(0);
  });

  it('refuses a name the policy lacks when predictive scaling is off too (it answered [], as if done)', async () => {
    const { deps, history } = setUp(policyWith({ enabled: false }));
    await expect(predictTargets(deps, { targets: ['nope'] })).rejects.toThrow(
      'target "nope" is neither a target of the policy with predictive: true nor a plan\'s member',
    );
    expect(history.calls).toHaveLength(0);
  });

  it('refuses a named target without predictive: true, naming it', async () => {
    const { deps } = setUp();
    await expect(predictTargets(deps, { targets: ['nope'] })).rejects.toThrow(
      'target "nope" is neither a target of the policy with predictive: true nor a plan\'s member',
    );
  });
});

describe('predictTargets: trust scores the whole span the floors use (issue 22)', () => {
  it('keeps earlier runs’ forecasts in flight over the floors’ span, and scores every step of it once', async () => {
    // Floors reach the next run (1 h) and horizonMinutes (5 h) beyond: a 6-hour span, plus the 5-minute warm-up.
    const noisy = (t: number) => daily(t) + 15 * Math.sin(t / 60_000 / 7.3) * Math.sin(t / 60_000 / 3.1);
    const { deps, clock, ledger } = setUp(policyWith({ horizonMinutes: 300 }), new SyntheticHistory(noisy));
    const steps: number[] = [];
    for (let hour = 0; hour < 8; hour += 1) {
      await predictTargets(deps);
      const track = await ledger.readForecastTrack('api');
      steps.push((track?.scores ?? []).reduce((a, s) => a + s.steps, 0));
      if (hour === 3) {
        // The three earlier runs' forecasts are still in flight; each is kept over its span: from its start (2
        // minutes before the run) to the floors' end 6 hours after the run, plus the warm-up: 74 steps.
        expect(track?.inFlight?.map((f) => f.start)).toEqual([0, 1, 2].map((h) => T0 - 2 * MIN + h * HOUR));
        expect(track?.forecasts[0]?.point).toHaveLength(74);
      }
      clock.advance(3600);
    }
    // From the seventh run on, each hour scores its 12 steps in each of the six forecasts covering it, and the
    // two last steps of a seventh (spans of 74 steps: 6 h 10 min).
    expect((steps[7] as number) - (steps[6] as number)).toBe(6 * 12 + 2);
  });
});

// Walk-forward tuning (issue 22): the run's knobs come from the target's own past runs, kept in its track.
