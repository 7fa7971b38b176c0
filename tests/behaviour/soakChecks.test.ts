import { DeleteDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { RdsReplicaCapacity } from '../../shared/adapters/RdsReplicaCapacity';
import { rdsReplicasModel } from '../../shared/decision/rdsReplicas';
import { ScalerWorld } from '../harness/awsBehaviour/scalerWorld';
import { episodes } from '../harness/awsBehaviour/soak/soakCommands';
import { SoakInvariants } from '../harness/awsBehaviour/soak/soakInvariants';
import { SOAK } from '../harness/awsBehaviour/soak/soakPolicy';
import type { Model, Soak } from '../harness/awsBehaviour/soak/soakSteps';
import { groupPolicy, replicasPolicy } from './worldPolicies';
import { decisions, run, story } from './worldRuns';

// The soak's own checks and episodes, where a 7-day seed showed them wrong (issue 21): each test fails
// without its fix.

let world: ScalerWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

describe('the soak’s checks and episodes (issue 21)', () => {
  it('the end check counts a replica whose replication stopped once, whether StatusInfos or ReplicaLag −1 shows it (seed 2026)', async () => {
    const w = await ScalerWorld.start({ policy: replicasPolicy(), sources: { reads: { engine: 'mysql' } } });
    world = w;
    for (const id of ['db-sp-1', 'db-sp-2', 'db-sp-3']) await w.existingReplica('reads', 'db', id);
    w.demand.set('reads', 1.5);
    await run(w, 'rds-replicas', 6);
    // One replica's replication error shows in StatusInfos, another's only as ReplicaLag −1; the source is
    // resized meanwhile, so the scaler holds (1 → 1: one replica left that serves).
    w.layer.rds.stopReplication('db-sp-1', 'error', 'Error 1062', { shown: true });
    w.layer.rds.stopReplication('db-sp-2', 'stopped', 'SQL thread stopped', { shown: false });
    w.layer.rds.consoleResize('db', 'db.r6g.xlarge', 60);
    await run(w, 'rds-replicas', 10);
    const last = decisions(w).at(-1);
    expect({ current: last?.current, desired: last?.desired }, story(w)).toEqual({ current: 1, desired: 1 });
    // The describe counts 2 (db-sp-2's StatusInfos still say replicating); taking db-sp-1 off again for
    // its −1 made the account 0, and this agreeing ledger a violation.
    const invariants = new SoakInvariants(w.policy);
    await invariants.atEnd(w);
    expect(invariants.violations).toEqual([]);
  });

  it('reader discovery may not list a replica Scalepilot deleted: the check sees one deleted while listed', async () => {
    const w = await ScalerWorld.start({
      policy: replicasPolicy({ readerDiscovery: { ssmParameterName: '/reads/readers' } }),
      sources: { reads: { engine: 'mysql' } },
    });
    world = w;
    for (const id of ['db-sp-1', 'db-sp-2']) await w.existingReplica('reads', 'db', id);
    await run(w, 'rds-replicas', 4);
    const invariants = new SoakInvariants(w.policy);
    invariants.afterStep(w, new Map());
    await invariants.afterStepRead(w);
    expect(invariants.violations, story(w)).toEqual([]);
    // A delete through the functions' endpoint, as if the scaler had deleted db-sp-2 without taking it out.
    await new RDSClient(clientOptions(w.layer.aws)).send(
      new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'db-sp-2', SkipFinalSnapshot: true }),
    );
    invariants.afterStep(w, new Map());
    await invariants.afterStepRead(w);
    // (It also says db-sp-2 was not Scalepilot's: made before the check, it never saw the create.)
    expect(invariants.violations).toContainEqual(
      expect.stringMatching(
        /^reads: reader discovery \(\/reads\/readers\) lists db-sp-2, which Scalepilot deleted/,
      ),
    );
  });

  it('cross-Region replicas: RDS refuses one past the source’s 15, and the soak’s episodes keep a few (seed 2026 took all 15)', async () => {
    const w = await ScalerWorld.start({
      policy: replicasPolicy({ sourceDbInstanceIdentifier: SOAK.source }),
      sources: { reads: { engine: 'mysql' } },
    });
    world = w;
    await w.existingReplica('reads', SOAK.source, `${SOAK.source}-sp-1`);
    await run(w, 'rds-replicas', 2);
    const arn = (n: number) => `arn:aws:rds:us-west-2:123456789012:db:${SOAK.source}-west-x${n}`;
    const added = Array.from({ length: 15 }, (_, n) =>
      w.layer.rds.addCrossRegionReplica(SOAK.source, arn(n)),
    );
    expect(added.filter(Boolean)).toHaveLength(14); // 1 replica here + 14 elsewhere: the 15th is refused
    for (let n = 0; n < 14; n += 1) w.layer.rds.removeCrossRegionReplica(SOAK.source, arn(n));
    // A week of the episode (more than the 25 a 7-day soak plays) leaves the scaler its range.
    const soak: Soak = { world: w, invariants: new SoakInvariants(w.policy), step: 4, progress: () => {} };
    const model: Model = { minute: 0, end: 0, episodes: new Map(), steps: 0, due: [] };
    const episode = episodes.crossRegionReplica;
    if (!episode) throw new Error('the soak has no cross-Region episode');
    for (const what of fc.sample(episode, { seed: 2026, numRuns: 30 })) await what.act(soak, model);
    expect(w.layer.rds.crossRegionReplicas(SOAK.source).length).toBeLessThanOrEqual(3);
    const reads = w.policy.targets[0];
    if (!reads) throw new Error('no target');
    const seen = await new RdsReplicaCapacity(w.layer.harnessAws).observe(reads as never);
    expect(rdsReplicasModel.capacity(reads, seen, w.clock.now()).liveMax).toBeGreaterThanOrEqual(
      reads.capacity.max,
    );
  });

  it('a create armed to stick is counted when a describe shows it creating past any normal create, not when armed', async () => {
    const w = await ScalerWorld.start({
      policy: replicasPolicy({ replicaCreateDeadlineMinutes: 60 }),
      layer: { rds: { stuckMinutes: [120, 120] } },
    });
    world = w;
    w.layer.rds.armed.stickNextCreate();
    await run(w, 'rds-replicas', 6); // the scaler creates db-sp-1 (capacity.min 1)
    expect(w.layer.rds.status('db-sp-1'), story(w)).toBe('creating');
    expect(w.layer.counts.get('rds.stuckCreating')).toBe(0);
    await run(w, 'rds-replicas', 34);
    expect(w.layer.rds.status('db-sp-1')).toBe('creating');
    expect(w.layer.counts.get('rds.stuckCreating')).toBe(1);
    await run(w, 'rds-replicas', 10);
    expect(w.layer.counts.get('rds.stuckCreating')).toBe(1); // one episode, however often described
  });
  it('a shortfall again within the hour of the last one’s notice is the same news: owed nothing more, also once Launch is suspended (seed 6502)', async () => {
    const { w, invariants, step } = await soakGroup();
    const told = () => w.layer.notices.filter((n) => n.reason === 'CapacityShortfall');
    w.demand.set('web', 5);
    w.layer.asg.shortfall(SOAK.group, 3, 30);
    await step(48); // told once; EC2 places the instances after 30 minutes
    expect(told(), story(w)).toHaveLength(1);
    expect(w.layer.asg.shortSince(SOAK.group)).toBeUndefined();
    // Short again 48 minutes after it was told, and Launch suspended before the scaler's hour is up: the
    // scaler rightly says AsgBusy from then; the shortfall was told 48 minutes before it began.
    w.layer.asg.shortfall(SOAK.group, 3, 60);
    await step(12);
    expect(w.layer.asg.shortSince(SOAK.group), story(w)).toBeDefined();
    await w.layer.asg.suspend(SOAK.group, ['Launch', 'Terminate']);
    await step(60);
    expect(decisions(w).at(-1)?.reason, story(w)).toBe('AsgBusy');
    expect(told()).toHaveLength(1);
    expect(invariants.violations).toEqual([]);
  });

  it('a shortfall while Launch is suspended is owed nothing until the group is free again (seed 27182)', async () => {
    const { w, invariants, step } = await soakGroup();
    w.demand.set('web', 5);
    await step(8);
    // Someone suspends Launch and Terminate; EC2 then cannot place the group's instances either. The scaler
    // rightly says AsgBusy and tells nothing: the old count owed a shortfall notice 20 minutes in.
    await w.layer.asg.suspend(SOAK.group, ['Launch', 'Terminate']);
    w.demand.set('web', 9);
    w.layer.asg.shortfall(SOAK.group, 3, 180);
    await step(72);
    expect(decisions(w).at(-1)?.reason, story(w)).toBe('AsgBusy');
    expect(invariants.violations).toEqual([]);
    // Resumed and still short: owed from then, and told.
    await w.layer.asg.resume(SOAK.group);
    await step(60);
    expect(
      w.layer.notices.filter((n) => n.reason === 'CapacityShortfall'),
      story(w),
    ).toHaveLength(1);
    expect(invariants.violations).toEqual([]);
  });

  it('a shortfall while someone’s scaling policy holds the group is owed nothing until it is detached (seed 14142)', async () => {
    const { w, invariants, step } = await soakGroup();
    w.demand.set('web', 5);
    await step(8);
    // Someone attaches a target-tracking policy: the scaler refuses the group (ScalingPolicyConflict, told
    // once) and the group's capacity is that policy's; EC2 can place only two of its instances meanwhile.
    // The old count owed a CapacityShortfall notice 20 minutes into it, as if Scalepilot managed the group.
    await w.layer.asg.attachScalingPolicy(SOAK.group, 'cpu50-24', 48);
    w.layer.asg.shortfall(SOAK.group, 2, 36);
    await step(40);
    expect(decisions(w).at(-1)?.reason, story(w)).toBe('ScalingPolicyConflict');
    expect(invariants.violations).toEqual([]);
    // Detached, and EC2 places the instances soon after: nothing was Scalepilot's to tell.
    await step(40);
    expect(w.layer.asg.shortSince(SOAK.group), story(w)).toBeUndefined();
    expect(invariants.violations).toEqual([]);
  });

  it('a group whose instances are all protected from scale-in holds them through a shortfall: no launch failed, nothing owed (seed 31415)', async () => {
    const { w, invariants, step } = await soakGroup();
    w.demand.set('web', 5);
    await step(40);
    const held = w.layer.asg.shortSince(SOAK.group);
    expect(held, story(w)).toBeUndefined();
    // Every instance in service protected, then EC2 can place only two: the group's instances were placed
    // before and keep running. The layer showed the group short (and failed launches) all the same, and the
    // soak owed a CapacityShortfall notice for instances that were all in service.
    await w.layer.asg.protectFromScaleIn(SOAK.group, Number.MAX_SAFE_INTEGER, 90);
    w.layer.asg.shortfall(SOAK.group, 2, 80);
    await step(60);
    expect(w.layer.asg.shortSince(SOAK.group), story(w)).toBeUndefined();
    expect(w.layer.counts.get('asg.insufficientCapacity')).toBe(0);
    expect(invariants.violations).toEqual([]);
  });

  it('bounds count the replicas that serve: a failed one beside max serving while it is replaced is no breach (seed 21)', async () => {
    const { w, invariants, step, serving } = await readsAtMax();
    const stale = newest(serving());
    w.layer.rds.stopReplication(stale, 'stopped', 'Error 1062', { shown: true });
    // Its delete, once replaced, meets a console change of the source (as seed 21's did): refused, retried.
    w.layer.rds.armed.raceNextDelete();
    let beside = 0; // steps that ended with max serving and the stale one still available beside them
    for (let m = 0; m < 60; m += 5) {
      await step();
      const staleNow = w.layer.rds.instances().find((i) => i.id === stale);
      if (serving().length === 3 && staleNow?.status === 'available') beside += 1;
    }
    expect(beside, story(w)).toBeGreaterThan(0);
    expect(invariants.violations).toEqual([]);
  });

  it('bounds: a fourth replica that serves is a breach (the stale one’s replication back before its delete)', async () => {
    const { w, invariants, step, serving } = await readsAtMax();
    const back = newest(serving());
    w.layer.rds.stopReplication(back, 'stopped', 'Error 1062', { shown: true });
    for (let m = 0; m < 60 && w.layer.rds.instances().length < 5; m += 5) await step(); // until its replacement shows
    w.layer.rds.resumeReplication(back);
    for (let m = 0; m < 60; m += 5) await step(); // the replacement comes up beside the three
    expect(invariants.violations.join('\n'), story(w)).toMatch(
      /4 of Scalepilot's replicas serve, over max 3/,
    );
  });
});

