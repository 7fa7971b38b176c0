import { describe, expect, it } from 'vitest';
import {
  failedRemovalsNow,
  MAX_FAILED_REMOVALS,
  rememberRemovals,
} from '../../../shared/decision/cacheShardRemovals';
import { type CacheShardsObservation, cacheShardsModel } from '../../../shared/decision/cacheShards';
import type { Settlement } from '../../../shared/decision/kindModel';
import type { PendingIntent } from '../../../shared/decision/types';
import type { CacheShardsTarget } from '../../../shared/policy/schema';
import {
  ago,
  cacheRules,
  cacheTarget,
  evaluate,
  firstMemberPrimary,
  group,
  type Load,
  NOW,
} from './cacheShardsFixtures';

// A scale-in AWS cannot finish (a shard holding a key over 256 MB serialised is not deleted: AWS's
// online-resharding guide) leaves the shard in the group; it is remembered in the target's record and the
// next scale-in chooses around it, for 24 hours or until the shard is gone.

const hours = (h: number) => ago(h * 3600);
/** Shard memory: 0004 holds the least, then 0003, 0002, 0001. */
const load: Load = {
  memory: (shard) => ({ '0001': 30, '0002': 20, '0003': 15, '0004': 10 })[shard] ?? 10,
  cpu: () => 10,
};

/** The gates as evaluateTargets runs them, with the target's remembered shards. */
function gateWith(
  failedRemovals: Record<string, Date> | undefined,
  { target = cacheTarget(), observation = group(4), memory = load.memory } = {} as {
    target?: CacheShardsTarget;
    observation?: CacheShardsObservation;
    memory?: Load['memory'];
  },
) {
  const { decision } = evaluate(target, observation, { ...load, memory });
  // The metrics the gates read, as evaluate reads them (one fresh series per node).
  const metrics = Object.fromEntries(
    target.rules.map((rule) => [
      rule.name,
      (cacheShardsModel.metricsFor?.(target, rule, observation) ?? []).map(({ name, dimensions }) => {
        const node = dimensions.CacheClusterId ?? '';
        const value =
          name === 'IsMaster'
            ? firstMemberPrimary(node)
            : rule.metric.name === 'EngineCPUUtilization'
              ? 10
              : (memory(node.split('-').at(-2) ?? '', node, rule.name) ?? 0);
        return [3, 2, 1].map((k) => ({ value, timestamp: ago(30 + k * 60) }));
      }),
    ]),
  );
  return cacheShardsModel.gate({
    target,
    decision,
    observation,
    history: { recommendations: [], changes: [] },
    metrics,
    ...(failedRemovals ? { failedRemovals } : {}),
    now: NOW,
  });
}

type Remembered = Record<string, Date>;

