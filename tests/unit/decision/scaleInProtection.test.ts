import { describe, expect, it } from 'vitest';
import { desiredCapacityModel } from '../../../shared/decision/kindModel';
import type { CapacityState, Decision, GateNote } from '../../../shared/decision/types';
import { emptyHistory } from '../../../shared/decision/types';
import { decideTarget } from '../../../shared/usecases/evaluate/decideTarget';
import { seedStepPolicy, seedStepTarget } from '../../harness/fixtures';

// A scale-in on a group whose instances are protected from scale-in: AWS lowers desired and terminates none
// of them until their protection is lifted, then drops to that desired at once. Before, the scaler lowered
// desired below them like any other; now it stops at them (ScaleInProtected).

const NOW = new Date('2026-11-22T12:00:30Z');
const target = seedStepTarget({}, { scaleIn: [{ below: 30, remove: 3 }] });

/** The generic decision the gate is given: `current` → `desired`, as decideCapacity would have it. */
function decision(current: number, desired: number): Decision {
  return {
    target: 'api',
    kind: 'asg',
    current,
    desired,
    recommendation: desired,
    direction: desired > current ? 'out' : desired < current ? 'in' : 'none',
    reason: desired > current ? 'ScaleOut' : desired < current ? 'ScaleIn' : 'WithinTolerance',
    message: 'the rules',
    metrics: {},
  };
}

const state = (current: number, extra: Partial<CapacityState> = {}): CapacityState => ({
  current,
  serving: current,
  liveMin: 0,
  liveMax: 64,
  ...extra,
});

describe('desiredCapacityModel.gate: no scale-in below the units protected from scale-in', () => {
  it.each([
    {
      name: 'no instance protected: the scale-in goes ahead as decided',
      current: 6,
      desired: 3,
      state: state(6),
      want: { pass: true, act: { type: 'setDesiredCapacity', desired: 3 } },
    },
    {
      name: 'fewer protected than the scale-in leaves: goes ahead as decided',
      current: 6,
      desired: 3,
      state: state(6, { scaleInProtected: 2 }),
      want: { pass: true, act: { type: 'setDesiredCapacity', desired: 3 } },
    },
    {
      name: 'exactly as many protected as the scale-in leaves: goes ahead as decided',
      current: 6,
      desired: 3,
      state: state(6, { scaleInProtected: 3 }),
      want: { pass: true, act: { type: 'setDesiredCapacity', desired: 3 } },
    },
    {
      name: 'four of six protected, the rules ask for 3: cut to 4',
      current: 6,
      desired: 3,
      state: state(6, { scaleInProtected: 4 }),
      want: {
        act: { type: 'setDesiredCapacity', desired: 4 },
        reason: 'ScaleInProtected',
        message:
          'scale-in stopped at 4, not 3: 4 instances protected from scale-in (EC2 Auto Scaling terminates none of them until their protection is lifted)',
      },
    },
    {
      name: 'every instance protected: skipped, a routine wait (no notice)',
      current: 6,
      desired: 3,
      state: state(6, { scaleInProtected: 6 }),
      want: {
        skip: 'ScaleInProtected',
        message:
          'no scale-in below 6: 6 instances protected from scale-in (EC2 Auto Scaling terminates none of them until their protection is lifted)',
      },
    },
    {
      name: 'more protected than desired already (someone lowered it): skipped, never raised',
      current: 4,
      desired: 3,
      state: state(4, { scaleInProtected: 5 }),
      want: {
        skip: 'ScaleInProtected',
        message:
          'no scale-in below 5: 5 instances protected from scale-in (EC2 Auto Scaling terminates none of them until their protection is lifted)',
      },
    },
    {
      name: 'one protected, a scale-in to 0: cut to 1, the unit in the singular',
      current: 3,
      desired: 0,
      state: state(3, { scaleInProtected: 1 }),
      want: {
        act: { type: 'setDesiredCapacity', desired: 1 },
        reason: 'ScaleInProtected',
        message:
          'scale-in stopped at 1, not 0: 1 instance protected from scale-in (EC2 Auto Scaling terminates none of them until their protection is lifted)',
      },
    },
    {
      name: 'a scale-out with every instance protected: untouched',
      current: 6,
      desired: 8,
      state: state(6, { scaleInProtected: 6 }),
      want: { pass: true, act: { type: 'setDesiredCapacity', desired: 8 } },
    },
    {
      name: 'no change with every instance protected: untouched',
      current: 6,
      desired: 6,
      state: state(6, { scaleInProtected: 6 }),
      want: { pass: true },
    },
    {
      name: 'weighted units: two weight-4 instances protected of 16 units, the rules ask for 4: cut to 8 units',
      current: 16,
      desired: 4,
      state: state(16, { scaleInProtected: 8, unitLabel: 'unit' }),
      want: {
        act: { type: 'setDesiredCapacity', desired: 8 },
        reason: 'ScaleInProtected',
        message:
          'scale-in stopped at 8, not 4: 8 units protected from scale-in (EC2 Auto Scaling terminates none of them until their protection is lifted)',
      },
    },
    {
      name: 'a vCPU group, 16 vCPU protected of 16: skipped',
      current: 16,
      desired: 8,
      state: state(16, { scaleInProtected: 16, unitLabel: 'vCPU' }),
      want: {
        skip: 'ScaleInProtected',
        message:
          'no scale-in below 16: 16 vCPUs protected from scale-in (EC2 Auto Scaling terminates none of them until their protection is lifted)',
      },
    },
  ])('$name', ({ current, desired, state, want }) => {
    expect(
      desiredCapacityModel.gate({
        target,
        decision: decision(current, desired),
        observation: state,
        history: emptyHistory,
        metrics: {},
        now: NOW,
      }),
    ).toEqual(want);
  });
});

