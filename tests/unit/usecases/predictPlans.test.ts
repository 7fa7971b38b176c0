import { describe, expect, it } from 'vitest';
import { floorAt } from '../../../shared/decision/floors';
import type { ForecastTrack } from '../../../shared/decision/forecastTrust';
import { pauseStateOf } from '../../../shared/decision/pauseState';
import type { PlanMemberRecord } from '../../../shared/decision/plans/types';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Policy } from '../../../shared/policy/schema';
import { planTrackKey } from '../../../shared/usecases/predictPlans';
import { type PredictDeps, predictTargets } from '../../../shared/usecases/predictTargets';
import { capturedLog, testClock } from '../../harness/fixtures';
import { InMemoryLedger } from '../../harness/inMemoryPorts';
import {
  CollectedForecastMetrics,
  CollectedTrustNotices,
  InMemoryScheduledActions,
  SyntheticHistory,
} from '../../harness/predictPorts';
import { PlanHistory, step } from './predictPlanMembersFixtures';

const MIN = 60_000;
const T0 = Date.parse('2026-12-04T17:00:00Z');

function policy(
  mode: 'forecast-and-scale' | 'forecast-only' = 'forecast-and-scale',
  leads: { api?: number; db?: number } = { api: 0 },
): Policy {
  return validatePolicy({
    version: 1,
    targets: [
      {
        name: 'api',
        kind: 'asg',
        autoScalingGroupName: 'g',
        capacity: { min: 2, max: 10 },
        instanceWarmupSeconds: 300,
        predictive: true,
        rules: [step('cpu')],
      },
      {
        name: 'events-db',
        kind: 'rds-replicas',
        sourceDbInstanceIdentifier: 'db',
        replicaInstanceClass: 'db.t4g.medium',
        capacity: { min: 1, max: 3 },
        rules: [
          { ...step('cpu'), metric: { namespace: 'AWS/RDS', name: 'CPUUtilization', statistic: 'Average' } },
        ],
      },
    ],
    predictive: { enabled: true, mode, lookbackDays: 3, capacityBufferPercent: 0 },
    plans: [
      {
        name: 'rush',
        demand: {
          metric: {
            namespace: 'AWS/ApplicationELB',
            name: 'RequestCount',
            statistic: 'Sum',
            dimensions: { LoadBalancer: 'app/lb/1' },
          },
        },
        members: [
          {
            target: 'api',
            unitsPerDemand: 0.002,
            ...(leads.api !== undefined ? { leadTimeMinutes: leads.api } : {}),
          },
          {
            target: 'events-db',
            ratio: { member: 'api', per: 3 },
            ...(leads.db !== undefined ? { leadTimeMinutes: leads.db } : {}),
          },
        ],
      },
    ],
  });
}

function setUp(p = policy(), history = new PlanHistory(), paused?: string) {
  const ledger = new InMemoryLedger();
  const groups = new InMemoryScheduledActions();
  const notifier = new CollectedTrustNotices();
  const deps: PredictDeps = {
    policy: p,
    history,
    ledger,
    groups,
    publisher: new CollectedForecastMetrics(),
    notifier,
    clock: testClock(new Date(T0)),
    log: capturedLog().sink,
    ...(paused !== undefined ? { pause: { read: async () => pauseStateOf(paused, '/p') } } : {}),
  };
  return { deps, ledger, groups, history, notifier };
}

/** When a member's floor first rises above where it starts (HH:MM). */
function riseOf(floors: { start: Date; stepMinutes: number; units: readonly number[] } | undefined) {
  const units = floors?.units ?? [];
  const i = units.findIndex((u) => u > (units[0] ?? 0));
  return i < 0 ? 'never' : new Date((floors?.start.getTime() ?? 0) + i * 5 * MIN).toISOString().slice(11, 16);
}

