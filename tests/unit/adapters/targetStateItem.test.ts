import { describe, expect, it } from 'vitest';
import { dynamoValueSize } from '../../../shared/adapters/dynamoItemSize';
import {
  MAX_STORED_FAILED_REMOVALS,
  MAX_STORED_POLICY_ARNS,
  type StoredState,
  stateUpdate,
  targetRecord,
} from '../../../shared/adapters/targetStateItem';

// The STATE item's failed removals (the shards AWS kept on a scale-in): written whole, bounded whatever a
// kind asks to remember, and read back as dates. Its scaling policies (the ARNs of a group's own policies
// that refused it): written whole, bounded, removed with `null`.

const NOW = new Date('2026-03-02T12:00:00Z');
const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000);

describe('the STATE item’s failed removals', () => {
  it.each<{ name: string; failed: Record<string, Date>; want: { set?: Record<string, string> } }>([
    {
      name: 'one shard: set with its ISO time',
      failed: { '0004': at(0) },
      want: { set: { '0004': '2026-03-02T12:00:00.000Z' } },
    },
    { name: 'none left: the attribute is removed', failed: {}, want: {} },
  ])('$name', ({ failed, want }) => {
    const update = stateUpdate({ failedRemovals: failed }, NOW);
    if (want.set) {
      expect(update.expression).toMatch(/SET .*failedRemovals = :failedRemovals/);
      expect(update.values[':failedRemovals']).toEqual(want.set);
    } else expect(update.expression).toMatch(/REMOVE .*failedRemovals/);
  });

  it('an update without them leaves them as they are', () => {
    expect(stateUpdate({ failures: { count: 1 } }, NOW).expression).not.toMatch(/failedRemovals/);
  });

  it(`keeps the newest ${MAX_STORED_FAILED_REMOVALS}, so the item stays bounded (dynamoItemSize)`, () => {
    // Unit ids as long as AWS allows an RDS instance identifier (63 characters), a thousand of them.
    const failed = Object.fromEntries(
      Array.from({ length: 1000 }, (_, i) => [`replica-${String(i).padStart(55, '0')}`, at(i)]),
    );
    const stored = stateUpdate({ failedRemovals: failed }, NOW).values[':failedRemovals'] as Record<
      string,
      string
    >;
    expect(Object.keys(stored)).toHaveLength(MAX_STORED_FAILED_REMOVALS);
    expect(stored).toHaveProperty(`replica-${'0'.repeat(55)}`);
    expect(dynamoValueSize(stored)).toBeLessThan(4_000);
  });

  it('reads them back as dates', () => {
    const stored: StoredState = { failedRemovals: { '0004': '2026-03-02T11:00:00.000Z' } };
    expect(targetRecord(stored, undefined).failedRemovals).toEqual({ '0004': at(60) });
    expect(targetRecord({}, undefined)).not.toHaveProperty('failedRemovals');
  });
});

describe('the STATE item’s scaling policies (a group refused for its own)', () => {
  const arn = (i: number) =>
    `arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:${String(i).padStart(8, '0')}-aaaa-bbbb-cccc-dddddddddddd:autoScalingGroupName/web:policyName/p${i}`;
  it.each<{ name: string; arns: readonly string[] | null | undefined; want: RegExp; stored?: string[] }>([
    {
      name: 'some: set',
      arns: [arn(1), arn(2)],
      want: /SET .*scalingPolicyArns = :policyArns/,
      stored: [arn(1), arn(2)],
    },
    {
      name: `more than ${MAX_STORED_POLICY_ARNS}: the first ${MAX_STORED_POLICY_ARNS} kept (one still there keeps the refusal)`,
      arns: Array.from({ length: 40 }, (_, i) => arn(i)),
      want: /SET .*scalingPolicyArns = :policyArns/,
      stored: Array.from({ length: MAX_STORED_POLICY_ARNS }, (_, i) => arn(i)),
    },
    { name: 'null: removed (the group has none now)', arns: null, want: /REMOVE .*scalingPolicyArns/ },
    { name: 'not given: left as they are', arns: undefined, want: /^(?!.*scalingPolicyArns)/ },
  ])('$name', ({ arns, want, stored }) => {
    const update = stateUpdate(
      { failures: { count: 0 }, ...(arns !== undefined ? { scalingPolicyArns: arns } : {}) },
      NOW,
    );
    expect(update.expression).toMatch(want);
    expect(update.values[':policyArns']).toEqual(stored);
  });

  it('reads them back; none stored: absent', () => {
    expect(targetRecord({ scalingPolicyArns: [arn(1)] }, undefined).scalingPolicyArns).toEqual([arn(1)]);
    expect(targetRecord({}, undefined)).not.toHaveProperty('scalingPolicyArns');
    expect(dynamoValueSize(Array.from({ length: MAX_STORED_POLICY_ARNS }, (_, i) => arn(i)))).toBeLessThan(
      1_000,
    );
  });
});
