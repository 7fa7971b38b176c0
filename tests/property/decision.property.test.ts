import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideCapacity } from '../../shared/decision/decideCapacity';
import { nextHistory } from '../../shared/decision/nextHistory';
import type { ScalingHistory } from '../../shared/decision/types';
import { validatePolicy } from '../../shared/policy/parsePolicy';
import type { Policy, Target } from '../../shared/policy/schema';
import { evaluateTargets } from '../../shared/usecases/evaluateTargets';
import { seedStepPolicy } from '../harness/fixtures';
import { FunctionMetrics, InMemoryCapacity, InMemoryLedger } from '../harness/inMemoryPorts';

const T0 = Date.parse('2026-11-22T00:00:00Z');

const policyArb = fc
  .record({
    min: fc.integer({ min: 0, max: 5 }),
    span: fc.integer({ min: 2, max: 15 }),
    add: fc.integer({ min: 1, max: 2 }),
    tracking: fc.boolean(),
    outCooldown: fc.integer({ min: 60, max: 900 }),
    inCooldown: fc.integer({ min: 60, max: 900 }),
    outWindow: fc.integer({ min: 0, max: 300 }),
    inWindow: fc.integer({ min: 0, max: 900 }),
  })
  .map(
    (p): Policy =>
      validatePolicy({
        version: 1,
        targets: [
          {
            name: 'api',
            kind: 'asg',
            autoScalingGroupName: 'g',
            capacity: { min: p.min, max: p.min + p.span },
            instanceWarmupSeconds: 120,
            cooldowns: { scaleOutSeconds: p.outCooldown, scaleInSeconds: p.inCooldown },
            stabilization: { scaleOutSeconds: p.outWindow, scaleInSeconds: p.inWindow },
            rules: [
              p.tracking
                ? { name: 'cpu', type: 'target-tracking', metric: { namespace: 'n', name: 'm' }, target: 60 }
                : {
                    name: 'cpu',
                    type: 'step',
                    metric: { namespace: 'n', name: 'm' },
                    scaleOut: [{ above: 70, add: p.add }],
                    scaleIn: [{ below: 30, remove: 1 }],
                  },
            ],
          },
        ],
      }),
  );

/** Runs the decision minute by minute as the functions would, applying each change, like the ledger does. */
function run(policy: Policy, cpu: (number | null)[], start: number, live: { min: number; max: number }) {
  const target = policy.targets[0] as Target;
  let current = start;
  let history: ScalingHistory = { recommendations: [], changes: [] };
  const actions: { at: number; direction: 'out' | 'in' }[] = [];
  const decisions: ReturnType<typeof decideCapacity>[] = [];
  cpu.forEach((value, minute) => {
    const now = new Date(T0 + minute * 60_000);
    const d = decideCapacity({
      target,
      policyMaxUnitsPerDecision: policy.maxUnitsPerDecision,
      state: { current, serving: current, liveMin: live.min, liveMax: live.max },
      readings: {
        cpu: value === null ? undefined : [{ value, timestamp: new Date(now.getTime() - 60_000) }],
      },
      history,
      now,
    });
    decisions.push(d);
    const changed = d.desired !== current;
    history = nextHistory(history, d, now, true);
    if (changed) actions.push({ at: minute * 60, direction: d.direction as 'out' | 'in' });
    current = d.desired;
  });
  return { decisions, actions };
}

const cpuSeries = fc.array(fc.option(fc.double({ min: 0, max: 150, noNaN: true }), { nil: null, freq: 8 }), {
  minLength: 1,
  maxLength: 120,
});

