import { afterEach, describe, expect, it } from 'vitest';
import { crashingProcess } from '../harness/awsBehaviour/crashingProcess';
import { ScalerWorld } from '../harness/awsBehaviour/scalerWorld';
import { shardsPolicy } from './worldPolicies';
import { calls, decisions, run, story } from './worldRuns';

// Issue 21's ElastiCache defects through the AWS behaviour layer: moto answers resharding with HTTP 500,
// so the layer runs the operation itself (modifying for minutes, slot migration, refusals, the node quota).

let world: ScalerWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

/** Memory high on every shard (a reshard is wanted), engine CPU quiet enough to reshard. */
function dataGrows(w: ScalerWorld) {
  w.ruleDemand.set('sessions', { memory: 2.7, 'engine-cpu': 1.5 });
}

describe('ElastiCache shards through the AWS behaviour layer (issue 21)', () => {
  it('a reshard runs for minutes (modifying, slot migration) and completes at the new count', async () => {
    world = await ScalerWorld.start({ policy: shardsPolicy() });
    dataGrows(world);
    await run(world, 'cache-shards', 30);
    expect(calls(world, 'ModifyReplicationGroupShardConfiguration')[0]?.outcome, story(world)).toBe('ok');
    expect(decisions(world).some((d) => d.reason === 'OperationPending')).toBe(true);
    expect(decisions(world).some((d) => d.reason === 'OperationCompleted')).toBe(true);
    expect(world.layer.cache.group('cache')?.shards).toBeGreaterThanOrEqual(4);
  });

  it('7: another party’s modification is not taken for Scalepilot’s reshard: no false rollback, no false failure', async () => {
    world = await ScalerWorld.start({ policy: shardsPolicy() });
    dataGrows(world);
    // Someone changes the node type between the scaler's describe and its reshard call.
    world.layer.cache.raceNextReshard(20);
    await run(world, 'cache-shards', 60);
    const reshards = calls(world, 'ModifyReplicationGroupShardConfiguration');
    expect(reshards[0]?.error, story(world)).toBe('InvalidReplicationGroupState');
    expect(
      decisions(world).filter((d) => d.reason === 'OperationFailed'),
      story(world),
    ).toEqual([]);
    expect(reshards.some((r) => r.outcome === 'ok')).toBe(true);
    expect(world.layer.notices.filter((n) => n.reason === 'OperationFailed')).toEqual([]);
  });

  it('7: a reshard written ahead but never sent, while someone else’s change runs and fails, is not taken for Scalepilot’s', async () => {
    world = await ScalerWorld.start({ policy: shardsPolicy() });
    dataGrows(world);
    // The function dies after writing its reshard ahead, before the call went out.
    world.useProcess(
      'cache-shards',
      crashingProcess(world.process('cache-shards'), 'after writing the intent'),
    );
    let died = false;
    for (let m = 0; m < 30 && !died; m += 2) {
      await world.advance(2);
      await world.publish();
      await world.schedule('cache-shards').catch(() => {
        died = true;
      });
    }
    expect(died, story(world)).toBe(true);
    world.restart('cache-shards');
    // Meanwhile someone changes the node type; AWS rolls that back.
    world.layer.cache.foreignModification('cache', 10, 'rollback');
    await run(world, 'cache-shards', 40);
    expect(
      decisions(world).filter((d) => d.reason === 'OperationFailed'),
      story(world),
    ).toEqual([]);
    expect(decisions(world).some((d) => d.reason === 'IntentReconciled')).toBe(true);
    expect(calls(world, 'ModifyReplicationGroupShardConfiguration').some((r) => r.outcome === 'ok')).toBe(
      true,
    );
    expect(world.layer.notices.filter((n) => n.reason === 'OperationFailed')).toEqual([]);
  });

  it.each([
    { name: 'the quota read from Service Quotas', quota: 9 as number | 'unreadable', cap: 4 },
    { name: 'Service Quotas unreadable: the documented default of 90', quota: 'unreadable' as const, cap: 6 },
  ])('8: $name caps shards × (replicas + 1) before any reshard is asked for', async ({ quota, cap }) => {
    world = await ScalerWorld.start({
      policy: shardsPolicy({ capacity: { min: 3, max: 6 } }),
      layer: { cache: { nodesPerCluster: typeof quota === 'number' ? quota : 90, minutesPerShard: [2, 3] } },
    });
    world.layer.quotas.nodesPerCluster = quota;
    world.ruleDemand.set('sessions', { memory: 9, 'engine-cpu': 1.5 });
    await run(world, 'cache-shards', 90, { step: 3 });
    const reshards = calls(world, 'ModifyReplicationGroupShardConfiguration');
    expect(
      reshards.filter((r) => r.outcome !== 'ok'),
      story(world),
    ).toEqual([]);
    expect(Math.max(...reshards.map((r) => Number(r.detail.NodeGroupCount)))).toBe(cap);
    if (cap < 6) {
      expect(decisions(world).some((d) => d.reason === 'NodeQuotaReached')).toBe(true);
      expect(world.layer.notices.filter((n) => n.reason === 'NodeQuotaReached')).toHaveLength(1);
    }
  });

  /** A group of 3 shards grown to `shards` by someone else, its load low (scale-in wanted), then `minutes` more. */
  async function scaleInWorld(shards: number, largeKeys: readonly string[], minutes: number) {
    const w = await ScalerWorld.start({
      policy: shardsPolicy(),
      layer: { cache: { minutesPerShard: [3, 4] } },
    });
    world = w;
    w.ruleDemand.set('sessions', { memory: 0.5, 'engine-cpu': 0.5 });
    await run(w, 'cache-shards', 2);
    expect(w.layer.cache.foreignReshard('cache', shards, 6)).toBe(true);
    for (const shard of largeKeys) w.layer.cache.largeKeyOn('cache', shard);
    await run(w, 'cache-shards', minutes);
    const ids = () => [...new Set(w.layer.cache.nodes('cache').map((n) => n.shard))].sort();
    return { w, ids };
  }

  it('a shard AWS kept on a scale-in (a key over 256 MB) is not asked for again: the next scale-in removes another', async () => {
    const { w, ids } = await scaleInWorld(5, ['0005'], 150);
    const ds = decisions(w);
    // The least-memory shard (ties: the highest-numbered) was 0005: AWS kept it, and the scale-in failed once.
    expect(
      ds.filter((d) => d.reason === 'OperationFailed'),
      story(w),
    ).toHaveLength(1);
    expect(ds.find((d) => d.reason === 'OperationFailed')?.message).toMatch(
      /shard\(s\) 0005 still in the group/,
    );
    // The tries after it left 0005 out: 0004, then 0003, went; 0005 is still there, at capacity.min.
    expect(ids(), story(w)).toEqual(['0001', '0002', '0005']);
    expect(
      ds.filter((d) => d.reason === 'ScaleIn' && /removing shard\(s\) 0005/.test(d.message)),
    ).toHaveLength(1);
    expect(ds.some((d) => d.reason === 'ScaleIn' && /left out: 0005/.test(d.message))).toBe(true);
    expect(w.layer.counts.get('cache.largeKeyKept')).toBe(1);
    expect(w.layer.notices.filter((n) => n.reason === 'OperationFailed')).toHaveLength(1);
  });

  it('every shard that could go kept by AWS: no more scale-ins asked for (NoRemovableShard, told once)', async () => {
    const { w, ids } = await scaleInWorld(4, ['0001', '0002', '0003', '0004'], 180);
    const ds = decisions(w);
    expect(
      ds.filter((d) => d.reason === 'OperationFailed'),
      story(w),
    ).toHaveLength(4);
    expect(ids()).toEqual(['0001', '0002', '0003', '0004']);
    const held = ds.filter((d) => d.reason === 'NoRemovableShard');
    expect(held.length, story(w)).toBeGreaterThan(1);
    expect(held[0]?.message).toMatch(/AWS kept shard\(s\) .*0001.*0002.*0003.*0004/s);
    // Once the last failure is settled, nothing more is asked of AWS.
    const lastFailure = ds.findLastIndex((d) => d.reason === 'OperationFailed');
    expect(ds.slice(lastFailure + 1).every((d) => d.reason === 'NoRemovableShard')).toBe(true);
    expect(w.layer.notices.filter((n) => n.reason === 'NoRemovableShard')).toHaveLength(1);
  });
});