describe('a scale-in chooses around the shards AWS kept', () => {
  it.each<{ name: string; failed: Remembered | undefined; want: Record<string, unknown> }>([
    {
      name: 'nothing remembered: the shard holding the least memory goes',
      failed: undefined,
      want: { act: { type: 'reshard', desired: 3, nodeGroupsToRemove: ['0004'] }, reason: 'ScaleIn' },
    },
    {
      name: 'the least-memory shard kept by AWS an hour ago: the next least goes (defect: the same shard asked again)',
      failed: { '0004': hours(1) },
      want: {
        act: { type: 'reshard', desired: 3, nodeGroupsToRemove: ['0003'] },
        reason: 'ScaleIn',
        message: expect.stringContaining('left out: 0004 (kept'),
      },
    },
    {
      name: 'two kept: the third least goes',
      failed: { '0004': hours(3), '0003': hours(1) },
      want: { act: { type: 'reshard', desired: 3, nodeGroupsToRemove: ['0002'] }, reason: 'ScaleIn' },
    },
    {
      name: 'kept more than 24 h ago: forgotten, it is tried again',
      failed: { '0004': hours(24.1) },
      want: { act: { type: 'reshard', desired: 3, nodeGroupsToRemove: ['0004'] }, reason: 'ScaleIn' },
    },
    {
      name: 'a remembered shard the group no longer has is forgotten',
      failed: { '0009': hours(1) },
      want: { act: { type: 'reshard', desired: 3, nodeGroupsToRemove: ['0004'] }, reason: 'ScaleIn' },
    },
    {
      name: 'every shard kept: no scale-in, told, the shards named (NoRemovableShard)',
      failed: { '0001': hours(4), '0002': hours(3), '0003': hours(2), '0004': hours(1) },
      want: {
        skip: 'NoRemovableShard',
        notify: true,
        message: expect.stringMatching(
          /AWS kept shard\(s\) 0004 \(kept .*0003.*0002.*0001.*no other shard could go/,
        ),
      },
    },
  ])('$name', ({ failed, want }) => {
    // The replicas per shard every outcome records (for the cost of scaling) are not what this table is about.
    const { record: _, ...outcome } = gateWith(failed);
    expect(outcome).toEqual(want.act ? expect.objectContaining(want) : want);
  });

  it('removing two with one kept: the two least-memory of the others go; too few others is NoRemovableShard', () => {
    const target = cacheTarget({ capacity: { min: 1, max: 6 }, rules: cacheRules({ remove: 2 }) });
    expect(gateWith({ '0004': hours(1) }, { target })).toMatchObject({
      act: { desired: 2, nodeGroupsToRemove: ['0003', '0002'] },
    });
    expect(gateWith({ '0004': hours(1), '0003': hours(1), '0002': hours(1) }, { target })).toMatchObject({
      skip: 'NoRemovableShard',
      message: expect.stringContaining('only 1 other shard could go'),
    });
  });
});

/** A scale-in 4 → 3 asking for `remove`, written ahead 20 minutes ago and recorded. */
const scaleIn = (remove: string[], from = 4, to = 3): PendingIntent => ({
  id: 'owner#1',
  from,
  to,
  at: ago(1200),
  token: 1,
  reason: 'ScaleIn',
  recorded: true,
  action: { type: 'reshard', desired: to, nodeGroupsToRemove: remove },
});
const failed: Settlement = { status: 'failed', message: 'replication group is available again' };

describe('what a settled reshard leaves remembered', () => {
  it.each<{
    name: string;
    intent: PendingIntent;
    settlement: Settlement;
    observation: CacheShardsObservation;
    remembered: Remembered;
    want: Remembered | undefined;
  }>([
    {
      name: 'a failed scale-in whose shard is still there: remembered at now (defect: nothing remembered)',
      intent: scaleIn(['0004']),
      settlement: failed,
      observation: group(4),
      remembered: {},
      want: { '0004': NOW },
    },
    {
      name: 'failed again on a remembered shard: its time moves to now',
      intent: scaleIn(['0004']),
      settlement: failed,
      observation: group(4),
      remembered: { '0004': hours(2) },
      want: { '0004': NOW },
    },
    {
      name: 'a failed scale-in of two, one of them gone: only the one still there',
      intent: scaleIn(['0003', '0004'], 4, 2),
      settlement: failed,
      observation: group(3),
      remembered: {},
      want: { '0003': NOW },
    },
    {
      name: 'a failed scale-out names no shard: nothing changes',
      intent: { ...scaleIn([]), from: 3, to: 4, action: { type: 'reshard', desired: 4 } },
      settlement: failed,
      observation: group(3),
      remembered: {},
      want: undefined,
    },
    {
      name: 'a completed reshard with nothing stale: nothing to write',
      intent: scaleIn(['0003']),
      settlement: { status: 'done' } as Settlement,
      observation: group(4),
      remembered: { '0004': hours(2) },
      want: undefined,
    },
    {
      name: 'a settled reshard forgets a shard remembered more than 24 h',
      intent: scaleIn(['0003']),
      settlement: { status: 'done' } as Settlement,
      observation: group(3),
      remembered: { '0001': hours(25), '0002': hours(1) },
      want: { '0002': hours(1) },
    },
    {
      name: 'a settled reshard forgets a shard the group no longer has (removed by someone else)',
      intent: scaleIn(['0003']),
      settlement: { status: 'done' } as Settlement,
      observation: group(2),
      remembered: { '0004': hours(1) },
      want: {},
    },
  ])('$name', ({ intent, settlement, observation, remembered, want }) => {
    expect(rememberRemovals({ intent, settlement, observation, remembered, now: NOW })).toEqual(want);
  });

  it(`keeps at most ${MAX_FAILED_REMOVALS} shards, the newest`, () => {
    const observation = group(40);
    const remembered = Object.fromEntries(observation.shards.map((s, i) => [s.id, ago(60 * (i + 1))]));
    const kept = failedRemovalsNow(remembered, observation, NOW);
    expect(kept.size).toBe(MAX_FAILED_REMOVALS);
    expect(kept.has('0001')).toBe(true);
    expect(kept.has('0040')).toBe(false);
  });

  it("the failed settlement names the shard AWS kept, for the operators' notice", () => {
    const settlement = cacheShardsModel.settle(cacheTarget(), scaleIn(['0004']), group(4), NOW) as Extract<
      Settlement,
      { status: 'failed' }
    >;
    expect(settlement.status).toBe('failed');
    expect(settlement.message).toMatch(/shard\(s\) 0004 still in the group .*other shards for 24 h/);
  });
});
