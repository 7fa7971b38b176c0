import { describe, expect, it } from 'vitest';
import { bundledPrices } from '../../../shared/cost/bundledPrices';
import { ScalingError } from '../../../shared/errors';
import type { Policy } from '../../../shared/policy/schema';
import { planTimelineCsv, runPlanBacktest } from '../../../shared/simulate/planBacktest';
import { planFigures } from '../../../shared/simulate/planFigures';
import type { MinuteSeries } from '../../../shared/simulate/trace';
import { examplePolicy } from '../../harness/fixtures';

/**
 * Three days of requests a minute at 5-minute steps: a daily cycle from 1,000 to 3,000, and every evening a
 * rush that triples it for an hour from 18:00 (the seeds' ticket sale; the forecasts learn it from day 2).
 */
function rushTrace(): MinuteSeries {
  const start = Date.parse('2026-12-03T00:00:00Z');
  const load: number[] = [];
  for (let m = 0; m < 3 * 1440; m += 1) {
    const step = m - (m % 5);
    const day = 2000 - 1000 * Math.cos((2 * Math.PI * (step % 1440)) / 1440);
    const rush = step % 1440 >= 18 * 60 && step % 1440 < 19 * 60 ? 3 : 1;
    load.push(Math.round(day * rush));
  }
  return { start, load, stepMinutes: 5 };
}

const series = rushTrace();
const policy = examplePolicy();
const result = runPlanBacktest(series, policy, 'ticket-rush', { prices: bundledPrices });
const row = (name: string) => result.figures.find((f) => f.policy === name);

describe('backtest --plan on the example plan (api, events-db, sessions-cache)', () => {
  it('prints the three rows', () => {
    expect(result.figures.map((f) => f.policy)).toEqual([
      'coordinated',
      'independent-scalepilot',
      'independent-target-tracking',
    ]);
  });

  it('sizes each member from the demand trace by its kind’s row (delay, range, units at p99), and prices it from the bundled list', () => {
    expect(
      result.scenario.members.map((m) => [m.name, m.delay, m.min, m.max, m.unitType, m.usdPerUnitHour]),
    ).toEqual([
      ['api', 5, 2, 20, 't3.medium', 0.0416],
      ['events-db', 15, 1, 6, 'db.t4g.medium', 0.065],
      ['sessions-cache', 10, 3, 15, '2 × cache.t4g.small', 0.064],
    ]);
    const [api, db] = result.scenario.members;
    expect((api?.unitCapacity ?? 0) / (db?.unitCapacity ?? 1)).toBeCloseTo(3 / 10, 9);
    // The trace is in its own unit: the entry's demand per unit is the scenario's, 1 / (u × T).
    expect(result.model.members[0]?.follows).toEqual({
      unitsPerDemand: 1 / ((api?.unitCapacity ?? 0) * 0.7),
    });
    expect(result.model.members[1]?.follows).toEqual({ member: 'api', units: 1, per: 3 });
  });

  it('coordinated: no more overload of either kind than each member scaled alone, at no more cost', () => {
    const coordinated = row('coordinated');
    const alone = row('independent-scalepilot');
    expect(coordinated?.downstreamOverloadMinutes).toBeLessThanOrEqual(alone?.downstreamOverloadMinutes ?? 0);
    expect(coordinated?.overloadMinutes).toBeLessThanOrEqual(alone?.overloadMinutes ?? 0);
    expect(coordinated?.cost).toBeLessThanOrEqual(alone?.cost ?? 0);
    expect(row('independent-target-tracking')?.downstreamOverloadMinutes).toBeGreaterThan(
      4 * (coordinated?.downstreamOverloadMinutes ?? 0),
    );
  });

  it('in the third evening’s rush, the replicas start 15 minutes ahead, the cache 10, the API 5', () => {
    const [api, db, cache] = result.timelines[0]?.members ?? [];
    const rush = 2 * 1440 + 18 * 60;
    const firstRise = (ordered: Int32Array | undefined) => {
      for (let m = rush - 60; m < rush + 60; m += 1)
        if ((ordered?.[m] ?? 0) > (ordered?.[m - 1] ?? 0)) return m;
      return Number.POSITIVE_INFINITY;
    };
    expect([firstRise(db?.ordered), firstRise(cache?.ordered), firstRise(api?.ordered)]).toEqual([
      rush - 15,
      rush - 10,
      rush - 5,
    ]);
  });

  it('writes a timeline CSV from which every figure can be recomputed', () => {
    const t = result.timelines[0];
    if (!t) throw new Error('no timeline');
    const csv = planTimelineCsv(t, series).trim().split('\n');
    expect(csv[0]).toBe(
      'minute,timestamp,demand,api.load,api.ordered,api.serving,events-db.load,events-db.ordered,events-db.serving,sessions-cache.load,sessions-cache.ordered,sessions-cache.serving',
    );
    expect(csv).toHaveLength(series.load.length + 1);
    // Rebuild the timeline from the CSV's columns alone and score it again.
    const rows = csv.slice(1).map((line) => line.split(',').map(Number));
    const column = (i: number) => rows.map((r) => r[i] as number);
    const members = result.scenario.members.map((m, k) => {
      const load = Float64Array.from(column(3 + 3 * k));
      const serving = Int32Array.from(column(5 + 3 * k));
      return {
        name: m.name,
        load,
        ordered: Int32Array.from(column(4 + 3 * k)),
        serving,
        utilisation: load.map((v, j) => v / ((serving[j] as number) * m.unitCapacity)),
        decisions: [],
      };
    });
    expect(planFigures({ policy: 'coordinated', members }, result.scenario)).toEqual(row('coordinated'));
  });

  it('gives every change of the coordinated policy its reason', () => {
    const decisions = result.timelines[0]?.members.flatMap((k) => k.decisions) ?? [];
    expect(decisions.length).toBeGreaterThan(0);
    expect(decisions.every((d) => d.reason !== '' && d.message !== '')).toBe(true);
    expect(new Set(decisions.map((d) => d.reason))).toContain('PredictiveFloor');
  });
});