const gates = (notes: readonly GateNote[] | undefined) =>
  (notes ?? []).map((g) => `${g.gate}:${g.outcome}${g.reason ? `:${g.reason}` : ''}`);

function decide(observed: CapacityState, cpu: number) {
  return decideTarget({
    policy: seedStepPolicy(),
    model: desiredCapacityModel,
    target,
    observation: observed,
    state: observed,
    readings: { combined: { cpu: [{ value: cpu, timestamp: new Date(NOW.getTime() - 90_000) }] }, raw: {} },
    history: emptyHistory,
    floors: undefined,
    paused: { state: 'running' },
    now: NOW,
  });
}

describe('a decision on a group with instances protected from scale-in', () => {
  it.each([
    {
      name: 'quiet, 5 of 6 protected: the scale-in by 3 is cut to 1, recorded ScaleInProtected',
      state: state(6, { scaleInProtected: 5 }),
      cpu: 20,
      want: { reason: 'ScaleInProtected', desired: 5, direction: 'in', acts: true, notify: false },
    },
    {
      name: 'quiet, all 6 protected: nothing asked of AWS, not told',
      state: state(6, { scaleInProtected: 6 }),
      cpu: 20,
      want: { reason: 'ScaleInProtected', desired: 6, direction: 'none', acts: false, notify: false },
    },
    {
      name: 'hot, all 6 protected: the scale-out goes ahead',
      state: state(6, { scaleInProtected: 6 }),
      cpu: 85,
      want: { reason: 'ScaleOut', desired: 8, direction: 'out', acts: true, notify: false },
    },
  ])('$name', ({ state: observed, cpu, want }) => {
    const { decision: d, action, notify } = decide(observed, cpu);
    expect({
      reason: d.reason,
      desired: d.desired,
      direction: d.direction,
      acts: action !== undefined,
      notify: notify === true,
    }).toEqual(want);
  });

  it('names the protected units in its message and holds at the scaleInProtection gate', () => {
    const { decision: d, action } = decide(state(6, { scaleInProtected: 5 }), 20);
    expect(d.message).toContain('scale-in stopped at 5, not 3: 5 instances protected from scale-in');
    expect(action).toEqual({ type: 'setDesiredCapacity', desired: 5 });
    expect(gates(d.explain?.gates).slice(-2)).toEqual([
      'scaleInProtection:held:ScaleInProtected',
      'pause:passed',
    ]);
  });
});
