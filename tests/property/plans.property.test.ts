import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { carriedDemand } from '../../shared/decision/plans/carriedDemand';
import { decideMember } from '../../shared/decision/plans/decideMember';
import { decidePlan } from '../../shared/decision/plans/decidePlan';
import { followCap } from '../../shared/decision/plans/followCap';
import { planOrder } from '../../shared/decision/plans/planOrder';
import { readinessGate } from '../../shared/decision/plans/readinessGate';
import type {
  CapacityChange,
  PlanMemberModel,
  PlanMemberState,
  PlanModel,
} from '../../shared/decision/plans/types';
import { wantedUnits } from '../../shared/decision/plans/wantedUnits';
import { ceilUnits } from '../../shared/decision/ruleRecommendation';
import type { Target } from '../../shared/policy/schema';
import { examplePolicy } from '../harness/fixtures';

const T0 = Date.parse('2026-12-05T18:00:00Z');

/** A plan of 2–4 members: the entry follows the demand, each other member the demand or an earlier member. */
const planArb: fc.Arbitrary<PlanModel> = fc
  .record({
    hold: fc.integer({ min: 0, max: 30 }),
    members: fc.array(
      fc.record({
        min: fc.integer({ min: 0, max: 3 }),
        span: fc.integer({ min: 1, max: 12 }),
        lead: fc.integer({ min: 0, max: 20 }),
        perDemand: fc.double({ min: 0.001, max: 0.1, noNaN: true }),
        byRatio: fc.boolean(),
        leader: fc.nat(),
        units: fc.integer({ min: 1, max: 3 }),
        per: fc.integer({ min: 1, max: 5 }),
      }),
      { minLength: 2, maxLength: 4 },
    ),
  })
  .map(({ hold, members }) => ({
    name: 'p',
    scaleInHoldMinutes: hold,
    headroomQuantile: 0.95,
    gateTiming: 'serving',
    members: members.map(
      (m, i): PlanMemberModel => ({
        name: `m${i}`,
        kind: 'asg',
        unit: 'unit',
        min: m.min,
        max: m.min + m.span,
        leadMinutes: m.lead,
        leadSource: 'test',
        follows:
          i > 0 && m.byRatio
            ? { member: `m${m.leader % i}`, units: m.units, per: m.per }
            : { unitsPerDemand: m.perDemand },
        waitFor: [],
      }),
    ),
  }));

const demandsArb = fc.array(fc.double({ min: 0, max: 400, noNaN: true }), { minLength: 20, maxLength: 90 });

