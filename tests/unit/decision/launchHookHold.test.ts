import { describe, expect, it } from 'vitest';
import type { CapacityState, GateNote, ScalingHistory } from '../../../shared/decision/types';
import { decideGroup } from './groupGateFixtures';

// Launches held in a launch lifecycle hook (Pending:Wait) whose consumer is broken: before, they were waited out as
// warming for the hook's heartbeat timeout (an hour or two) and nobody was told. The seed's step target on group
// "g": warm-up 300 s, CPU > 70 adds 2 to the serving units, < 30 removes 1.

const NOW = new Date('2026-12-07T12:00:30Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);
const gates = (notes: readonly GateNote[] | undefined) =>
  (notes ?? []).map((g) => `${g.gate}:${g.outcome}${g.reason ? `:${g.reason}` : ''}`);

/** Scalepilot's scale-outs, each `[seconds ago, from, to]`, oldest first. */
const scaledOut = (...outs: [number, number, number][]): ScalingHistory => ({
  recommendations: [],
  changes: outs.map(([seconds, from, to]) => ({ at: ago(seconds), from, to })),
  ...(outs.length > 0 ? { lastScaleOutAt: ago(outs.at(-1)?.[0] ?? 0) } : {}),
});

/** A group of `current` with `held` instances in Pending:Wait, the rest in service. */
const group = (current: number, held: number, extra: Partial<CapacityState> = {}): CapacityState => ({
  current,
  serving: current - held,
  liveMin: 0,
  liveMax: 10,
  ...(held > 0
    ? {
        inLaunchHook: {
          instances: held,
          units: held,
          instanceIds: ['i-0a1', 'i-0b2', 'i-0c3'].slice(0, held),
        },
      }
    : {}),
  ...extra,
});

describe('launches held in a lifecycle hook past the warm-up are told, still counted as booting', () => {
  it.each([
    {
      name: 'hot, the two units of a scale-out 10 min ago still in Pending:Wait: told, nothing more asked of AWS',
      state: group(4, 2),
      history: scaledOut([600, 2, 4]),
      cpu: 85,
      want: { reason: 'LaunchHeldInHook', desired: 4, notify: true, acts: false },
    },
    {
      name: 'within thresholds while they wait: told all the same (the group is short of what it ordered)',
      state: group(4, 2),
      history: scaledOut([600, 2, 4]),
      cpu: 50,
      want: { reason: 'LaunchHeldInHook', desired: 4, notify: true, acts: false },
    },
    {
      name: 'a scale-out 10 min ago and one 1 min ago: three held are more than the one ordered within the warm-up',
      state: group(5, 3),
      history: scaledOut([600, 2, 4], [60, 4, 5]),
      cpu: 50,
      want: { reason: 'LaunchHeldInHook', desired: 5, notify: true, acts: false },
    },
    {
      name: 'the same with one held: the newest scale-out’s own, within its warm-up (not told)',
      state: group(5, 1),
      history: scaledOut([600, 2, 4], [60, 4, 5]),
      cpu: 50,
      want: { reason: 'NoThresholdBreached', desired: 5, notify: false, acts: false },
    },
    {
      name: 'within the warm-up of the scale-out (2 min): a hook doing its work, InstancesWarming',
      state: group(4, 2),
      history: scaledOut([120, 2, 4]),
      cpu: 85,
      want: { reason: 'InstancesWarming', desired: 4, notify: false, acts: false },
    },
    {
      name: 'a scale-out 2 min ago and a third unit held: a launch of no known time (a replacement), not told',
      state: group(4, 3),
      history: scaledOut([120, 2, 4]),
      cpu: 50,
      want: { reason: 'NoThresholdBreached', desired: 4, notify: false, acts: false },
    },
    {
      name: 'the last scale-out 3 h ago, past the hook’s longest timeout: not its launches, not told',
      state: group(4, 2),
      history: scaledOut([3 * 3600, 2, 4]),
      cpu: 85,
      want: { reason: 'InstancesWarming', desired: 4, notify: false, acts: false },
    },
    {
      name: 'no scale-out of Scalepilot’s known: no launch time to judge by, not told',
      state: group(4, 2),
      history: scaledOut(),
      cpu: 85,
      want: { reason: 'InstancesWarming', desired: 4, notify: false, acts: false },
    },
    {
      name: 'an instance refresh running (read before acting): its launches go through the hook, not told',
      state: group(4, 2, { instanceRefresh: 'r-1 is InProgress' }),
      history: scaledOut([600, 2, 4]),
      cpu: 50,
      want: { reason: 'NoThresholdBreached', desired: 4, notify: false, acts: false },
    },
    {
      name: 'the rules ask for more than ordered: the scale-out goes ahead as before',
      state: group(4, 1),
      history: scaledOut([600, 2, 4]),
      cpu: 85,
      want: { reason: 'ScaleOut', desired: 5, notify: false, acts: true },
    },
    {
      name: 'busy (Launch and Terminate suspended) while held: AsgBusy keeps its reason',
      state: group(4, 2, { busy: 'processes suspended: Launch, Terminate' }),
      history: scaledOut([600, 2, 4]),
      cpu: 50,
      want: { reason: 'AsgBusy', desired: 4, notify: false, acts: false },
    },
    {
      name: 'launches failing beside them: CapacityShortfall first (AWS cannot place the rest at all)',
      state: group(4, 1, {
        serving: 2,
        launchesFailing: { missing: 1, statusMessage: 'InsufficientInstanceCapacity', startedAt: ago(120) },
      }),
      history: scaledOut([600, 2, 4]),
      cpu: 50,
      want: { reason: 'CapacityShortfall', desired: 4, notify: true, acts: false },
    },
  ])('$name', ({ state, history, cpu, want }) => {
    const decided = decideGroup(state, cpu, NOW, history);
    expect({
      reason: decided.decision.reason,
      desired: decided.decision.desired,
      notify: decided.notify === true,
      acts: decided.action !== undefined,
    }).toEqual(want);
  });

  it('names the group, the count in Pending:Wait, the instances and what to check, and holds at the launchHook gate', () => {
    const { decision } = decideGroup(group(6, 3), 50, NOW, scaledOut([900, 3, 6]));
    expect(decision.message).toContain(
      '3 instances of Auto Scaling group "g" in Pending:Wait (i-0a1, i-0b2, i-0c3) 15 min after Scalepilot\'s scale-out, past its 300 s warm-up',
    );
    expect(decision.message).toContain(
      'aws autoscaling describe-lifecycle-hooks --auto-scaling-group-name g',
    );
    expect(decision.message).toContain(
      'aws autoscaling complete-lifecycle-action --auto-scaling-group-name g --lifecycle-hook-name <hook> --instance-id i-0a1 --lifecycle-action-result CONTINUE',
    );
    expect(gates(decision.explain?.gates).slice(-2)).toEqual([
      'launchHook:held:LaunchHeldInHook',
      'pause:passed',
    ]);
  });

  it('says a weighted group’s units beside its instances', () => {
    const state = group(8, 2, {
      serving: 4,
      unitLabel: 'unit',
      inLaunchHook: { instances: 2, units: 4, instanceIds: ['i-0a1', 'i-0b2'] },
    });
    const { decision } = decideGroup(state, 50, NOW, scaledOut([600, 4, 8]));
    expect(decision.reason).toBe('LaunchHeldInHook');
    expect(decision.message).toContain(
      '2 instances of Auto Scaling group "g" in Pending:Wait (i-0a1, i-0b2, 4 units)',
    );
  });
});
