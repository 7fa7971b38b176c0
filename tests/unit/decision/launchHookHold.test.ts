import { describe, expect, it } from 'vitest';
import type { CapacityState, GateNote, ScalingHistory } from '../../../shared/decision/types';
import { decideGroup } from './groupGateFixtures';

// Launches held in a launch lifecycle hook (Pending:Wait) whose consumer is broken: before, they were waited out as
// warming for the hook's heartbeat timeout (an hour or two) and nobody was told. Each held instance is judged by
// its own launch time (its scaling activity's StartTime), whoever ordered it. The seed's step target on group "g":
// warm-up 300 s, CPU > 70 adds 2 to the serving units, < 30 removes 1.

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

/**
 * A group of `current` with these instances in Pending:Wait, each `[id, seconds since its launch (undefined:
 * unknown), units]`, the rest in service.
 */
const group = (
  current: number,
  held: [string, number | undefined, number?][],
  extra: Partial<CapacityState> = {},
): CapacityState => ({
  current,
  serving: current - held.reduce((sum, [, , units]) => sum + (units ?? 1), 0),
  liveMin: 0,
  liveMax: 10,
  ...(held.length > 0
    ? {
        inLaunchHook: {
          instances: held.map(([instanceId, seconds, units]) => ({
            instanceId,
            units: units ?? 1,
            ...(seconds !== undefined ? { launchedAt: ago(seconds) } : {}),
          })),
        },
      }
    : {}),
  ...extra,
});

