import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { stackResources } from '../../../infra/stackResources';
import { PolicyValidationError } from '../../../shared/errors';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import { EXAMPLE_POLICY } from '../../harness/fixtures';

// Issue 24: the `plans` section. The example policy's plan (api, events-db, sessions-cache) with one change per
// row; every bad plan is refused with one line naming its place.
const example = () => parse(readFileSync(EXAMPLE_POLICY, 'utf8')) as Record<string, any>;
const demand = {
  metric: {
    namespace: 'AWS/ApplicationELB',
    name: 'RequestCount',
    statistic: 'Sum',
    dimensions: { LoadBalancer: 'app/x/1' },
  },
};
const api = { target: 'api', unitsPerDemand: 0.002 };
const db = { target: 'events-db', ratio: { member: 'api', per: 3 } };
const cache = { target: 'sessions-cache', ratio: { member: 'api', units: 3, per: 5 } };
const plan = (over: Record<string, unknown> = {}) => ({
  name: 'rush',
  demand,
  members: [api, db, cache],
  ...over,
});

function problemsOf(change: (doc: Record<string, any>) => void): string[] {
  const doc = example();
  change(doc);
  try {
    validatePolicy(doc, 'p.yml');
  } catch (error) {
    if (error instanceof PolicyValidationError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  return [];
}

describe('plans: what the schema takes', () => {
  it('takes the example policy’s plan, with the hold’s default (60 min) and a ratio’s one unit', () => {
    const policy = validatePolicy(example());
    expect(policy.plans).toHaveLength(1);
    const [rush] = policy.plans;
    expect(rush?.members.map((m) => m.target)).toEqual(['api', 'events-db', 'sessions-cache']);
    expect(rush?.members[1]?.ratio).toEqual({ member: 'api', units: 1, per: 3 });
    expect(rush?.scaleInHoldMinutes).toBe(60);
    expect(rush?.gateTiming).toBe('in-time');
  });

  it('has no plans by default', () => {
    expect(problemsOf((d) => delete d.plans)).toEqual([]);
    const doc = example();
    delete doc.plans;
    expect(validatePolicy(doc).plans).toEqual([]);
  });

  it.each([
    {
      name: 'a demand read from a member’s rule',
      over: { demand: { rule: { member: 'api', rule: 'cpu' } } },
    },
    {
      name: 'lead times, gates and a hold',
      over: {
        members: [{ ...api, waitFor: ['events-db'], leadTimeMinutes: 6 }, db, cache],
        scaleInHoldMinutes: 0,
        gateTiming: 'serving',
      },
    },
    { name: 'two members only', over: { members: [api, db] } },
  ])('takes $name', ({ over }) => {
    expect(problemsOf((d) => (d.plans = [plan(over)]))).toEqual([]);
  });

  it('takes a lead time of 90 min under the default forecast horizon (48 h), not a horizon of 60 min', () => {
    const members = [api, { ...db, leadTimeMinutes: 90 }, cache];
    const problems = problemsOf((d) => {
      delete d.predictive.horizonMinutes;
      d.plans = [plan({ members })];
    });
    expect(problems).toEqual([]);
  });
});

describe('plans: bad plans are refused with one line each, naming the place', () => {
  it.each([
    {
      name: 'a member that is not a target',
      plans: [plan({ members: [api, { target: 'web', ratio: { member: 'api', per: 2 } }] })],
      want: 'plans[0] "rush".members[1].target: "web" is not a target of this policy',
    },
    {
      name: 'a member in two plans',
      plans: [
        plan({ members: [api, db] }),
        plan({
          name: 'night',
          members: [
            { ...api, target: 'sessions-cache' },
            { target: 'events-db', unitsPerDemand: 0.001 },
          ],
        }),
      ],
      want: 'plans[1] "night".members[1].target: "events-db" is already a member of plan "rush"',
    },
    {
      name: 'a member twice in one plan',
      plans: [plan({ members: [api, db, { ...db }] })],
      want: 'plans[0] "rush".members[2].target: "events-db" is already a member of plan "rush"',
    },
    {
      name: 'a ratio cycle',
      plans: [
        plan({
          members: [
            api,
            { target: 'events-db', ratio: { member: 'sessions-cache', per: 2 } },
            { target: 'sessions-cache', ratio: { member: 'events-db', per: 1 } },
          ],
        }),
      ],
      want: 'plans[0] "rush".members[2].ratio.member: ratio cycle events-db → sessions-cache → events-db: a chain of ratios must end at a member that follows the demand',
    },
    {
      name: 'a ratio to itself',
      plans: [plan({ members: [api, { target: 'events-db', ratio: { member: 'events-db', per: 2 } }] })],
      want: 'plans[0] "rush".members[1].ratio.member: "events-db" cannot follow itself',
    },
    {
      name: 'a ratio to a target outside the plan',
      plans: [plan({ members: [api, { target: 'events-db', ratio: { member: 'sessions-cache', per: 2 } }] })],
      want: 'plans[0] "rush".members[1].ratio.member: "sessions-cache" is not a member of plan "rush"',
    },
    {
      name: 'an entry that follows a ratio',
      plans: [
        plan({
          members: [
            { target: 'api', ratio: { member: 'events-db', per: 1 } },
            { target: 'events-db', unitsPerDemand: 0.001 },
          ],
        }),
      ],
      want: 'plans[0] "rush".members[0].ratio: "api" is the entry (the demand reaches it first): it must follow the demand (unitsPerDemand)',
    },
    {
      name: 'a lead time longer than the forecast horizon',
      plans: [plan({ members: [api, { ...db, leadTimeMinutes: 90 }, cache] })],
      want: 'plans[0] "rush".members[1].leadTimeMinutes: lead time 90 min is longer than predictive.horizonMinutes 60: the floors could not start early enough',
    },
    {
      name: 'a kind’s default lead time longer than the horizon',
      plans: [plan()],
      horizon: 10,
      want: 'plans[0] "rush".members[1].target: lead time 15 min (predictive.provisioningMinutes.rds-replicas) is longer than predictive.horizonMinutes 10: the floors could not start early enough',
    },
    {
      name: 'a readiness gate on a target outside the plan',
      plans: [plan({ members: [{ ...api, waitFor: ['web'] }, db] })],
      want: 'plans[0] "rush".members[0].waitFor[0]: "web" is not a member of plan "rush"',
    },
    {
      name: 'a readiness gate on itself',
      plans: [plan({ members: [{ ...api, waitFor: ['api'] }, db] })],
      want: 'plans[0] "rush".members[0].waitFor[0]: "api" cannot wait for itself',
    },
    {
      name: 'readiness gates in a circle',
      plans: [
        plan({
          members: [
            { ...api, waitFor: ['events-db'] },
            { ...db, waitFor: ['api'] },
          ],
        }),
      ],
      want: 'plans[0] "rush".members[1].waitFor: readiness gates wait in a circle api → events-db → api: none of them could ever grow',
    },
    {
      name: 'both unitsPerDemand and a ratio',
      plans: [plan({ members: [api, { ...db, unitsPerDemand: 0.001 }] })],
      want: 'plans[0] "rush".members[1]: name unitsPerDemand or ratio (exactly one)',
    },
    {
      name: 'neither',
      plans: [plan({ members: [api, { target: 'events-db' }] })],
      want: 'plans[0] "rush".members[1]: name unitsPerDemand or ratio (exactly one)',
    },
    {
      name: 'a demand metric without dimensions',
      plans: [plan({ demand: { metric: { namespace: 'AWS/ApplicationELB', name: 'RequestCount' } } })],
      want: 'plans[0] "rush".demand.metric.dimensions: a plan\'s demand metric belongs to no target: name its dimensions',
    },
    {
      name: 'a demand with a metric and a rule',
      plans: [plan({ demand: { ...demand, rule: { member: 'api', rule: 'cpu' } } })],
      want: 'plans[0] "rush".demand: name metric or rule (exactly one)',
    },
    {
      name: 'a demand rule of a target outside the plan',
      plans: [plan({ members: [api, db], demand: { rule: { member: 'sessions-cache', rule: 'memory' } } })],
      want: 'plans[0] "rush".demand.rule.member: "sessions-cache" is not a member of plan "rush"',
    },
    {
      name: 'a demand rule the member does not have',
      plans: [plan({ demand: { rule: { member: 'api', rule: 'requests' } } })],
      want: 'plans[0] "rush".demand.rule.rule: "requests" is not a rule of target "api"',
    },
    {
      name: 'two plans of one name',
      // Three targets make two plans of two members share one: that is the second line.
      plans: [
        plan({ members: [api, db] }),
        plan({
          members: [
            { target: 'sessions-cache', unitsPerDemand: 0.001 },
            { target: 'events-db', unitsPerDemand: 0.001 },
          ],
        }),
      ],
      want: 'plans[1] "rush".name: duplicate plan name "rush" (first used by plans[0])',
      also: 1,
    },
    {
      name: 'a plan of one member',
      plans: [plan({ members: [api] })],
      want: 'plans[0] "rush".members: a plan moves at least two members: the entry, and a tier behind it that follows it',
    },
    {
      name: 'a hold over an hour (the ledger keeps an hour of changes)',
      plans: [plan({ scaleInHoldMinutes: 61 })],
      want: 'plans[0] "rush".scaleInHoldMinutes: Too big: expected number to be <=60',
    },
    {
      name: 'a headroom quantile under the median (floors below the forecast half the time)',
      plans: [plan({ headroomQuantile: 0.4 })],
      want: 'plans[0] "rush".headroomQuantile: Too small: expected number to be >=0.5',
    },
    {
      name: 'a headroom quantile of 1 (the single worst minute of six hours)',
      plans: [plan({ headroomQuantile: 1 })],
      want: 'plans[0] "rush".headroomQuantile: Too big: expected number to be <=0.99',
    },
    {
      name: 'a gate timing that is not serving or in-time',
      plans: [plan({ gateTiming: 'early' })],
      want: 'plans[0] "rush".gateTiming: Invalid option: expected one of "serving"|"in-time"',
    },
    {
      name: 'an unknown key',
      plans: [plan({ order: 'db-first' })],
      want: 'plans[0] "rush".order: unknown key',
    },
  ])('refuses $name', ({ plans, want, horizon, also }) => {
    const problems = problemsOf((d) => {
      d.plans = plans;
      if (horizon) d.predictive.horizonMinutes = horizon;
    });
    expect(problems).toContain(`${want}`);
    expect(problems).toHaveLength(1 + (also ?? 0));
  });
});

// Phase one: the functions do not act on plans yet (docs/plans.md, "How it plugs in"). A policy with a plan
// must deploy and run exactly as the same policy without one: the same stack (roles, alarms, dashboard).
describe('plans: until the walk reads them, a plan changes nothing the stack does', () => {
  it('gives the example policy the same stack resources with and without its plan', () => {
    const withPlan = validatePolicy(example());
    const without = validatePolicy({ ...example(), plans: [] });
    expect(withPlan.plans).toHaveLength(1);
    expect(stackResources(withPlan, 'prod')).toEqual(stackResources(without, 'prod'));
  });
});