/**
 * The replica made last: one that fails is replaced before it is deleted (an older one is taken as replaced
 * already, by the newer healthy ones, and deleted first).
 */
const newest = (replicas: readonly { id: string }[]) =>
  replicas
    .map((r) => r.id)
    .sort()
    .at(-1) ?? '';

/** A world whose scaler made its 3 read replicas (the max) itself, watched by the soak's invariants step by step. */
async function readsAtMax() {
  const w = await ScalerWorld.start({ policy: replicasPolicy(), sources: { reads: { engine: 'mysql' } } });
  world = w;
  const invariants = new SoakInvariants(w.policy);
  const step = async () => {
    const before = new Map(w.layer.rds.instances().map((i) => [i.id, i]));
    await w.advance(5);
    await w.publish();
    await w.schedule('rds-replicas');
    invariants.afterStep(w, before);
  };
  const serving = () =>
    w.layer.rds
      .instances()
      .filter((i) => i.source === 'db' && i.status === 'available' && i.replication === 'replicating');
  w.demand.set('reads', 3); // every replica busy: the scaler goes to its max
  for (let m = 0; m < 120 && serving().length < 3; m += 5) await step();
  expect(serving(), story(w)).toHaveLength(3);
  return { w, invariants, step, serving };
}

/** The soak's group alone, its invariants checked after each 4-minute step of the ASG scaler (`step(minutes)`). */
async function soakGroup() {
  const w = await ScalerWorld.start({ policy: groupPolicy({ autoScalingGroupName: SOAK.group }) });
  world = w;
  const invariants = new SoakInvariants(w.policy);
  const step = async (minutes: number) => {
    for (let m = 0; m < minutes; m += 4) {
      await w.advance(4);
      await w.publish();
      await w.schedule('asg');
      invariants.afterStep(w, new Map());
    }
  };
  return { w, invariants, step };
}
