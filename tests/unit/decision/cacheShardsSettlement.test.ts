import { describe, expect, it } from 'vitest';
import {
  type CacheShardsObservation,
  cacheShardsModel,
  settleReshard,
} from '../../../shared/decision/cacheShards';
import type { PendingIntent } from '../../../shared/decision/types';
import { ago, cacheTarget, group, NOW } from './cacheShardsFixtures';

// The cache-shards model's settlement (issue 13): a reshard in flight judged from the group as it is.

describe('a reshard in flight is settled from the group (defect: a rolled-back reshard counted as applied)', () => {
  const intent = (extra: Partial<PendingIntent> = {}): PendingIntent => ({
    id: 'r1#1',
    from: 3,
    to: 4,
    at: ago(600),
    token: 1,
    reason: 'ScaleOut',
    action: { type: 'reshard', desired: 4 },
    recorded: true,
    ...extra,
  });
  it.each([
    { name: 'modifying: in flight', observation: group(3, 1, { status: 'modifying' }), want: 'in-flight' },
    { name: 'available at the target count: done', observation: group(4), want: 'done' },
    {
      name: 'available at the old count after the call: rolled back, failed',
      observation: group(3),
      want: 'failed',
    },
    {
      name: 'available at the old count, the call never recorded: not applied',
      observation: group(3),
      intent: intent({ recorded: false }),
      want: 'not-applied',
    },
    {
      name: 'a failure event after the call: failed, even while the count looks right',
      observation: group(4, 1, {
        events: [
          { at: ago(60), message: 'Failed to complete the online resharding of replication group rg' },
        ],
      }),
      want: 'failed',
    },
    {
      name: 'a failure event older than the call does not count',
      observation: group(4, 1, { events: [{ at: ago(3600), message: 'Failed to complete resharding' }] }),
      want: 'done',
    },
    {
      name: 'a failover event is no failure of the reshard',
      observation: group(4, 1, {
        events: [
          {
            at: ago(60),
            message: 'Failover from primary node rg-0001-001 to replica node rg-0001-002 completed',
          },
        ],
      }),
      want: 'done',
    },
    { name: 'available at another count: failed', observation: group(2), want: 'failed' },
    {
      name: 'events unreadable: judged from status and count alone',
      observation: group(4, 1, { events: undefined, eventsError: 'HTTP 500' }),
      want: 'done',
    },
    {
      name: 'issue 21, 7: modifying for something else than a reshard, the call never recorded: not applied',
      observation: group(3, 1, { status: 'modifying', resharding: false }),
      intent: intent({ recorded: false }),
      want: 'not-applied',
    },
    {
      name: 'issue 21, 7: another party’s failed node type change is no failure of the reshard',
      observation: group(4, 1, {
        events: [{ at: ago(60), message: 'Failed to modify the node type of replication group rg' }],
      }),
      want: 'done',
    },
    {
      name: 'issue 21, 2: still resharding one shard past an hour: failed (stuck)',
      observation: group(3, 1, { status: 'modifying', resharding: true }),
      intent: intent({ at: ago(61 * 60) }),
      want: 'failed',
    },
  ] as { name: string; observation: CacheShardsObservation; intent?: PendingIntent; want: string }[])(
    '$name',
    ({ observation, intent: given, want }) => {
      expect(settleReshard(given ?? intent(), observation, NOW).status).toBe(want);
      expect(cacheShardsModel.settle(cacheTarget(), given ?? intent(), observation, NOW).status).toBe(want);
    },
  );
  it('says what AWS reported', () => {
    const settled = settleReshard(
      intent(),
      group(3, 1, { events: [{ at: ago(30), message: 'Failed to complete the online resharding' }] }),
    );
    expect(settled).toEqual({
      status: 'failed',
      message: expect.stringContaining('Failed to complete the online resharding'),
    });
    expect(cacheShardsModel.settlesAtOnce).toBe(false);
  });
});