describe('decision invariants', () => {
  it('desired stays within the policy range and the live group limits, or steps towards them by at most the cap', () => {
    fc.assert(
      fc.property(
        policyArb,
        cpuSeries,
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 25 }),
        (policy, cpu, start, liveMin) => {
          const range = (policy.targets[0] as Target).capacity;
          const live = { min: liveMin, max: liveMin + 10 };
          const lo = Math.max(range.min, live.min);
          const hi = Math.min(range.max, live.max);
          fc.pre(lo <= hi);
          const cap = policy.maxUnitsPerDecision;
          for (const d of run(policy, cpu, start, live).decisions) {
            if (d.current >= lo && d.current <= hi) {
              expect(d.desired).toBeGreaterThanOrEqual(lo);
              expect(d.desired).toBeLessThanOrEqual(hi);
            } else {
              // Out of range (an operator's change): never further out, never more than the cap at once.
              const goal = d.current > hi ? hi : lo;
              expect(Math.abs(goal - d.desired)).toBeLessThanOrEqual(Math.abs(goal - d.current));
              expect(Math.abs(d.desired - d.current)).toBeLessThanOrEqual(cap);
            }
          }
        },
      ),
    );
  });

  it('never reverses direction inside the stabilisation window', () => {
    fc.assert(
      fc.property(policyArb, cpuSeries, (policy, cpu) => {
        const target = policy.targets[0] as Target;
        const { actions } = run(policy, cpu, target.capacity.min + 1, { min: 0, max: 100 });
        actions.forEach((a, i) => {
          const previous = actions[i - 1];
          if (!previous || previous.direction === a.direction) return;
          const window =
            a.direction === 'in' ? target.stabilization.scaleInSeconds : target.stabilization.scaleOutSeconds;
          expect(a.at - previous.at).toBeGreaterThanOrEqual(window);
        });
      }),
    );
  });

  it('acts at most once per cooldown in each direction', () => {
    fc.assert(
      fc.property(policyArb, cpuSeries, (policy, cpu) => {
        const target = policy.targets[0] as Target;
        const { actions } = run(policy, cpu, target.capacity.min + 1, { min: 0, max: 100 });
        for (const direction of ['out', 'in'] as const) {
          const times = actions.filter((a) => a.direction === direction).map((a) => a.at);
          const cooldown =
            direction === 'out' ? target.cooldowns.scaleOutSeconds : target.cooldowns.scaleInSeconds;
          times.slice(1).forEach((t, i) => {
            expect(t - (times[i] as number)).toBeGreaterThanOrEqual(cooldown);
          });
        }
      }),
    );
  });

  it('duplicated and shuffled alarm events end at the same capacity as the events in order', async () => {
    const policy = seedStepPolicy();
    // Alarm deliveries arrive in bursts; each burst's events are the same alarm notifications, possibly
    // duplicated and in any order. The world (the metric) is a function of time.
    const burstArb = fc.array(
      fc.record({
        minute: fc.integer({ min: 0, max: 180 }),
        alarms: fc.array(fc.constantFrom('gt70', 'lt30'), { minLength: 1, maxLength: 4 }),
      }),
      { minLength: 1, maxLength: 20 },
    );
    await fc.assert(
      fc.asyncProperty(
        burstArb,
        fc.array(fc.double({ min: 0, max: 120, noNaN: true }), { minLength: 181, maxLength: 181 }),
        fc.infiniteStream(fc.nat()),
        async (bursts, load, randomness) => {
          const replay = async (shuffle: boolean) => {
            const capacity = new InMemoryCapacity(4);
            const ledger = new InMemoryLedger();
            let now = new Date(T0);
            const deps = {
              policy,
              kind: 'asg' as const,
              capacity,
              ledger,
              metrics: new FunctionMetrics((at) => load[Math.floor((at.getTime() - T0) / 60_000)]),
              notifier: { capacityChanged: async () => {} },
              clock: { now: () => now },
              log: { info() {}, warn() {}, error() {} },
              owner: 'test',
            };
            const sorted = [...bursts].sort((a, b) => a.minute - b.minute);
            for (const burst of sorted) {
              now = new Date(T0 + burst.minute * 60_000);
              let events = burst.alarms;
              if (shuffle) {
                const it = randomness[Symbol.iterator]();
                events = [...events, ...events].sort(() => ((it.next().value as number) % 3) - 1);
              }
              for (const alarm of events) {
                await evaluateTargets(deps, {
                  trigger: 'alarm',
                  targets: ['api'],
                  alarmName: `scalepilot-test.api.cpu.${alarm}`,
                });
              }
            }
            return capacity.desired;
          };
          expect(await replay(true)).toBe(await replay(false));
        },
      ),
      { numRuns: 60 },
    );
  });
});