describe('predict: a plan’s floors, each member’s shifted by its lead time', () => {
  it('a member with a 15-minute lead gets its floor 15 minutes before the entry’s; both recorded PlanForecast', async () => {
    const { deps, ledger, groups } = setUp();
    const predictions = await predictTargets(deps);
    const db = (await ledger.read('events-db')).floors;
    const api = (await ledger.read('api')).floors;
    // The entry (lead 0 here) rises with the rush at 18:00, the replicas (15 min, rds-replicas' default) at 17:45.
    expect(riseOf(api)).toBe('18:00');
    expect(riseOf(db)).toBe('17:45');
    expect(floorAt(db, new Date(T0 + 75 * MIN))?.units).toBe(3); // 4,500: 9 instances, 3 replicas
    expect(floorAt(api, new Date(T0 + 75 * MIN))?.units).toBe(9);
    expect(predictions.map((p) => [p.decision.target, p.decision.reason])).toEqual([
      ['events-db', 'PlanForecast'],
      ['api', 'PlanForecast'],
    ]);
    expect(predictions[0]?.decision.message).toMatch(/^plan rush: forecast of its demand/);
    // The group's scheduled MinSize actions carry the merged floors (the plan's 9 in the rush).
    expect(Math.max(...[...groups.actions.values()].map((a) => a.minSize ?? 0))).toBe(9);
    expect(await ledger.readForecastTrack(planTrackKey('rush'))).toMatchObject({ trusted: true });
  });

  it('a member’s own floors stand where they ask more: the higher of the two at every step', async () => {
    // The api's own rule reads 400 percent-units all day: 6 at 70%; the plan asks 2 before the rush, 9 in it.
    const { deps, ledger } = setUp(policy(), new PlanHistory({ ownLoad: 400 }));
    const [, api] = await predictTargets(deps);
    const floors = (await ledger.read('api')).floors;
    expect(floorAt(floors, new Date(T0))?.units).toBe(6);
    expect(floorAt(floors, new Date(T0 + 75 * MIN))?.units).toBe(9);
    expect(api?.decision.reason).toBe('PlanForecast');
    // Each step names the floor it took, as the scaler's decision quotes it: its own before the rush, the plan's in it.
    expect(floorAt(floors, new Date(T0))?.source).toMatch(/^forecast of /);
    expect(floorAt(floors, new Date(T0 + 75 * MIN))?.source).toMatch(/^plan rush: /);
  });

  it('learns a member’s lead time from the ledger’s PLAN items: 20 minutes observed, its floor 20 minutes early', async () => {
    const { deps, ledger } = setUp(policy('forecast-and-scale', { api: 0 }));
    const record: PlanMemberRecord = {
      ordered: 1,
      serving: 1,
      at: new Date(T0 - MIN),
      changes: [],
      planLevels: [],
      leadSeconds: [1200, 1140, 1190],
    };
    ledger.plans.set('events-db', record);
    await predictTargets(deps);
    expect(riseOf((await ledger.read('events-db')).floors)).toBe('17:40');
  });

  it('a group in a plan with no forecast of its own: the plan’s floors on its MinSize, kept by the run’s pruning', async () => {
    const p = policy();
    const { deps, ledger, groups } = setUp({
      ...p,
      targets: p.targets.map((t) => (t.name === 'api' ? { ...t, predictive: false } : t)),
    });
    const predictions = await predictTargets(deps);
    expect(predictions.map((x) => [x.decision.target, x.decision.reason])).toEqual([
      ['api', 'PlanForecast'],
      ['events-db', 'PlanForecast'],
    ]);
    expect(riseOf((await ledger.read('api')).floors)).toBe('18:00');
    // Pruning after the run deletes the actions no target produces: not these.
    expect(Math.max(...[...groups.actions.values()].map((a) => a.minSize ?? 0))).toBe(9);
  });

  // Safety review s51: predict mirrored a group member's plan floors on its MinSize uncapped: AWS raised the API to
  // 9 in the rush while the database, blocked at 2 replicas, could carry the demand of 6 (the scaler caps its own
  // floor by it; MinSize bypassed that cap).
  it.each([
    {
      name: 'the database blocked at 2 replicas',
      record: { ordered: 2, blocked: 'replicas refused (RdsReplicasUnsupported)' },
      want: 6,
    },
    { name: 'the database at a live maximum of 1', record: { ordered: 1, max: 1 }, want: 3 },
    { name: 'the database following', record: { ordered: 1 }, want: 9 },
  ])(
    'a member that cannot follow caps the floors put on a group’s MinSize: $name',
    async ({ record, want }) => {
      const p = policy();
      const { deps, ledger, groups } = setUp({
        ...p,
        targets: p.targets.map((t) => (t.name === 'api' ? { ...t, predictive: false } : t)),
      });
      ledger.plans.set('events-db', {
        serving: record.ordered,
        at: new Date(T0 - MIN),
        changes: [],
        planLevels: [],
        leadSeconds: [],
        ...record,
      });
      const predictions = await predictTargets(deps);
      expect(floorAt((await ledger.read('api')).floors, new Date(T0 + 75 * MIN))?.units).toBe(want);
      expect(Math.max(...[...groups.actions.values()].map((a) => a.minSize ?? 0))).toBe(want);
      const api = predictions.find((x) => x.decision.target === 'api')?.decision;
      if (want < 9) expect(api?.message).toContain('events-db cannot follow (');
    },
  );

  it('asked for a member with no forecast of its own (predict --target): its plan’s floors, and no other target’s', async () => {
    const { deps, ledger } = setUp();
    const predictions = await predictTargets(deps, { targets: ['events-db'] });
    expect(predictions.map((x) => [x.decision.target, x.decision.reason])).toEqual([
      ['events-db', 'PlanForecast'],
    ]);
    expect(riseOf((await ledger.read('events-db')).floors)).toBe('17:45');
    expect((await ledger.read('api')).floors).toBeUndefined();
  });

  it('the policy’s leadTimeMinutes overrides the kind’s', async () => {
    const { deps, ledger } = setUp(policy('forecast-and-scale', { api: 0, db: 25 }));
    await predictTargets(deps);
    expect(riseOf((await ledger.read('events-db')).floors)).toBe('17:35');
  });

  it('forecast-only: nothing written, the plan’s floors said in the record', async () => {
    const { deps, ledger, groups } = setUp(policy('forecast-only'));
    const predictions = await predictTargets(deps);
    expect((await ledger.read('events-db')).floors).toBeUndefined();
    expect(groups.actions.size).toBe(0);
    expect(predictions[0]?.decision).toMatchObject({ target: 'events-db', reason: 'ForecastOnly' });
    expect(predictions[0]?.decision.message).toMatch(
      /forecast-only: nothing changed \(the plan's floors would be 1 now, up to 3\)/,
    );
  });

  it('a plan whose demand has under a day of history gives no floors: earlier ones removed, recorded', async () => {
    const { deps, ledger } = setUp(policy(), new PlanHistory({ demandSince: T0 - 20 * 60 * MIN }));
    await ledger.writeFloors('events-db', {
      start: new Date(T0),
      stepMinutes: 5,
      units: [3, 3],
      madeAt: new Date(T0 - 60 * MIN),
      source: 'an earlier run',
    });
    const [db] = await predictTargets(deps);
    expect(db?.decision.reason).toBe('ForecastDeclined');
    expect(db?.decision.message).toMatch(/^plan rush: InsufficientHistory/);
    expect((await ledger.read('events-db')).floors).toBeUndefined();
  });

  it('a member whose own forecast declines still gets its plan’s floors, recorded PlanForecast', async () => {
    const history = new PlanHistory();
    // The api's own metric began 20 hours ago: under the day its forecast needs.
    history.own = new SyntheticHistory(
      () => 120,
      () => 4,
      T0 - 20 * 60 * MIN,
    );
    const { deps, ledger } = setUp(policy(), history);
    const [, api] = await predictTargets(deps);
    expect(api?.decision.reason).toBe('PlanForecast');
    expect(api?.decision.message).toMatch(
      /^rule cpu: InsufficientHistory.*plan rush: forecast of its demand/,
    );
    expect(riseOf((await ledger.read('api')).floors)).toBe('18:00');
  });

  it('the kill switch: no plan floors written, each member recorded Paused', async () => {
    const { deps, ledger, groups } = setUp(policy(), new PlanHistory(), 'true');
    const predictions = await predictTargets(deps);
    expect(predictions.map((x) => [x.decision.target, x.decision.reason])).toEqual([
      ['events-db', 'Paused'],
      ['api', 'Paused'],
    ]);
    expect((await ledger.read('events-db')).floors).toBeUndefined();
    expect(groups.actions.size).toBe(0);
  });

  it('a run asked for some targets writes no other member’s floors', async () => {
    const { deps, ledger } = setUp();
    const predictions = await predictTargets(deps, { targets: ['api'] });
    expect(predictions.map((x) => x.decision.target)).toEqual(['api']);
    expect(predictions[0]?.decision.reason).toBe('PlanForecast');
    expect((await ledger.read('events-db')).floors).toBeUndefined();
  });

  /**
   * The plan's headroom: six hours of its demand forecasts scored minute by minute, actual ÷ forecast spread
   * evenly from 1.0 to 2.0 (the median 1.5, the 95th percentile 1.95).
   */
  async function spreadCalibration(ledger: InMemoryLedger) {
    const calibration = Array.from({ length: 360 }, (_, i) => ({
      time: T0 - (360 - i) * MIN,
      ratio: 1 + ((i * 7) % 360) / 360,
    }));
    const track: ForecastTrack = {
      madeAt: T0 - 3_600_000,
      forecasts: [],
      scoredUntil: T0,
      scores: [],
      trusted: true,
      calibration: { demand: calibration },
    };
    await ledger.writeForecastTrack(planTrackKey('rush'), track);
  }

  it.each([
    { name: 'the default 0.95: 1,000 requests × 1.95 need 4 instances', quantile: undefined, api: 4 },
    { name: 'headroomQuantile 0.5: 1,000 requests × 1.5 need 3', quantile: 0.5, api: 3 },
    // The policy's limits on a floor's headroom hold for a plan's floors as for a target's (they did not).
    {
      name: 'predictive.maxBufferPercent 50: the 1.95 capped at 1.5, 3',
      quantile: undefined,
      predictive: { maxBufferPercent: 50 },
      api: 3,
    },
    {
      name: 'predictive.maxBufferOfMeanPercent 20: 1,000 + 200 need 3',
      quantile: undefined,
      predictive: { maxBufferOfMeanPercent: 20 },
      api: 3,
    },
  ])(
    'the plan’s floors plan for its headroomQuantile of actual ÷ forecast: $name',
    async ({ quantile, predictive, api }) => {
      const base = policy();
      const p = validatePolicy({
        ...base,
        ...(predictive ? { predictive: { ...base.predictive, ...predictive } } : {}),
        plans: base.plans.map((plan) => ({
          ...plan,
          ...(quantile !== undefined ? { headroomQuantile: quantile } : {}),
        })),
      });
      const { deps, ledger } = setUp(p);
      await spreadCalibration(ledger);
      await predictTargets(deps);
      expect(floorAt((await ledger.read('api')).floors, new Date(T0 + 30 * MIN))?.units).toBe(api);
    },
  );

  /** A week of plan forecasts scored at twice seasonal-naive's error (MASE 1.67 against 0.83). */
  async function twiceNaive(ledger: InMemoryLedger) {
    const week = Array.from({ length: 48 }, (_, i) => ({
      at: T0 - (i + 1) * 3_600_000,
      steps: 12,
      forecastError: 20,
      naiveError: 10,
    }));
    const track: ForecastTrack = {
      madeAt: T0 - 3_600_000,
      forecasts: [],
      scoredUntil: T0,
      scores: week,
      trusted: true,
    };
    await ledger.writeForecastTrack(planTrackKey('rush'), track);
  }

  it('a plan whose demand forecast did worse than seasonal-naive over the week (trustMaseRatio 1): no plan floors, told once', async () => {
    const strict = policy();
    const { deps, ledger, notifier } = setUp({
      ...strict,
      predictive: { ...strict.predictive, trustMaseRatio: 1 },
    });
    await twiceNaive(ledger);
    const [db, api] = await predictTargets(deps);
    expect(db?.decision.reason).toBe('ForecastUntrusted');
    expect(db?.decision.message).toMatch(
      /^plan rush: forecast untrusted: MASE 1\.67 against seasonal-naive 0\.83 over the last week/,
    );
    expect((await ledger.read('events-db')).floors).toBeUndefined();
    // The api keeps its own forecast's floors: 2 at most on its quiet load.
    expect(api?.decision.reason).toBe('ForecastFloors');
    expect(Math.max(...((await ledger.read('api')).floors?.units ?? []))).toBe(2);
    expect(notifier.notices).toMatchObject([{ target: 'plan:rush', trusted: false }]);
  });
  it('the same week within the policy’s trustMaseRatio (the default 2): the plan’s floors stay on', async () => {
    const { deps, ledger, notifier } = setUp();
    await twiceNaive(ledger);
    const [db] = await predictTargets(deps);
    expect(db?.decision.reason).toBe('PlanForecast');
    expect((await ledger.read('events-db')).floors).toBeDefined();
    expect(notifier.notices).toEqual([]);
  });
});