describe('backtest --plan: rows on request', () => {
  it('runs only the rows asked for (the bench scores a hold on the coordinated row alone)', () => {
    const short = { ...series, load: series.load.slice(0, 120) };
    const only = runPlanBacktest(short, policy, 'ticket-rush', {
      prices: bundledPrices,
      policies: ['coordinated'],
    });
    expect(only.figures.map((f) => f.policy)).toEqual(['coordinated']);
  });
});

describe('backtest --plan: readiness gates on a burst no forecast saw (day one, no history)', () => {
  // 1,000 requests a minute, tripled for 90 minutes from 10:00 and 2.4× for an hour from 15:00.
  const burst: MinuteSeries = {
    start: Date.parse('2026-12-03T00:00:00Z'),
    stepMinutes: 1,
    load: Array.from({ length: 1440 }, (_, m) =>
      m >= 600 && m < 690 ? 3000 : m >= 900 && m < 960 ? 2400 : 1000,
    ),
  };
  /** The coordinated row with the API waiting for the replicas and the cache (or not gated at all). */
  const gated = (gateTiming: 'serving' | 'in-time' | 'none') => {
    const plans = policy.plans.map((p) => ({
      ...p,
      gateTiming: gateTiming === 'none' ? p.gateTiming : gateTiming,
      members: p.members.map((m, i) =>
        i === 0 && gateTiming !== 'none' ? { ...m, waitFor: ['events-db', 'sessions-cache'] } : m,
      ),
    }));
    const run = runPlanBacktest(burst, { ...policy, plans }, 'ticket-rush', {
      prices: bundledPrices,
      policies: ['coordinated'],
    });
    return run.figures[0] as (typeof run.figures)[number];
  };
  const none = gated('none');
  const serving = gated('serving');
  const inTime = gated('in-time');

  it('ungated, the API serves first and waits on replicas still being created: downstream overload', () => {
    expect(none.downstreamOverloadMinutes).toBeGreaterThan(0);
  });
  it('gated in time, the API’s instances arrive with the replicas: no downstream overload, no more system overload', () => {
    expect(inTime.downstreamOverloadMinutes).toBe(0);
    expect(inTime.overloadMinutes).toBeLessThanOrEqual(none.overloadMinutes);
    expect(inTime.cost).toBeLessThanOrEqual(none.cost);
  });
  it('gated on serving, the API starts only once the replicas serve: its own lead time of overload more per burst', () => {
    expect(serving.downstreamOverloadMinutes).toBe(0);
    expect(serving.overloadMinutes).toBeGreaterThanOrEqual(inTime.overloadMinutes + 2 * 5);
  });
});

