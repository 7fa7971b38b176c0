import { describe, expect, it } from 'vitest';
import { applyGateVerdict } from '../../../../shared/decision/plans/applyGateVerdict';
import { readinessGate } from '../../../../shared/decision/plans/readinessGate';
import type { Decision } from '../../../../shared/decision/types';
import { member, minutesAgo, rushPlan, T0 } from './planFixtures';

const gated = rushPlan({ api: { waitFor: ['events-db'] } });
/** A rush no level of the tests reaches: every level the API proposes passes its demand on. */
const RUSH = 100_000;
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
    expect(readinessGate(gated, 'api', proposal, states, T0, RUSH)).toEqual(want);
  });

  it('capacity beyond the demand loads no replica: the API’s own rules may add it', () => {
    // The demand, 2,000 a minute, needs 4 instances and 2 replicas; the API's rules ask for 9.
    const proposal = { current: 4, desired: 9 };
    expect(readinessGate(gated, 'api', proposal, dbServing(2), T0, 2000)).toEqual({ proceed: true });
    // At 4,000 a minute its 9 instances pass on 4,000: 3 replicas, one not serving.
    expect(readinessGate(gated, 'api', proposal, dbServing(2), T0, 4000)).toMatchObject({ hold: 6 });
  });

  it('a step back into the member’s own range (OutOfRange) goes ahead: the range is the policy’s bound', () => {
    // The API at 1 (its min is 2), its replica not serving: before, the gate held it at 1, below its range.
    expect(
      readinessGate(gated, 'api', { current: 1, desired: 2, reason: 'OutOfRange' }, dbServing(0), T0, RUSH),
    ).toEqual({
      proceed: true,
      message: 'api not held for events-db: a step back into its own range (OutOfRange) goes ahead',
    });
  });

  it('a member without waitFor is never gated', () => {
    expect(readinessGate(rushPlan(), 'api', { current: 6, desired: 9 }, dbServing(1), T0, RUSH)).toEqual({
      proceed: true,
    });
  });

  it('a member whose state is unknown holds no one back (a scaler that stopped must not freeze the API)', () => {
    const { 'events-db': _unknown, ...known } = dbServing(2);
    expect(readinessGate(gated, 'api', { current: 6, desired: 9 }, known, T0, RUSH)).toEqual({
      proceed: true,
    });
  });

  it('without a fresh demand datapoint it holds no one (the replicas are asked for nothing to wait for)', () => {
    // The same API and replicas the first row holds at 6; the load balancer's metric is missing.
    expect(readinessGate(gated, 'api', { current: 6, desired: 9 }, dbServing(2), T0, undefined)).toEqual({
      proceed: true,
      message:
        'api not held for events-db: no fresh demand datapoint, so the plan asks them for nothing to wait for',
    });
  });

  it('a source that takes no more replicas lets the API grow: its live maximum is all waiting would bring', () => {
    // 9 instances need 3 replicas; the source takes 2 now (the policy's range says 3).
    const states = { ...dbServing(2), 'events-db': member(2, { max: 2 }) };
    expect(readinessGate(gated, 'api', { current: 6, desired: 9 }, states, T0, RUSH)).toEqual({
      proceed: true,
    });
  });

  it('a replica at its maximum lets the API grow: waiting would not bring more', () => {
    // 10 instances need 4 replicas; the range stops at 3, all serving.
    expect(readinessGate(gated, 'api', { current: 9, desired: 10 }, dbServing(3), T0, RUSH)).toEqual({
      proceed: true,
    });
  });

  // The replicas stuck at 2 while 4,500 a minute needs 9 instances and 3 replicas: before, the API was held at 6
  // for good, its own CPU rule's scale-out too. The member that cannot follow caps the plan and is told of.
  it.each([
    {
      name: 'a replica blocked (RdsReplicasUnsupported) lets the API grow: waiting would bring nothing',
      db: member(2, { blocked: 'Scalepilot may not scale it (RdsReplicasUnsupported)' }),
      api: member(6),
      want: {
        proceed: true,
        message:
          'api not held for events-db: it cannot follow (Scalepilot may not scale it (RdsReplicasUnsupported)), so waiting would bring nothing',
      },
    },
    {
      name: 'a replica blocked (ReplacementsExhausted) lets the API grow',
      db: member(2, { blocked: 'its failed replicas could not be replaced (ReplacementsExhausted)' }),
      api: member(6),
      want: {
        proceed: true,
        message:
          'api not held for events-db: it cannot follow (its failed replicas could not be replaced (ReplacementsExhausted)), so waiting would bring nothing',
      },
    },
    {
      name: 'a replica in dry run lets a live API grow: it changes nothing, so waiting would hold the API for good',
      db: member(2, { dryRun: true }),
      api: member(6),
      want: {
        proceed: true,
        message:
          'api not held for events-db: it is in dry run and changes nothing, so waiting would bring nothing',
      },
    },
    {
      name: 'both in dry run: the gate shows what a live run would hold',
      db: member(2, { dryRun: true }),
      api: member(6, { dryRun: true }),
      want: {
        hold: 6,
        reason: 'ReadinessGate',
        message: 'api held at 6 until events-db serves 3 read replicas (serving 2)',
      },
    },
  ])('$name', ({ db, api, want }) => {
    const states = { api, 'events-db': db, 'sessions-cache': member(4) };
    expect(readinessGate(gated, 'api', { current: 6, desired: 9 }, states, T0, 4500)).toEqual(want);
  });
});

