import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { decideCapacity } from '../../../shared/decision/decideCapacity';
import { desiredCapacityModel } from '../../../shared/decision/kindModel';
import type { CapacityState, DecisionInput, GateNote, ScalingHistory } from '../../../shared/decision/types';
import { emptyHistory } from '../../../shared/decision/types';
import { decideTarget } from '../../../shared/usecases/evaluate/decideTarget';
import { evaluateTargets } from '../../../shared/usecases/evaluateTargets';
import { seedStepPolicy, seedStepTarget, testClock } from '../../harness/fixtures';
import { FunctionMetrics, InMemoryCapacity, InMemoryLedger } from '../../harness/inMemoryPorts';

// Decision.explain (issue 23): what each rule read and asked for, the floor, the gates met in order (held or
// passed), and what AWS answered; the ledger stores it with the decision for `scalepilot why`.

const NOW = new Date('2026-11-22T12:00:30Z');
const state: CapacityState = { current: 4, serving: 4, liveMin: 0, liveMax: 100 };
const readings = (value: number | null) => ({
  cpu: value === null ? [] : [{ value, timestamp: new Date(NOW.getTime() - 90_000) }],
});
const input = (over: Partial<DecisionInput> & { cpu?: number | null } = {}): DecisionInput => ({
  target: seedStepTarget(),
  policyMaxUnitsPerDecision: 4,
  state,
  readings: readings(over.cpu === undefined ? 85 : over.cpu),
  history: emptyHistory,
  now: NOW,
  ...over,
});
const gates = (notes: readonly GateNote[] | undefined) =>
  (notes ?? []).map((g) => `${g.gate}:${g.outcome}${g.reason ? `:${g.reason}` : ''}`);
const recent = (history: Partial<ScalingHistory>): ScalingHistory => ({ ...emptyHistory, ...history });

describe('decideCapacity explains itself', () => {
  it('names each rule’s metric, the value read, the threshold it crossed and what it asked for', () => {
    expect(decideCapacity(input()).explain?.rules).toEqual([
      {
        rule: 'cpu',
        metric: 'AWS/EC2/CPUUtilization Average',
        value: 85,
        threshold: 70,
        recommendation: 6,
        direction: 'out',
      },
    ]);
    expect(decideCapacity(input({ cpu: null })).explain?.rules).toEqual([
      { rule: 'cpu', metric: 'AWS/EC2/CPUUtilization Average', value: null },
    ]);
  });

  it.each([
    {
      name: 'a scale-out passes every gate, bounds last',
      over: {},
      want: [
        'busy:passed',
        'range:passed',
        'missingMetrics:passed',
        'stabilization:passed',
        'cooldown:passed',
        'blastRadius:passed',
        'bounds:passed',
      ],
    },
    {
      name: 'a busy group stops at the first gate',
      over: { state: { ...state, busy: 'processes suspended: Launch' } },
      want: ['busy:held:AsgBusy'],
    },
    {
      name: 'missing metrics hold',
      over: { cpu: null },
      want: ['busy:passed', 'range:passed', 'missingMetrics:held:MetricsMissing'],
    },
    {
      name: 'the cooldown holds a second scale-out',
      over: { history: recent({ lastScaleOutAt: new Date(NOW.getTime() - 60_000) }) },
      want: [
        'busy:passed',
        'range:passed',
        'missingMetrics:passed',
        'stabilization:passed',
        'cooldown:held:ScaleOutCooldown',
      ],
    },
    {
      name: 'the blast radius caps the step',
      over: {
        target: seedStepTarget({
          maxUnitsPerDecision: 2,
          rules: [
            {
              name: 'cpu',
              type: 'target-tracking',
              metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' },
              target: 50,
            },
          ],
        }),
      },
      want: [
        'busy:passed',
        'range:passed',
        'missingMetrics:passed',
        'stabilization:passed',
        'cooldown:passed',
        'blastRadius:held:BlastRadiusCapped',
        'bounds:passed',
      ],
    },
    {
      name: 'the bounds hold at the maximum',
      over: { state: { ...state, liveMax: 5 } },
      want: [
        'busy:passed',
        'range:passed',
        'missingMetrics:passed',
        'stabilization:passed',
        'cooldown:passed',
        'blastRadius:passed',
        'bounds:held:AtMaxCapacity',
      ],
    },
    {
      name: 'a range the group is outside of is stepped back into, capped',
      over: { state: { ...state, current: 20, serving: 20 } },
      want: ['busy:passed', 'range:held:OutOfRange'],
    },
  ])('$name', ({ over, want }) => {
    expect(gates(decideCapacity(input(over as Partial<DecisionInput>)).explain?.gates)).toEqual(want);
  });

  it('leaves the explanation out when the caller reads only desired (explain: false), deciding the same', () => {
    const { explain, ...decided } = decideCapacity(input());
    expect(explain).toBeDefined();
    expect(decideCapacity(input({ explain: false }))).toEqual(decided);
  });

  it('shows the floor in force and what made it', () => {
    const decision = decideCapacity(input({ cpu: 50, floor: { units: 7, source: 'forecast of 12:00' } }));
    expect(decision.explain?.floor).toEqual({ units: 7, source: 'forecast of 12:00' });
    expect(decision.reason).toBe('PredictiveFloor');
  });
});