describe('launches held in a lifecycle hook past the warm-up are told, still counted as booting', () => {
  it.each([
    {
      name: 'hot, two instances launched 10 min ago still in Pending:Wait: told, nothing more asked of AWS',
      state: group(4, [
        ['i-0a1', 600],
        ['i-0b2', 600],
      ]),
      history: scaledOut([600, 2, 4]),
      cpu: 85,
      want: { reason: 'LaunchHeldInHook', desired: 4, notify: true, acts: false },
    },
    {
      name: 'within thresholds while they wait: told all the same (the group is short of what it ordered)',
      state: group(4, [
        ['i-0a1', 600],
        ['i-0b2', 600],
      ]),
      history: scaledOut([600, 2, 4]),
      cpu: 50,
      want: { reason: 'LaunchHeldInHook', desired: 4, notify: true, acts: false },
    },
    {
      name: 'launched 2 min ago, within the warm-up: a hook doing its work, InstancesWarming',
      state: group(4, [
        ['i-0a1', 120],
        ['i-0b2', 120],
      ]),
      history: scaledOut([120, 2, 4]),
      cpu: 85,
      want: { reason: 'InstancesWarming', desired: 4, notify: false, acts: false },
    },
    {
      name: 'launched exactly the warm-up ago: not past it yet, not told',
      state: group(4, [['i-0a1', 300]]),
      history: scaledOut([300, 3, 4]),
      cpu: 50,
      want: { reason: 'NoThresholdBreached', desired: 4, notify: false, acts: false },
    },
    {
      name: 'one launched 10 min ago, one 1 min ago: the one past the warm-up is told',
      state: group(5, [
        ['i-0a1', 600],
        ['i-0b2', 60],
      ]),
      history: scaledOut([600, 3, 4], [60, 4, 5]),
      cpu: 50,
      want: { reason: 'LaunchHeldInHook', desired: 5, notify: true, acts: false },
    },
    {
      // The colleague's window rule told this one: a held unit beyond those ordered within the warm-up, with a
      // scale-out between the warm-up and 2 h ago.
      name: 'an unhealthy instance’s replacement in a working hook, launched 2 min ago, a scale-out 30 min ago: not told',
      state: group(4, [['i-0c3', 120]]),
      history: scaledOut([1800, 2, 4]),
      cpu: 50,
      want: { reason: 'NoThresholdBreached', desired: 4, notify: false, acts: false },
    },
    {
      // The window rule never told this one: no scale-out of Scalepilot's to have ordered it.
      name: 'a launch Scalepilot did not order (desired raised in the console), held 10 min: told',
      state: group(4, [
        ['i-0a1', 600],
        ['i-0b2', 600],
      ]),
      history: scaledOut(),
      cpu: 50,
      want: { reason: 'LaunchHeldInHook', desired: 4, notify: true, acts: false },
    },
    {
      name: 'held 3 h (a consumer recording heartbeats without completing), the last scale-out as long ago: told',
      state: group(4, [['i-0a1', 3 * 3600]]),
      history: scaledOut([3 * 3600, 3, 4]),
      cpu: 50,
      want: { reason: 'LaunchHeldInHook', desired: 4, notify: true, acts: false },
    },
    {
      name: 'an instance refresh running: its launches go through the same hook, held past the warm-up: told',
      state: group(4, [['i-0a1', 600]], { instanceRefresh: 'r-1 is InProgress' }),
      history: scaledOut(),
      cpu: 50,
      want: { reason: 'LaunchHeldInHook', desired: 4, notify: true, acts: false },
    },
    {
      name: 'launch times unknown (the activities could not be read): not told, the decision as without the hook',
      state: group(4, [['i-0a1', undefined]], {
        inLaunchHook: {
          instances: [{ instanceId: 'i-0a1', units: 1 }],
          activitiesUnread: 'AutoScaling DescribeScalingActivities failed: Rate exceeded',
        },
      }),
      history: scaledOut([600, 3, 4]),
      cpu: 50,
      want: { reason: 'NoThresholdBreached', desired: 4, notify: false, acts: false },
    },
    {
      name: 'hot, launch times unknown: still counted as booting, InstancesWarming',
      state: group(4, [
        ['i-0a1', undefined],
        ['i-0b2', undefined],
      ]),
      history: scaledOut(),
      cpu: 85,
      want: { reason: 'InstancesWarming', desired: 4, notify: false, acts: false },
    },
    {
      name: 'one of unknown launch time beside one held 10 min: the one known is told',
      state: group(4, [
        ['i-0a1', undefined],
        ['i-0b2', 600],
      ]),
      history: scaledOut(),
      cpu: 50,
      want: { reason: 'LaunchHeldInHook', desired: 4, notify: true, acts: false },
    },
    {
      name: 'the rules ask for more than the booting units cover: the scale-out goes ahead as before',
      state: group(4, [['i-0a1', 600]]),
      history: scaledOut([600, 2, 4]),
      cpu: 85,
      want: { reason: 'ScaleOut', desired: 5, notify: false, acts: true },
    },
    {
      name: 'busy (Launch and Terminate suspended) while held: AsgBusy keeps its reason',
      state: group(4, [['i-0a1', 600]], { busy: 'processes suspended: Launch, Terminate' }),
      history: scaledOut([600, 2, 4]),
      cpu: 50,
      want: { reason: 'AsgBusy', desired: 4, notify: false, acts: false },
    },
    {
      name: 'launches failing beside them: CapacityShortfall first (AWS cannot place the rest at all)',
      state: group(4, [['i-0a1', 600]], {
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

  it('names the group, those past the warm-up longest first, the longest wait and what to check; held at the launchHook gate', () => {
    const state = group(7, [
      ['i-0a1', 600],
      ['i-0b2', 900],
      ['i-0c3', 60],
      ['i-0d4', 720],
      ['i-0e5', 480],
    ]);
    const { decision } = decideGroup(state, 50, NOW);
    expect(decision.message).toContain(
      '4 instances of Auto Scaling group "g" in Pending:Wait past the 300 s warm-up (i-0b2, i-0d4, i-0a1, …), the longest 15 min since its launch',
    );
    expect(decision.message).toContain(
      'aws autoscaling describe-lifecycle-hooks --auto-scaling-group-name g',
    );
    expect(decision.message).toContain(
      'aws autoscaling complete-lifecycle-action --auto-scaling-group-name g --lifecycle-hook-name <hook> --instance-id i-0b2 --lifecycle-action-result CONTINUE',
    );
    expect(gates(decision.explain?.gates).slice(-2)).toEqual([
      'launchHook:held:LaunchHeldInHook',
      'pause:passed',
    ]);
  });

  it('says a weighted group’s units beside its instances (those past the warm-up only)', () => {
    const state = group(
      8,
      [
        ['i-0a1', 600, 2],
        ['i-0b2', 400, 2],
        ['i-0c3', 100, 2],
      ],
      { unitLabel: 'unit' },
    );
    const { decision } = decideGroup(state, 50, NOW);
    expect(decision.reason).toBe('LaunchHeldInHook');
    expect(decision.message).toContain(
      '2 instances of Auto Scaling group "g" in Pending:Wait past the 300 s warm-up (i-0a1, i-0b2, 4 units), the longest 10 min',
    );
  });

  it.each([
    {
      name: 'the activities’ read failed: says so, with the error',
      state: group(4, [['i-0a1', undefined]], {
        inLaunchHook: {
          instances: [{ instanceId: 'i-0a1', units: 1 }],
          activitiesUnread: 'AutoScaling DescribeScalingActivities failed: Rate exceeded',
        },
      }),
      want: "1 in Pending:Wait (i-0a1) of unknown launch time, not judged: the group's scaling activities could not be read (AutoScaling DescribeScalingActivities failed: Rate exceeded); not told",
    },
    {
      name: 'no activity names the launch: says so',
      state: group(4, [
        ['i-0a1', 60],
        ['i-0b2', undefined],
        ['i-0c3', undefined],
      ]),
      want: "1 in Pending:Wait within the 300 s warm-up since launch; 2 in Pending:Wait (i-0b2, i-0c3) of unknown launch time, not judged: the group's newest scaling activities name no launch of them; not told",
    },
    {
      name: 'all within the warm-up: says so',
      state: group(4, [
        ['i-0a1', 60],
        ['i-0b2', 200],
      ]),
      want: '2 in Pending:Wait within the 300 s warm-up since launch',
    },
  ])('tells nothing, and the message and explanation say why: $name', ({ state, want }) => {
    const { decision, notify } = decideGroup(state, 50, NOW);
    expect({ reason: decision.reason, notify }).toEqual({ reason: 'NoThresholdBreached', notify: undefined });
    expect(decision.explain?.gates.find((g) => g.gate === 'launchHook')).toEqual({
      gate: 'launchHook',
      outcome: 'passed',
      message: want,
    });
    // A kind's note ends the decision's message too (decideTarget.gatedDecision), as a cache's assumed primary does.
    expect(decision.message).toBe(`cpu 50 within thresholds; ${want}`);
  });
});