describe('backtest --plan: bad requests are one clear line', () => {
  it.each([
    {
      name: 'a plan the policy does not have',
      plan: 'rush',
      policy,
      want: 'no plan named "rush" (the policy\'s plans: ticket-rush)',
    },
    {
      name: 'a member without a price',
      plan: 'ticket-rush',
      policy: {
        ...policy,
        targets: policy.targets.map((t) => (t.kind === 'asg' ? { ...t, instanceType: undefined } : t)),
      } as Policy,
      want: 'plan ticket-rush: member api: no price: set instanceType on the target',
    },
  ])('$name', ({ plan, policy: p, want }) => {
    const short = { ...series, load: series.load.slice(0, 60) };
    expect(() => runPlanBacktest(short, p, plan, { prices: bundledPrices })).toThrow(new ScalingError(want));
  });
});

describe('backtest --plan: a member that is a predictive target keeps its own floors, as predict writes them', () => {
  // predict writes such a member the higher of its own floors and the plan's at every step (withPlanFloors):
  // on a wobbling demand, the API's own floors (the 95th percentile of actual ÷ forecast) stand above the
  // plan's at its headroomQuantile 0.5 (defect: the coordinated row read the plan's floors alone).
  const wobbling = {
    ...series,
    load: series.load.map((v, m) => Math.round(v * (1 + 0.3 * Math.sin(m * 0.7)))),
  };
  const apiRun = (predictive: boolean) => {
    const base = examplePolicy();
    const p: Policy = {
      ...base,
      plans: base.plans.map((plan) => ({ ...plan, headroomQuantile: 0.5 })),
      targets: base.targets.map((t) => (t.name === 'api' ? { ...t, predictive } : t)),
    };
    const r = runPlanBacktest(wobbling, p, 'ticket-rush', {
      prices: bundledPrices,
      policies: ['coordinated'],
    });
    const api = r.timelines[0]?.members[0];
    return {
      instanceMinutes: Array.from(api?.ordered ?? []).reduce((a, b) => a + b, 0),
      floors: (api?.decisions ?? []).filter((d) => d.reason === 'PredictiveFloor').map((d) => d.message),
    };
  };
  const own = apiRun(true);
  const planOnly = apiRun(false);

  it('predictive: true: more instance-minutes than the plan’s floors alone give', () => {
    expect(own.instanceMinutes).toBeGreaterThan(planOnly.instanceMinutes);
  });

  it('the floors it rose to are its own forecast’s (of its cpu rule) where they are higher, the plan’s elsewhere', () => {
    // The member's decision names the plan and the floor's source: its own rules' forecast, or the demand's.
    expect(own.floors.some((m) => m.includes('forecast of cpu'))).toBe(true);
    expect(own.floors.some((m) => !m.includes('forecast of cpu'))).toBe(true);
    expect(planOnly.floors.some((m) => m.includes('forecast of cpu'))).toBe(false);
  });
});
