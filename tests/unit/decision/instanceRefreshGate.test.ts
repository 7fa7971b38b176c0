import { describe, expect, it } from 'vitest';
import type { CapacityState } from '../../../shared/decision/types';
import { decideGroup, gateOutcome } from './groupGateFixtures';

// A group in an instance refresh: EC2 Auto Scaling goes on scaling it (new instances from the refresh's
// configuration). Before, the scaler held it both ways for the refresh's length (hours with checkpoints): a
// rush during a rollout was left short. Now its scale-out goes ahead and its scale-in waits for the refresh.
// The step rule: CPU > 70 adds 2 to the serving units, < 30 removes 1.

const NOW = new Date('2026-12-07T12:00:30Z');

const decide = (state: CapacityState, cpu: number) => decideGroup(state, cpu, NOW);

const group: CapacityState = { current: 4, serving: 4, liveMin: 0, liveMax: 10 };
const refreshing: CapacityState = { ...group, instanceRefresh: 'r-1 is InProgress' };

describe('an instance refresh holds a group’s scale-in, not its scale-out', () => {
  it.each([
    {
      name: 'hot during a refresh: the scale-out goes ahead',
      state: refreshing,
      cpu: 85,
      want: { reason: 'ScaleOut', desired: 6, acts: true },
    },
    {
      name: 'quiet during a refresh: the scale-in waits (AsgBusy), nothing asked of AWS',
      state: refreshing,
      cpu: 20,
      want: { reason: 'AsgBusy', desired: 4, acts: false },
    },
    {
      name: 'quiet during a refresh with instances protected from scale-in: the refresh holds it first',
      state: { ...refreshing, scaleInProtected: 2 },
      cpu: 20,
      want: { reason: 'AsgBusy', desired: 4, acts: false },
    },
    {
      name: 'quiet, no refresh: the scale-in goes ahead',
      state: group,
      cpu: 20,
      want: { reason: 'ScaleIn', desired: 3, acts: true },
    },
    {
      name: 'within thresholds during a refresh: nothing to hold',
      state: refreshing,
      cpu: 50,
      want: { reason: 'NoThresholdBreached', desired: 4, acts: false },
    },
    {
      name: 'hot during a refresh with Launch suspended: busy holds it both ways',
      state: { ...refreshing, busy: 'processes suspended: Launch' },
      cpu: 85,
      want: { reason: 'AsgBusy', desired: 4, acts: false },
    },
  ])('$name', ({ state, cpu, want }) => {
    expect(gateOutcome(decide(state, cpu))).toEqual(want);
  });

  it('says which refresh holds the scale-in and that a scale-out would not be held', () => {
    const { decision, notify } = decide(refreshing, 20);
    expect(decision.message).toBe(
      'cpu 20 < 30: remove 1: 4 → 3; held: instance refresh r-1 is InProgress, and a scale-in waits for it to end (a scale-out goes ahead)',
    );
    expect(notify).not.toBe(true);
  });
});
