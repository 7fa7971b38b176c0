import { describe, expect, it } from 'vitest';
import { DecisionMemo } from '../../../shared/decision/DecisionMemo';
import { decideCapacity } from '../../../shared/decision/decideCapacity';
import { nextHistory } from '../../../shared/decision/nextHistory';
import type { Decision, DecisionInput, ScalingHistory } from '../../../shared/decision/types';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Target } from '../../../shared/policy/schema';

const T0 = Date.parse('2026-11-22T12:00:00Z');
const ago = (s: number) => new Date(T0 - s * 1000);

/** A 2..10 group on the seeds' step rule (> 70 add 2, > 90 add 3, < 30 remove 1), 60-second CPU. */
function target(overrides: Record<string, unknown>): Target {
  return validatePolicy({
    version: 1,
    targets: [
      {
        name: 'api',
        kind: 'asg',
        autoScalingGroupName: 'g',
        capacity: { min: 2, max: 10 },
        instanceWarmupSeconds: 60,
        cooldowns: { scaleOutSeconds: 1, scaleInSeconds: 1 },
        stabilization: { scaleOutSeconds: 0, scaleInSeconds: 0 },
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
  }).targets[0] as Target;
}

interface Row {
  name: string;
  target?: Record<string, unknown>;
  cpu: number;
  /** The reading's timestamp, in seconds before T0 (default: the minute before each evaluation). */
  readingAt?: number;
  history?: Partial<ScalingHistory>;
  /** The floor at each minute (none by default). */
  floor?: (minute: number) => number;
  /** Why decideCapacity holds for minutes 0..2, and what it decides at minute 3. */
  want: [string, string];
  /** The inputs stay the same while it holds (a reading that ages does not: it is never reused). */
  reuses?: false;
}

// Each row holds capacity for three minutes with the same readings, state and floor, while something the
// decision reads of time moves; at the fourth minute it has moved far enough to change the decision. The memo
// reuses the held decision while it may and decides again at the fourth: each row fails without its part of the key.
const rows: Row[] = [
  {
    name: 'the reading ages past metricStaleAfterSeconds',
    target: { metricStaleAfterSeconds: 120, cooldowns: { scaleOutSeconds: 1, scaleInSeconds: 600 } },
    cpu: 20,
    readingAt: 60,
    history: { lastScaleInAt: ago(100) },
    want: ['ScaleInCooldown', 'MetricsMissing'],
    reuses: false,
  },
  {
    name: 'the scale-out cooldown ends',
    target: { cooldowns: { scaleOutSeconds: 300, scaleInSeconds: 1 } },
    cpu: 75,
    history: { lastScaleOutAt: ago(150) },
    want: ['ScaleOutCooldown', 'ScaleOut'],
  },
  {
    name: 'the scale-in cooldown ends',
    target: { cooldowns: { scaleOutSeconds: 1, scaleInSeconds: 600 } },
    cpu: 20,
    history: { lastScaleInAt: ago(450) },
    want: ['ScaleInCooldown', 'ScaleIn'],
  },
  {
    name: 'a scale-out leaves the scale-in stabilisation window (no reversal inside it)',
    target: { stabilization: { scaleOutSeconds: 0, scaleInSeconds: 300 } },
    cpu: 20,
    history: { lastScaleOutAt: ago(150) },
    want: ['StabilizationWindow', 'ScaleIn'],
  },
  {
    name: 'a scale-out leaves scaleInAfterScaleOutSeconds (longer than the scale-in window)',
    target: { stabilization: { scaleOutSeconds: 0, scaleInSeconds: 60, scaleInAfterScaleOutSeconds: 600 } },
    cpu: 20,
    history: { lastScaleOutAt: ago(450) },
    want: ['StabilizationWindow', 'ScaleIn'],
  },
  {
    name: 'a scale-in leaves the scale-out stabilisation window',
    target: { stabilization: { scaleOutSeconds: 300, scaleInSeconds: 0 } },
    cpu: 75,
    history: { lastScaleInAt: ago(150) },
    want: ['StabilizationWindow', 'ScaleOut'],
  },
  {
    name: 'the highest recommendation leaves the scale-in window',
    target: { stabilization: { scaleOutSeconds: 0, scaleInSeconds: 300 } },
    cpu: 20,
    history: { recommendations: [{ at: ago(150), desired: 4 }] },
    want: ['StabilizationWindow', 'ScaleIn'],
  },
  {
    name: 'the lowest recommendation leaves the scale-out window',
    target: { stabilization: { scaleOutSeconds: 300, scaleInSeconds: 0 } },
    cpu: 75,
    history: { recommendations: [{ at: ago(150), desired: 4 }] },
    want: ['StabilizationWindow', 'ScaleOut'],
  },
  {
    name: 'a change leaves the rate limit’s period',
    target: { rateLimits: { scaleOut: [{ type: 'units', value: 1, periodSeconds: 300 }], scaleIn: [] } },
    cpu: 95,
    history: { changes: [{ at: ago(150), from: 3, to: 4 }], lastScaleOutAt: ago(150) },
    want: ['ScaleOutRateLimited', 'ScaleOutRateLimited'],
  },
  {
    name: 'instances added leave the warmup',
    target: { instanceWarmupSeconds: 300 },
    cpu: 75,
    history: { changes: [{ at: ago(150), from: 2, to: 4 }], lastScaleOutAt: ago(150) },
    want: ['InstancesWarming', 'ScaleOut'],
  },
  {
    name: 'the floor rises',
    cpu: 50,
    floor: (minute) => (minute < 3 ? 4 : 6),
    want: ['NoThresholdBreached', 'PredictiveFloor'],
  },
];

function inputAt(row: Row, t: Target, minute: number, history: ScalingHistory): DecisionInput {
  const now = T0 + minute * 60_000;
  const at = row.readingAt === undefined ? now - 120_000 : T0 - row.readingAt * 1000;
  const floor = row.floor?.(minute);
  return {
    target: t,
    policyMaxUnitsPerDecision: 4,
    state: { current: 4, serving: 4, liveMin: 2, liveMax: 10 },
    readings: { cpu: [{ value: row.cpu, timestamp: new Date(at) }] },
    history,
    now: new Date(now),
    ...(floor !== undefined ? { floor: { units: floor, source: 'forecast' } } : {}),
  };
}

/** The decision without its message (a reused one may name a time a minute old). */
// A held minute's words (message, explanation) name times relative to now; its numbers and reason are the memo's promise.
const numbers = ({ message: _, explain: __, ...rest }: Decision) => rest;

describe('DecisionMemo', () => {
  it.each(rows)('decides again when $name', (row) => {
    const t = target(row.target ?? {});
    const memo = new DecisionMemo();
    let history: ScalingHistory = { recommendations: [], changes: [], ...row.history };
    const reasons: string[] = [];
    for (let minute = 0; minute <= 3; minute += 1) {
      const input = inputAt(row, t, minute, history);
      const decision = memo.decide(input);
      expect(numbers(decision)).toEqual(numbers(decideCapacity(input)));
      reasons.push(decision.reason);
      history = nextHistory(history, decision, input.now, true, 3600);
    }
    expect(reasons).toEqual([row.want[0], row.want[0], row.want[0], row.want[1]]);
    // Reused while nothing moved (minute 2, at least), decided again when it did.
    if (row.reuses !== false) expect(memo.reused).toBeGreaterThanOrEqual(1);
    expect(memo.made).toBeGreaterThanOrEqual(2);
  });

  it('reuses the decision when nothing it reads has moved, and it is the one decideCapacity gives but its message', () => {
    const row: Row = { name: 'steady', cpu: 50, want: ['NoThresholdBreached', 'NoThresholdBreached'] };
    const t = target({ cooldowns: { scaleOutSeconds: 300, scaleInSeconds: 600 } });
    const memo = new DecisionMemo();
    const h0: ScalingHistory = { recommendations: [], changes: [], lastScaleOutAt: ago(4000) };
    const first = memo.decide(inputAt(row, t, 0, h0));
    const input = inputAt(row, t, 1, nextHistory(h0, first, new Date(T0), true, 3600));
    expect(memo.decide(input)).toBe(first);
    expect(memo.reused).toBe(1);
    expect(numbers(first)).toEqual(numbers(decideCapacity(input)));
  });

  it('reuses a decision whose rules asked for no change while only the windows, cooldowns and rate limits move', () => {
    // The rules ask for the current 4: the decision ends before the history's windows, cooldowns and rate limits.
    // A recommendation of 6 leaves the scale-in window, the scale-in cooldown ends, a change leaves the rate limit's
    // period: none of it is read, so nothing is decided again.
    const row: Row = { name: 'quiet', cpu: 50, want: ['NoThresholdBreached', 'NoThresholdBreached'] };
    const t = target({
      stabilization: { scaleOutSeconds: 0, scaleInSeconds: 300 },
      cooldowns: { scaleOutSeconds: 1, scaleInSeconds: 240 },
      rateLimits: { scaleOut: [], scaleIn: [{ type: 'units', value: 1, periodSeconds: 300 }] },
    });
    const memo = new DecisionMemo();
    let history: ScalingHistory = {
      recommendations: [{ at: ago(150), desired: 6 }],
      changes: [{ at: ago(150), from: 6, to: 4 }],
      lastScaleInAt: ago(150),
    };
    for (let minute = 0; minute <= 3; minute += 1) {
      const input = inputAt(row, t, minute, history);
      const decision = memo.decide(input);
      expect(numbers(decision)).toEqual(numbers(decideCapacity(input)));
      expect(decision.reason).toBe('NoThresholdBreached');
      history = nextHistory(history, decision, input.now, true, 3600);
    }
    expect([memo.made, memo.reused]).toEqual([1, 3]);
  });

  it('never reuses a change: a decision that moved capacity is made again', () => {
    const row: Row = { name: 'out', cpu: 75, want: ['ScaleOut', 'ScaleOut'] };
    const t = target({});
    const memo = new DecisionMemo();
    const h: ScalingHistory = { recommendations: [], changes: [] };
    const first = memo.decide(inputAt(row, t, 0, h));
    expect(first.desired).toBe(6);
    memo.decide({ ...inputAt(row, t, 0, h) });
    expect(memo.reused).toBe(0);
  });

  it.each([
    { name: 'a busy group', busy: 'processes suspended: Launch, Terminate' },
    { name: 'a weighted group (its unit label) that was busy', busy: 'Launch suspended', unitLabel: 'unit' },
  ])(
    'never reuses the decision of $name: free again a minute later, it scales out',
    ({ busy, unitLabel }) => {
      const row: Row = { name: 'busy', cpu: 95, want: ['AsgBusy', 'ScaleOut'] };
      const t = target({});
      const memo = new DecisionMemo();
      const h: ScalingHistory = { recommendations: [], changes: [] };
      const label = unitLabel ? { unitLabel } : {};
      const held = inputAt(row, t, 0, h);
      expect(memo.decide({ ...held, state: { ...held.state, busy, ...label } }).reason).toBe('AsgBusy');
      const free = inputAt(row, t, 0, h);
      const decision = memo.decide({ ...free, state: { ...free.state, ...label } });
      expect(decision.reason).toBe('ScaleOut');
      expect(memo.reused).toBe(0);
    },
  );
});