describe('plans: invariants', () => {
  it('every member’s wanted units lie within its range, and a ratio holds after rounding up', () => {
    fc.assert(
      fc.property(planArb, fc.double({ min: 0, max: 1e5, noNaN: true }), (plan, demand) => {
        const wanted = wantedUnits(plan, demand);
        for (const m of plan.members) {
          const w = wanted.get(m.name)?.wanted as number;
          expect(w).toBeGreaterThanOrEqual(m.min);
          expect(w).toBeLessThanOrEqual(m.max);
          const f = m.follows;
          const need =
            'unitsPerDemand' in f
              ? ceilUnits(demand * f.unitsPerDemand)
              : ceilUnits(((wanted.get(f.member)?.wanted as number) * f.units) / f.per);
          expect(w).toBe(Math.min(m.max, Math.max(m.min, need)));
        }
      }),
      { seed: 24, numRuns: 300 },
    );
  });

  it('the demand a level carries needs no more than that level (any level the members’ minimums allow)', () => {
    fc.assert(
      fc.property(planArb, fc.nat({ max: 3 }), fc.integer({ min: 0, max: 20 }), (plan, i, level) => {
        const m = plan.members[i % plan.members.length] as PlanMemberModel;
        // Below what no demand at all already needs (a leader's minimum), no demand fits: carriedDemand leaves it out.
        fc.pre(level >= (wantedUnits(plan, 0).get(m.name)?.need as number));
        expect(wantedUnits(plan, carriedDemand(plan, m.name, level)).get(m.name)?.need).toBeLessThanOrEqual(
          level,
        );
      }),
      { seed: 24, numRuns: 300 },
    );
  });

  it('a blocked member caps the plan at what it can hold: never above its demand, fewer units never more', () => {
    fc.assert(
      fc.property(
        planArb,
        fc.double({ min: 0, max: 1e4, noNaN: true }),
        fc.nat({ max: 3 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 20 }),
        (plan, demand, i, ordered, short) => {
          const m = plan.members[i % plan.members.length] as PlanMemberModel;
          const reachable = Math.max(0, ordered - short);
          const states = (more: Partial<PlanMemberState>): Record<string, PlanMemberState> => ({
            [m.name]: { ordered, serving: reachable, changes: [], blocked: 'test', ...more },
          });
          const byOrder = followCap(plan, demand, states({})).sizedFor;
          const byReach = followCap(plan, demand, states({ reachable })).sizedFor;
          expect(byOrder).toBeLessThanOrEqual(demand);
          expect(byReach).toBeLessThanOrEqual(byOrder);
          // Sized for what it holds, it needs no more than what it holds (when any demand fits that level).
          if (byReach < demand)
            expect(wantedUnits(plan, byReach).get(m.name)?.need as number).toBeLessThanOrEqual(
              Math.max(reachable, wantedUnits(plan, 0).get(m.name)?.need as number),
            );
        },
      ),
      { seed: 24, numRuns: 300 },
    );
  });

  it('a readiness gate never lets a member past what the members it waits for serve', () => {
    fc.assert(
      fc.property(
        planArb,
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 0, max: 15 }),
        fc.array(fc.integer({ min: 0, max: 15 }), { minLength: 4, maxLength: 4 }),
        (base, current, desired, serving) => {
          const plan = {
            ...base,
            members: base.members.map((m, i) =>
              i === 0 ? { ...m, waitFor: base.members.slice(1).map((o) => o.name) } : m,
            ),
          };
          const states = Object.fromEntries(
            plan.members.map((m, i) => [
              m.name,
              { ordered: serving[i] ?? 0, serving: serving[i] ?? 0, changes: [] },
            ]),
          );
          const entry = plan.members[0] as PlanMemberModel;
          // A demand past every level: each level passes on all it carries.
          const rush = Number.MAX_SAFE_INTEGER;
          const verdict = readinessGate(plan, entry.name, { current, desired }, states, new Date(T0), rush);
          const level = 'proceed' in verdict ? desired : verdict.hold;
          if ('proceed' in verdict || level <= current) return;
          const needs = wantedUnits(plan, carriedDemand(plan, entry.name, level));
          for (const other of entry.waitFor)
            expect(needs.get(other)?.wanted).toBeLessThanOrEqual(states[other]?.serving as number);
        },
      ),
      { seed: 24, numRuns: 300 },
    );
  });

  it('scale-in order is never violated: no member goes below what the member in front of it has needed of it within the hold', () => {
    fc.assert(
      fc.property(planArb, demandsArb, (plan, demands) => {
        // Every member follows the plan's floor exactly, both ways: the plan alone decides the order.
        const order = planOrder(plan).in;
        const levels = new Map(plan.members.map((m) => [m.name, [m.min]]));
        const changes = new Map<string, CapacityChange[]>(plan.members.map((m) => [m.name, []]));
        for (let t = 1; t <= demands.length; t += 1) {
          const now = new Date(T0 + t * 60_000);
          const window = demands.slice(Math.max(0, t - Math.max(1, plan.scaleInHoldMinutes)), t);
          const states: Record<string, PlanMemberState> = Object.fromEntries(
            plan.members.map((m) => {
              const ordered = levels.get(m.name)?.at(-1) as number;
              return [m.name, { ordered, serving: ordered, changes: changes.get(m.name) ?? [] }];
            }),
          );
          const decision = decidePlan({
            model: plan,
            demand: demands[t - 1],
            highestDemand: Math.max(...window),
            members: states,
            now,
          });
          for (const m of plan.members) {
            const before = states[m.name]?.ordered as number;
            const floor = decision.members.find((p) => p.member === m.name)?.floor ?? before;
            const after = Math.min(m.max, Math.max(m.min, floor));
            levels.get(m.name)?.push(after);
            if (after !== before) changes.get(m.name)?.push({ at: now, from: before, to: after });
          }
          // The invariant, at every minute, for every member behind another.
          for (const [k, name] of order.entries()) {
            const front = order[k - 1];
            if (!front) continue;
            const own = levels.get(name) as number[];
            if ((own.at(-1) as number) >= (own.at(-2) as number)) continue;
            const frontLevels = (levels.get(front) as number[]).slice(
              -Math.max(1, plan.scaleInHoldMinutes) - 1,
            );
            const carried = Math.min(
              carriedDemand(plan, front, Math.max(...frontLevels)),
              Math.max(...window),
            );
            const needed = wantedUnits(plan, carried).get(name)?.wanted as number;
            expect(own.at(-1)).toBeGreaterThanOrEqual(Math.min(own.at(-2) as number, needed));
          }
        }
      }),
      { seed: 24, numRuns: 100 },
    );
  });

  it('the plan never leads a member below its level, however much of it serves or still warms', () => {
    const api = examplePolicy().targets.find((t) => t.name === 'api') as Target;
    fc.assert(
      fc.property(
        fc.record({
          current: fc.integer({ min: 3, max: 10 }),
          inService: fc.double({ min: 0, max: 1, noNaN: true }),
          level: fc.double({ min: 0, max: 1, noNaN: true }),
          added: fc.integer({ min: 0, max: 4 }),
          addedAgo: fc.integer({ min: 1, max: 10 }),
          rateLimited: fc.boolean(),
          cpu: fc.integer({ min: 0, max: 69 }),
          memory: fc.integer({ min: 0, max: 79 }),
        }),
        ({ current, inService, level, added, addedAgo, rateLimited, cpu, memory }) => {
          // A group free to scale in at once (no window, no rate limit unless drawn), with a 10-minute warm-up.
          const target = {
            ...api,
            instanceWarmupSeconds: 600,
            stabilization: { ...api.stabilization, scaleInSeconds: 0 },
            cooldowns: { scaleOutSeconds: 0, scaleInSeconds: 0 },
            rateLimits: rateLimited ? api.rateLimits : { scaleOut: [], scaleIn: [] },
          } as Target;
          const now = new Date(T0);
          const floor = 2 + Math.floor(level * (current - 2));
          const from = Math.max(2, current - added);
          const at = new Date(T0 - addedAgo * 60_000);
          const reading = (value: number) => [{ value, timestamp: new Date(T0 - 60_000) }];
          const { decision } = decideMember({
            decision: {
              target,
              policyMaxUnitsPerDecision: 4,
              state: { current, serving: Math.floor(inService * current), liveMin: 2, liveMax: 10 },
              readings: { cpu: reading(cpu), memory: reading(memory) },
              history: {
                recommendations: [],
                changes: from < current ? [{ at, from, to: current }] : [],
                ...(from < current ? { lastScaleOutAt: at } : {}),
              },
              now,
            },
            asked: {
              member: 'api',
              current,
              serving: current,
              wanted: floor,
              floor,
              reason: 'PlanDemand',
              message: `plan p: demand needs ${floor}`,
            },
            model: {
              name: 'p',
              scaleInHoldMinutes: 15,
              headroomQuantile: 0.95,
              gateTiming: 'serving',
              members: [],
            },
            states: {},
            planLevels: [],
          });
          expect(decision.desired).toBeGreaterThanOrEqual(Math.min(current, floor));
        },
      ),
      { seed: 24, numRuns: 300 },
    );
  });
});
