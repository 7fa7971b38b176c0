import { describe, expect, it } from 'vitest';
import { applyGateVerdict } from '../../../../shared/decision/plans/applyGateVerdict';
import { readinessGate } from '../../../../shared/decision/plans/readinessGate';
import type { Decision } from '../../../../shared/decision/types';
import { member, rushPlan } from './planFixtures';

const gated = rushPlan({ api: { waitFor: ['events-db'] } });
const dbServing = (serving: number) => ({
  api: member(6),
  'events-db': member(3, { serving }),
  'sessions-cache': member(4),
});

describe('readinessGate: a member grows no further than what the members it waits for serve', () => {
  it.each([
    {
      name: 'the API stays at 6 until the third replica serves',
      proposal: { current: 6, desired: 9 },
      states: dbServing(2),
      want: {
        hold: 6,
        reason: 'ReadinessGate',
        message: 'api held at 6 until events-db serves 3 read replicas (serving 2)',
      },
    },
    {
      name: 'it grows as far as the serving replicas carry',
      proposal: { current: 4, desired: 9 },
      states: dbServing(2),
      want: {
        hold: 6,
        reason: 'ReadinessGate',
        message: 'api grows to 6, not 9, until events-db serves 3 read replicas (serving 2)',
      },
    },
    {
      name: 'the third replica serves: go ahead',
      proposal: { current: 6, desired: 9 },
      states: dbServing(3),
      want: { proceed: true },
    },
    {
      name: 'scale-in is never gated',
      proposal: { current: 9, desired: 6 },
      states: dbServing(1),
      want: { proceed: true },
    },
  ])('$name', ({ proposal, states, want }) => {
    expect(readinessGate(gated, 'api', proposal, states)).toEqual(want);
  });

  it('a member without waitFor is never gated', () => {
    expect(readinessGate(rushPlan(), 'api', { current: 6, desired: 9 }, dbServing(1))).toEqual({
      proceed: true,
    });
  });

  it('a member whose state is unknown holds no one back (a scaler that stopped must not freeze the API)', () => {
    const { 'events-db': _unknown, ...known } = dbServing(2);
    expect(readinessGate(gated, 'api', { current: 6, desired: 9 }, known)).toEqual({ proceed: true });
  });

  it('a replica at its maximum lets the API grow: waiting would not bring more', () => {
    // 10 instances need 4 replicas; the range stops at 3, all serving.
    expect(readinessGate(gated, 'api', { current: 9, desired: 10 }, dbServing(3))).toEqual({ proceed: true });
  });
});

describe('applyGateVerdict', () => {
  const decision: Decision = {
    target: 'api',
    kind: 'asg',
    current: 6,
    desired: 9,
    recommendation: 9,
    direction: 'out',
    reason: 'ScaleOut',
    message: 'cpu 85 > 70: add 3: 6 → 9',
    metrics: { cpu: 85 },
  };
  it('leaves a decision the gate lets through as it is', () => {
    expect(applyGateVerdict(decision, { proceed: true }, 'readiness')).toBe(decision);
  });
  it('holds it at the gate’s level with the gate’s reason, and notes the gate', () => {
    const held = applyGateVerdict(
      decision,
      { hold: 6, reason: 'ReadinessGate', message: 'api held at 6 until …' },
      'readiness',
    );
    expect(held).toMatchObject({
      desired: 6,
      direction: 'none',
      reason: 'ReadinessGate',
      message: 'cpu 85 > 70: add 3: 6 → 9; api held at 6 until …',
    });
    expect(held.explain?.gates).toEqual([
      { gate: 'readiness', outcome: 'held', reason: 'ReadinessGate', message: 'api held at 6 until …' },
    ]);
    const partly = applyGateVerdict(
      decision,
      { hold: 7, reason: 'ReadinessGate', message: 'm' },
      'readiness',
    );
    expect(partly).toMatchObject({ desired: 7, direction: 'out' });
  });
  it('notes a gate that passed in an explanation the decision already has', () => {
    const explained = { ...decision, explain: { rules: [], gates: [] } };
    expect(applyGateVerdict(explained, { proceed: true }, 'readiness').explain?.gates).toEqual([
      { gate: 'readiness', outcome: 'passed', message: 'readiness: no objection' },
    ]);
  });
});