describe('readinessGate, gateTiming in-time: the API’s instances arrive with the replicas they need', () => {
  const inTime = { ...gated, gateTiming: 'in-time' as const };
  const db = (orderedAgo: number) => ({
    api: member(6),
    'events-db': member(3, { serving: 2, changes: [{ at: minutesAgo(orderedAgo), from: 2, to: 3 }] }),
    'sessions-cache': member(4),
  });
  it.each([
    {
      name: 'the third replica serves in 3 minutes, within the API’s 5: the API grows now',
      states: db(12),
      want: { proceed: true },
    },
    {
      name: 'the third replica serves in 10 minutes: the API waits',
      states: db(5),
      want: {
        hold: 6,
        reason: 'ReadinessGate',
        message:
          "api held at 6 until events-db serves 3 read replicas within api's 5 min lead time (serving 2, 2 by then)",
      },
    },
    {
      name: 'no third replica ordered: the API waits',
      states: { ...dbServing(2), 'events-db': member(2) },
      want: {
        hold: 6,
        reason: 'ReadinessGate',
        message:
          "api held at 6 until events-db serves 3 read replicas within api's 5 min lead time (serving 2, 2 by then)",
      },
    },
  ])('$name', ({ states, want }) => {
    expect(readinessGate(inTime, 'api', { current: 6, desired: 9 }, states, T0, RUSH)).toEqual(want);
  });

  it('with gateTiming serving, the same replica 3 minutes from serving holds the API', () => {
    expect(readinessGate(gated, 'api', { current: 6, desired: 9 }, db(12), T0, RUSH)).toMatchObject({
      hold: 6,
    });
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
  it('notes a gate that passed in an explanation the decision already has, with its message if it has one', () => {
    const explained = { ...decision, explain: { rules: [], gates: [] } };
    expect(applyGateVerdict(explained, { proceed: true }, 'readiness').explain?.gates).toEqual([
      { gate: 'readiness', outcome: 'passed', message: 'readiness: no objection' },
    ]);
    expect(
      applyGateVerdict(explained, { proceed: true, message: 'api not held: no demand' }, 'readiness').explain
        ?.gates,
    ).toEqual([{ gate: 'readiness', outcome: 'passed', message: 'api not held: no demand' }]);
  });
});