describe('the walk adds its own gates and AWS’s answer', () => {
  const run = async (pause: boolean, failSet = false) => {
    const ledger = new InMemoryLedger();
    const capacity = new InMemoryCapacity(4);
    if (failSet) capacity.failSet = new Error('AccessDenied: not allowed');
    await evaluateTargets(
      {
        policy: seedStepPolicy(),
        kind: 'asg',
        capacity,
        metrics: new FunctionMetrics(() => 85),
        ledger,
        notifier: { capacityChanged: async () => {} },
        clock: testClock(NOW),
        log: { info() {}, warn() {}, error() {} },
        owner: 'r1',
        pause: { read: async () => (pause ? { state: 'paused', value: 'true' } : { state: 'running' }) },
      },
      { trigger: 'schedule' },
    );
    return ledger.log[0];
  };

  it('a change: pause passed, lease passed, and the call AWS took', async () => {
    const logged = await run(false);
    expect(gates(logged?.explain?.gates).slice(-2)).toEqual(['pause:passed', 'lease:passed']);
    expect(logged?.explain?.aws).toEqual({ operation: 'setDesiredCapacity', outcome: 'ok' });
  });

  it('paused: the pause holds, nothing is asked of AWS', async () => {
    const logged = await run(true);
    expect(gates(logged?.explain?.gates).at(-1)).toBe('pause:held:Paused');
    expect(logged?.explain?.aws).toBeUndefined();
  });

  it('refused: AWS’s error on record', async () => {
    const logged = await run(false, true);
    expect(logged?.reason).toBe('ActionFailed');
    expect(logged?.explain?.aws).toEqual({
      operation: 'setDesiredCapacity',
      outcome: 'error',
      message: 'AccessDenied: not allowed',
    });
  });

  it('a kind’s gate is named after what it protects, held or passed', () => {
    const model = {
      ...desiredCapacityModel,
      gate: () => ({ skip: 'ReplicaLagging' as const, message: 'replica lag 120 s above 60 s' }),
    };
    const decided = decideTarget({
      policy: seedStepPolicy(),
      model,
      target: seedStepTarget(),
      observation: state,
      state,
      readings: { combined: readings(85), raw: {} },
      history: emptyHistory,
      floors: undefined,
      paused: { state: 'running' },
      now: NOW,
    });
    expect(gates(decided.decision.explain?.gates).slice(-2)).toEqual([
      'replicaLag:held:ReplicaLagging',
      'pause:passed',
    ]);
  });
});

describe('the explanation is small enough to store with every decision', () => {
  it('a target with 40 rules of long names gives a log item well under DynamoDB’s 400 KB (under 40 KB)', () => {
    const rules = Array.from({ length: 40 }, (_, i) => ({
      name: `rule-${String(i).padStart(2, '0')}-${'x'.repeat(30)}`,
      type: 'step',
      metric: {
        namespace: 'AWS/ApplicationELB',
        name: 'TargetResponseTime',
        dimensions: { LoadBalancer: 'app/x'.repeat(8) },
      },
      scaleOut: [{ above: 70 + (i % 10), add: 2 }],
      scaleIn: [{ below: 10, remove: 1 }],
    }));
    const target = seedStepTarget({ rules });
    const combined = Object.fromEntries(rules.map((r) => [r.name, readings(85).cpu]));
    const decision = decideCapacity({ ...input(), target, readings: combined });
    expect(decision.explain?.rules).toHaveLength(40);
    const bytes = JSON.stringify(marshall(decision, { removeUndefinedValues: true })).length;
    expect(bytes).toBeLessThan(40_000);
  });
});
