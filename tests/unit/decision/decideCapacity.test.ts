import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideCapacity } from '../../../shared/decision/decideCapacity';
import type { CapacityState, ScalingHistory } from '../../../shared/decision/types';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { AsgTarget } from '../../../shared/policy/schema';

const NOW = new Date('2026-11-22T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000);

/** The seeds' step policy on a 2..10 group: CPU > 70 add 2, < 30 remove 1; 300 s / 600 s cooldowns. */
function asgTarget(overrides: Record<string, unknown> = {}): AsgTarget {
  const policy = validatePolicy({
    version: 1,
    targets: [
      {
        name: 'api',
        kind: 'asg',
        autoScalingGroupName: 'g',
        capacity: { min: 2, max: 10 },
        rules: [
          {
            name: 'cpu',
            type: 'step',
            metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' },
            scaleOut: [
              { above: 70, add: 2 },
              { above: 90, add: 3 },
            ],
            scaleIn: [{ below: 30, remove: 1 }],
          },
        ],
        ...overrides,
      },
    ],
  });
  return policy.targets[0] as AsgTarget;
}

const trackingRule = {
  rules: [
    {
      name: 'cpu',
      type: 'target-tracking',
      metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' },
      target: 50,
    },
  ],
};

interface Row {
  name: string;
  target?: Record<string, unknown>;
  state?: Partial<CapacityState>;
  cpu?: number | null;
  cpuAge?: number;
  history?: Partial<ScalingHistory>;
  want: number;
  reason: string;
}

const rows: Row[] = [
  { name: 'step: above 70 adds 2', cpu: 75, want: 6, reason: 'ScaleOut' },
  { name: 'step: above 90 takes the larger step', cpu: 95, want: 7, reason: 'ScaleOut' },
  { name: 'step: below 30 removes 1', cpu: 20, want: 3, reason: 'ScaleIn' },
  { name: 'step: between thresholds holds', cpu: 50, want: 4, reason: 'NoThresholdBreached' },
  {
    name: 'step: thresholds are exclusive (70 is not above 70)',
    cpu: 70,
    want: 4,
    reason: 'NoThresholdBreached',
  },
  {
    name: 'tracking: ceil(current × metric / target)',
    target: trackingRule,
    cpu: 80,
    want: 7,
    reason: 'ScaleOut',
  },
  {
    name: 'tracking: holds inside the ±10% band',
    target: trackingRule,
    cpu: 54,
    want: 4,
    reason: 'WithinTolerance',
  },
  { name: 'tracking: scales in below the band', target: trackingRule, cpu: 25, want: 2, reason: 'ScaleIn' },
  {
    name: 'warmup: booting instances count, so one shortfall is one scale-out',
    state: { current: 6, serving: 4 },
    cpu: 75,
    want: 6,
    reason: 'InstancesWarming',
  },
  {
    name: 'warmup: units added within the warmup are not serving yet',
    cpu: 75,
    history: { changes: [{ at: ago(400), from: 2, to: 4 }], lastScaleOutAt: ago(400) },
    state: { current: 4, serving: 4 },
    target: { instanceWarmupSeconds: 600 },
    want: 4,
    reason: 'InstancesWarming',
  },
  {
    name: 'warmup: a larger step adds only the difference',
    state: { current: 6, serving: 4 },
    cpu: 95,
    want: 7,
    reason: 'ScaleOut',
  },
  {
    name: 'cooldown: no scale-out within 300 s of the last',
    cpu: 75,
    history: { lastScaleOutAt: ago(200) },
    want: 4,
    reason: 'ScaleOutCooldown',
  },
  {
    name: 'cooldown: scale-out after 300 s',
    cpu: 75,
    history: { lastScaleOutAt: ago(300) },
    want: 6,
    reason: 'ScaleOut',
  },
  {
    name: 'cooldown: no scale-in within 600 s of the last',
    cpu: 20,
    history: { lastScaleInAt: ago(500) },
    want: 4,
    reason: 'ScaleInCooldown',
  },
  {
    name: 'stabilisation: scale-in only to the highest recommendation of 300 s',
    cpu: 20,
    history: { recommendations: [{ at: ago(120), desired: 4 }] },
    want: 4,
    reason: 'StabilizationWindow',
  },
  {
    name: 'stabilisation: scale-out only to the lowest recommendation of 60 s',
    cpu: 95,
    history: { recommendations: [{ at: ago(30), desired: 6 }] },
    want: 6,
    reason: 'ScaleOut',
  },
  {
    name: 'stabilisation: no scale-in soon after a scale-out',
    cpu: 20,
    history: { lastScaleOutAt: ago(200) },
    want: 4,
    reason: 'StabilizationWindow',
  },
  {
    name: 'stabilisation: scaleInAfterScaleOutSeconds holds scale-in for its hour after a scale-out',
    target: { stabilization: { scaleInAfterScaleOutSeconds: 3600 } },
    cpu: 20,
    history: { lastScaleOutAt: ago(1800) },
    want: 4,
    reason: 'StabilizationWindow',
  },
  {
    name: 'stabilisation: scaleInAfterScaleOutSeconds lets scale-in go once its hour has passed',
    target: { stabilization: { scaleInAfterScaleOutSeconds: 3600 } },
    cpu: 20,
    history: { lastScaleOutAt: ago(3600) },
    want: 3,
    reason: 'ScaleIn',
  },
  {
    name: 'stabilisation: scaleInAfterScaleOutSeconds shorter than the window lets scale-in go sooner',
    target: { stabilization: { scaleInAfterScaleOutSeconds: 100 } },
    cpu: 20,
    history: { lastScaleOutAt: ago(200) },
    want: 3,
    reason: 'ScaleIn',
  },
  {
    name: 'rate limit: units per period',
    target: { rateLimits: { scaleOut: [{ type: 'units', value: 1, periodSeconds: 60 }] } },
    cpu: 75,
    want: 5,
    reason: 'ScaleOutRateLimited',
  },
  {
    name: 'rate limit: percent per period counts from the capacity at the period start',
    target: { rateLimits: { scaleIn: [{ type: 'percent', value: 10, periodSeconds: 600 }] } },
    state: { current: 9, serving: 9 },
    history: { changes: [{ at: ago(300), from: 10, to: 9 }] },
    cpu: 20,
    want: 9,
    reason: 'ScaleInRateLimited',
  },
  {
    name: 'rate limit: a percent limit allows at least one unit',
    target: { rateLimits: { scaleIn: [{ type: 'percent', value: 10, periodSeconds: 600 }] } },
    state: { current: 5, serving: 5 },
    cpu: 20,
    want: 4,
    reason: 'ScaleIn',
  },
  {
    // Target tracking at 50% on 4 at CPU 100 asks for 8: 1 unit a minute alone would allow 5, 100% alone 8.
    name: 'rate limit: of two limits, the most permissive applies (the HPA’s default selectPolicy)',
    target: {
      ...trackingRule,
      rateLimits: {
        scaleOut: [
          { type: 'units', value: 1, periodSeconds: 60 },
          { type: 'percent', value: 100, periodSeconds: 60 },
        ],
      },
    },
    cpu: 100,
    want: 8,
    reason: 'ScaleOut',
  },
  {
    // 2 units per 10 minutes up: a scale-in 10 → 6 within them starts no period (it allowed 12 from 10's base).
    name: 'rate limit: a change the other way does not start the period',
    target: {
      ...trackingRule,
      capacity: { min: 2, max: 20 },
      rateLimits: { scaleOut: [{ type: 'units', value: 2, periodSeconds: 600 }] },
    },
    state: { current: 6, serving: 6 },
    history: { changes: [{ at: ago(500), from: 10, to: 6 }] },
    cpu: 100,
    want: 8,
    reason: 'ScaleOutRateLimited',
  },
  {
    // 10 in service, 5 of them added 400 s ago and warming (900 s): the group's CPU 35 averages over all 10, so
    // the need is 10 × 35 / 50 = 7 (sized from the 5 warm ones, 4: the capacity just bought, dropped).
    name: 'tracking scale-in starts from every unit in service, warming ones too',
    target: { ...trackingRule, instanceWarmupSeconds: 900, capacity: { min: 2, max: 20 } },
    state: { current: 10, serving: 10 },
    history: { changes: [{ at: ago(400), from: 5, to: 10 }], lastScaleOutAt: ago(400) },
    cpu: 35,
    want: 7,
    reason: 'ScaleIn',
  },
  {
    name: 'blast radius: one decision moves at most the cap',
    target: { ...trackingRule, maxUnitsPerDecision: 2 },
    cpu: 100,
    want: 6,
    reason: 'BlastRadiusCapped',
  },
  {
    name: 'bounds: the policy max holds',
    state: { current: 9, serving: 9 },
    cpu: 95,
    want: 10,
    reason: 'AtMaxCapacity',
  },
  {
    name: 'bounds: the policy min holds',
    state: { current: 2, serving: 2 },
    cpu: 10,
    want: 2,
    reason: 'AtMinCapacity',
  },
  {
    name: 'bounds: the live group MaxSize holds',
    state: { current: 4, serving: 4, liveMax: 5 },
    cpu: 95,
    want: 5,
    reason: 'AtMaxCapacity',
  },
  {
    name: 'bounds: a group below min is raised to min',
    state: { current: 1, serving: 1 },
    cpu: 50,
    want: 2,
    reason: 'OutOfRange',
  },
  { name: 'missing metric never scales in', cpu: null, want: 4, reason: 'MetricsMissing' },
  { name: 'stale metric counts as missing', cpu: 10, cpuAge: 900, want: 4, reason: 'MetricsMissing' },
  {
    name: 'busy group is left alone',
    state: { busy: 'processes suspended: Launch' },
    cpu: 95,
    want: 4,
    reason: 'AsgBusy',
  },
  {
    name: 'live limits that exclude the policy range stop the decision',
    state: { liveMin: 12, liveMax: 20 },
    cpu: 95,
    want: 4,
    reason: 'LimitsConflict',
  },
];

describe('decideCapacity', () => {
  it.each(rows)('$name', ({ target, state, cpu, cpuAge, history, want, reason }) => {
    const decision = decideCapacity({
      target: asgTarget(target),
      policyMaxUnitsPerDecision: 4,
      state: { current: 4, serving: 4, liveMin: 0, liveMax: 100, ...state },
      readings: {
        cpu: cpu === null || cpu === undefined ? undefined : [{ value: cpu, timestamp: ago(cpuAge ?? 60) }],
      },
      history: { recommendations: [], changes: [], ...history },
      now: NOW,
    });
    expect({ desired: decision.desired, reason: decision.reason }).toEqual({ desired: want, reason });
    expect(decision.message.length).toBeGreaterThan(0);
  });

  it('names scaleInAfterScaleOutSeconds when it is what holds a scale-in, and the window otherwise', () => {
    const held = (stabilization: Record<string, number>) =>
      decideCapacity({
        target: asgTarget({ stabilization }),
        policyMaxUnitsPerDecision: 4,
        state: { current: 4, serving: 4, liveMin: 0, liveMax: 100 },
        readings: { cpu: [{ value: 20, timestamp: ago(60) }] },
        history: { recommendations: [], changes: [], lastScaleOutAt: ago(200) },
        now: NOW,
      }).message;
    expect(held({ scaleInAfterScaleOutSeconds: 3600 })).toContain(
      'a scale-out 200 s ago is inside the 3600 s hold after a scale-out (scaleInAfterScaleOutSeconds)',
    );
    expect(held({ scaleInSeconds: 300 })).toContain('a scale-out 200 s ago is inside the 300 s window');
  });

  it('scales in only when every rule agrees', () => {
    const target = asgTarget({
      rules: [
        {
          name: 'cpu',
          type: 'step',
          metric: { namespace: 'a', name: 'b' },
          scaleOut: [{ above: 70, add: 2 }],
          scaleIn: [{ below: 30, remove: 1 }],
        },
        {
          name: 'mem',
          type: 'step',
          metric: { namespace: 'a', name: 'c' },
          scaleOut: [{ above: 80, add: 2 }],
          scaleIn: [{ below: 40, remove: 1 }],
        },
      ],
    });
    const decide = (cpu: number, mem: number | undefined) =>
      decideCapacity({
        target,
        policyMaxUnitsPerDecision: 4,
        state: { current: 4, serving: 4, liveMin: 0, liveMax: 100 },
        readings: {
          cpu: [{ value: cpu, timestamp: ago(60) }],
          mem: mem === undefined ? undefined : [{ value: mem, timestamp: ago(60) }],
        },
        history: { recommendations: [], changes: [] },
        now: NOW,
      });
    expect(decide(20, 60).desired).toBe(4);
    expect(decide(20, 30).desired).toBe(3);
    expect(decide(20, undefined).reason).toBe('ScaleInBlockedByMissingMetrics');
    expect(decide(20, 85).desired).toBe(6);
  });
});

describe('the hold of scale-in after a scale-out (stabilization.scaleInAfterScaleOutSeconds)', () => {
  const decide = (stabilization: Record<string, number>, cpu: number, current: number, sinceOut: number) =>
    decideCapacity({
      target: asgTarget({ ...trackingRule, stabilization }),
      policyMaxUnitsPerDecision: 10,
      state: { current, serving: current, liveMin: 0, liveMax: 100 },
      readings: { cpu: [{ value: cpu, timestamp: ago(60) }] },
      history: { recommendations: [], changes: [], lastScaleOutAt: ago(sinceOut) },
      now: NOW,
    });
  const inputs = fc.record({
    cpu: fc.integer({ min: 0, max: 150 }),
    // Inside the target's 2..10, so the bounds never lower it.
    current: fc.integer({ min: 2, max: 10 }),
    sinceOut: fc.integer({ min: 1, max: 7200 }),
    window: fc.integer({ min: 0, max: 1800 }),
    hold: fc.integer({ min: 0, max: 7200 }),
  });

  it('property: never scales in within the hold of the last scale-out, whatever the load', () => {
    fc.assert(
      fc.property(inputs, ({ cpu, current, sinceOut, window, hold }) => {
        const d = decide(
          { scaleInSeconds: window, scaleInAfterScaleOutSeconds: hold },
          cpu,
          current,
          sinceOut,
        );
        if (sinceOut < hold) expect(d.desired).toBeGreaterThanOrEqual(current);
      }),
      { seed: 1205, numRuns: 300 },
    );
  });

  it('property: left unset, it is the scale-in window, as the reverse window was before the key', () => {
    fc.assert(
      fc.property(inputs, ({ cpu, current, sinceOut, window }) => {
        const unset = decide({ scaleInSeconds: window }, cpu, current, sinceOut);
        const same = decide(
          { scaleInSeconds: window, scaleInAfterScaleOutSeconds: window },
          cpu,
          current,
          sinceOut,
        );
        expect({ desired: unset.desired, reason: unset.reason }).toEqual({
          desired: same.desired,
          reason: same.reason,
        });
      }),
      { seed: 1206, numRuns: 300 },
    );
  });
});
