import { describe, expect, it } from 'vitest';
import type { CapacityState } from '../../../shared/decision/types';
import { decideGroup, gateOutcome } from './groupGateFixtures';

// Review s51: a group with Terminate suspended (an operator stopping scale-in during an incident) was held both
// ways, so it was left short under load; with Launch suspended, its scale-in was held too. AWS stops only the
// direction the process carries out ("How suspended processes affect other processes"). The step rule: CPU > 70
// adds 2 to the serving units, < 30 removes 1.

const NOW = new Date('2026-12-07T12:00:30Z');

const decide = (state: CapacityState, cpu: number) => decideGroup(state, cpu, NOW);

const group: CapacityState = { current: 4, serving: 4, liveMin: 0, liveMax: 10 };
const suspended = (...processes: string[]): CapacityState => ({ ...group, suspendedProcesses: processes });

describe('a suspended Launch or Terminate holds the direction it stops, not the other', () => {
  it.each([
    {
      name: 'Terminate suspended, hot: the scale-out goes ahead',
      state: suspended('Terminate'),
      cpu: 85,
      want: { reason: 'ScaleOut', desired: 6, acts: true },
    },
    {
      name: 'Terminate suspended, quiet: the scale-in waits',
      state: suspended('Terminate'),
      cpu: 20,
      want: { reason: 'AsgBusy', desired: 4, acts: false },
    },
    {
      name: 'Launch suspended, quiet: the scale-in goes ahead',
      state: suspended('Launch'),
      cpu: 20,
      want: { reason: 'ScaleIn', desired: 3, acts: true },
    },
    {
      name: 'Launch suspended, hot: the scale-out waits',
      state: suspended('Launch'),
      cpu: 85,
      want: { reason: 'AsgBusy', desired: 4, acts: false },
    },
    {
      name: 'both suspended: busy, held before the rules',
      state: { ...group, busy: 'processes suspended: Launch, Terminate' },
      cpu: 85,
      want: { reason: 'AsgBusy', desired: 4, acts: false },
    },
  ])('$name', ({ state, cpu, want }) => {
    expect(gateOutcome(decide(state, cpu))).toEqual(want);
  });

  it('says which process holds which direction', () => {
    expect(decide(suspended('Terminate'), 20).decision.message).toBe(
      "cpu 20 < 30: remove 1: 4 → 3; held: the group's Terminate process is suspended, and a scale-in waits for it to resume (a scale-out goes ahead)",
    );
  });
});
