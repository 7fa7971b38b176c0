import { capacityPortByKind } from '../../../../shared/adapters/capacityPorts';
import { DynamoLedger } from '../../../../shared/adapters/DynamoLedger';
import { SsmReaderEndpoints } from '../../../../shared/adapters/SsmReaderEndpoints';
import {
  brokenReplicas,
  DELETE_DEADLINE_MINUTES,
  liveReplicas,
  type RdsReplicasObservation,
  readers,
} from '../../../../shared/decision/rdsReplicas';
import type { Policy, RdsReplicasTarget, Target } from '../../../../shared/policy/schema';
import { kindScaler } from '../../../../shared/usecases/evaluateTargets';
import type { MutationRecord } from '../layerContext';
import { MINUTE } from '../layerContext';
import { SCOPE, type ScalerWorld } from '../scalerWorld';
import { AsgGateInvariants } from './asgGateInvariants';
import { SOAK } from './soakPolicy';

/**
 * The statuses in which AWS says a replica serves reads: `available`, and a new one's `storage-initialization`
 * ("fully operational": RDS User Guide, Creating a read replica). The oracle's own list, not the product's.
 */
const SERVES: ReadonlySet<string> = new Set(['available', 'storage-initialization']);
/** A stuck or refused operation must be told within this long. */
const NOTICE_WITHIN = 30 * MINUTE;
/** A group short of instances EC2 could not place this long is owed a notice. */
const SHORTFALL_OWED_AFTER = 20 * MINUTE;
/** Notices that change nothing (a gate holding a target, a failure), per target and rolling hour, at most. */
const STORM = 4;
const CHANGES = new Set([
  'ScaleOut',
  'ScaleIn',
  'OutOfRange',
  'IntentReconciled',
  'ReplicasScaledOut',
  'ReplicasScaledIn',
  'ScaleOutRateLimited',
  'ScaleInRateLimited',
  'BlastRadiusCapped',
  'ReplacingFailedReplica',
  'RemovingFailedReplica',
  'Draining',
  'DrainCancelled',
  'PredictiveFloor',
]);

/** An operation Scalepilot started: running until the account says it ended, or until its deadline. */
interface Operation {
  readonly target: string;
  readonly what: string;
  readonly at: number;
  readonly deadline: number;
  readonly running: (now: number) => boolean;
  /** Seen ended once: a later instance of the same name is another operation's. */
  ended?: boolean;
  told?: boolean;
}

/**
 * The soak's invariants (issue 21), checked after every step against the account as the layer shows it and
 * the calls the functions made through it: bounds; nothing touched that Scalepilot does not own; never fewer
 * than `min` healthy replicas serving because of a removal; at most one operation in flight per target;
 * every stuck or refused operation told within 30 minutes (or the same kind of failure of its target told
 * within the hour before, as the scalers tell the same failure at most once an hour), a group EC2 left short
 * of its desired capacity for 20 minutes told within 30 minutes more, and no storm of
 * notices (more than 4 that change nothing per target and hour); the group's own gates (no scale-in below
 * its instances protected from scale-in, no change and one notice while someone's scaling policy is attached:
 * asgGateInvariants.ts); at the end, the ledger agrees with the account.
 */
export class SoakInvariants {
  readonly violations: string[] = [];
  private seenMutations = 0;
  private readonly owned = new Set<string>();
  private readonly drained = new Set<string>();
  /** Replicas Scalepilot deleted (until a new one of the name is made): reader discovery must not list them. */
  private readonly deleted = new Set<string>();
  private readonly operations: Operation[] = [];
  /**
   * Refusals, stuck operations and shortfalls waiting for their notice, owed since `since`. `toldBy` is the
   * scalers' notice for it, told at most once an hour, so one of that reason after `toldAfter` (default: the
   * hour before `since`) tells it too.
   */
  private readonly owed: {
    target: string;
    what: string;
    since: number;
    toldBy: string;
    toldAfter?: number;
  }[] = [];
  private readonly stormReported = new Map<string, number>();
  /** The shortfalls (by their start) already owed a notice. */
  private readonly shortfallsOwed = new Set<number>();
  /** When the soak's group was last seen busy (processes suspended): its shortfall is owed from then. */
  private busyAt = Number.NEGATIVE_INFINITY;

  /** The group's own gates: scale-in protection, someone's scaling policy (asgGateInvariants.ts). */
  private readonly asgGates: AsgGateInvariants;

  constructor(private readonly policy: Policy) {
    this.asgGates = new AsgGateInvariants(policy, (message) => this.fail(message));
  }

  /** After one step: `before` is each RDS instance's status as the step began. */
  afterStep(world: ScalerWorld, before: ReadonlyMap<string, { status: string; replication: string }>): void {
    const now = world.clock.now().getTime();
    const fresh = world.layer.mutations.slice(this.seenMutations);
    this.seenMutations = world.layer.mutations.length;
    for (const o of this.operations) if (!o.ended && !o.running(now)) o.ended = true;
    for (const m of fresh) this.mutation(world, m, fresh, before);
    this.stuck(now);
    this.shortfall(world, now);
    this.told(world, now);
    this.bounds(world);
    this.asgGates.afterStep(world, fresh);
  }

  /**
   * After one step, what needs the account read: reader discovery lists no replica Scalepilot deleted (it
   * takes a replica out before deleting it, and nothing puts back one that is not available).
   */
  async afterStepRead(world: ScalerWorld): Promise<void> {
    for (const target of this.policy.targets) {
      const name = target.kind === 'rds-replicas' ? target.readerDiscovery?.ssmParameterName : undefined;
      if (!name) continue;
      const listed = await new SsmReaderEndpoints(world.layer.harnessAws).published(name);
      for (const id of this.deleted)
        if (listed.some((e) => e.startsWith(`${id}.`)))
          this.fail(
            `${target.name}: reader discovery (${name}) lists ${id}, which Scalepilot deleted: ${listed.join(', ')}`,
          );
    }
  }

  private fail(message: string): void {
    this.violations.push(message);
  }

  private targetOf(m: MutationRecord): Target | undefined {
    return this.policy.targets.find((t) =>
      t.kind === 'asg'
        ? t.autoScalingGroupName === m.resource
        : t.kind === 'cache-shards'
          ? t.replicationGroupId === m.resource ||
            m.resource.endsWith(`:replicationgroup:${t.replicationGroupId}`)
          : m.detail.SourceDBInstanceIdentifier === t.sourceDbInstanceIdentifier ||
            m.detail.DBClusterIdentifier === t.sourceDbInstanceIdentifier ||
            m.resource.replace(/^arn:.*:db:/, '').startsWith(`${t.sourceDbInstanceIdentifier}-sp-`),
    );
  }

  private mutation(
    world: ScalerWorld,
    m: MutationRecord,
    batch: readonly MutationRecord[],
    before: ReadonlyMap<string, { status: string; replication: string }>,
  ): void {
    const target = this.targetOf(m);
    if (!target) {
      this.fail(`${m.action} on ${m.resource}: not a resource of the policy`);
      return;
    }
    const id = m.resource.replace(/^arn:.*:db:/, '');
    if (m.action === 'ModifyDBInstance' || m.action === 'RebootDBInstance')
      this.fail(`${m.action} on ${m.resource}: Scalepilot never modifies a database`);
    // Bounds of what was asked.
    if (m.action === 'SetDesiredCapacity') {
      const desired = Number(m.detail.DesiredCapacity);
      if (desired < target.capacity.min || desired > target.capacity.max)
        this.fail(`SetDesiredCapacity ${desired} outside ${target.capacity.min}..${target.capacity.max}`);
    }
    if (m.action === 'ModifyReplicationGroupShardConfiguration') {
      const n = Number(m.detail.NodeGroupCount);
      if (n < target.capacity.min || n > target.capacity.max)
        this.fail(`reshard to ${n} outside ${target.capacity.min}..${target.capacity.max}`);
    }
    // Ownership: only replicas Scalepilot created are tagged, drained or deleted.
    const creates = m.action === 'CreateDBInstanceReadReplica' || m.action === 'CreateDBInstance';
    if (creates && m.outcome === 'ok') {
      this.owned.add(id);
      // A name comes back after a delete: the new replica of that name has never been drained (seed 12345
      // counted soak-db-sp-3 and -sp-5, each made again under a name drained before, as drained).
      this.drained.delete(id);
      this.deleted.delete(id);
    }
    if (m.action === 'DeleteDBInstance' && m.outcome === 'ok') this.deleted.add(id);
    const onReplica = ['DeleteDBInstance', 'AddTagsToResource', 'RemoveTagsFromResource'].includes(m.action);
    if (m.service === 'rds' && onReplica && !this.owned.has(id))
      this.fail(`${m.action} on ${id}: not a replica Scalepilot created`);
    // A removal of a healthy replica leaves at least `min` healthy ones serving.
    const removal =
      (m.action === 'DeleteDBInstance' && !this.drained.has(id)) ||
      (m.action === 'AddTagsToResource' && m.detail['Tags.Tag.1.Key'] === 'scalepilot:draining');
    // A drain cancelled puts the replica back in service (the same flaw: it stayed counted as drained).
    if (
      m.action === 'RemoveTagsFromResource' &&
      m.outcome === 'ok' &&
      m.detail['TagKeys.member.1'] === 'scalepilot:draining'
    )
      this.drained.delete(id);
    if (removal && m.outcome === 'ok') {
      if (m.action === 'AddTagsToResource') this.drained.add(id);
      const healthy = (s?: { status: string; replication: string }) =>
        s !== undefined && SERVES.has(s.status) && s.replication === 'replicating';
      if (healthy(before.get(id))) {
        const source = target.kind === 'rds-replicas' ? target.sourceDbInstanceIdentifier : '';
        const others = world.layer.rds
          .instances()
          .filter(
            (i) => (i.source === source || i.cluster === source) && i.id !== id && !this.drained.has(i.id),
          )
          .filter((i) => healthy(before.get(i.id))).length;
        if (others < target.capacity.min)
          this.fail(
            `${m.action} of healthy ${id} left ${others} healthy replica(s), below min ${target.capacity.min}`,
          );
      }
    }
    // One operation in flight per target.
    const operation =
      creates ||
      m.action === 'DeleteDBInstance' ||
      m.action === 'ModifyReplicationGroupShardConfiguration' ||
      m.action === 'IncreaseReplicaCount' ||
      m.action === 'DecreaseReplicaCount';
    if (operation && m.outcome === 'ok') {
      const running = this.operations.filter(
        (o) => o.target === target.name && !o.ended && o.running(m.at) && m.at < o.deadline,
      );
      if (running.length > 0)
        this.fail(
          `${m.action} ${m.resource} while ${running.map((o) => o.what).join(', ')} still runs on ${target.name}`,
        );
      this.operations.push(this.operationOf(world, target, m, id));
    }
    // A refusal is owed a notice, unless the same evaluation went on to succeed (a fallback, the next name).
    if (operation && m.outcome === 'refused') {
      const handled = batch.some(
        (o) =>
          o !== m &&
          o.action === m.action &&
          o.outcome === 'ok' &&
          o.at === m.at &&
          this.targetOf(o) === target,
      );
      if (!handled)
        this.owed.push({
          target: target.name,
          what: `${m.action} ${m.resource} refused (${m.error})`,
          since: m.at,
          toldBy: 'ActionFailed',
        });
    }
  }

  private operationOf(world: ScalerWorld, target: Target, m: MutationRecord, id: string): Operation {
    const what = `${m.action} ${m.resource} at ${new Date(m.at).toISOString()}`;
    if (target.kind === 'cache-shards')
      return {
        target: target.name,
        what,
        at: m.at,
        deadline: m.at + 120 * MINUTE,
        running: () =>
          world.layer.cache.group(target.replicationGroupId)?.operation?.origin === 'caller' &&
          world.layer.cache.group(target.replicationGroupId)?.operation?.startedAt === m.at,
      };
    const deleting = m.action === 'DeleteDBInstance';
    const deadline =
      target.kind === 'rds-replicas'
        ? m.at + (deleting ? DELETE_DEADLINE_MINUTES : target.replicaCreateDeadlineMinutes) * MINUTE
        : m.at;
    return {
      target: target.name,
      what,
      at: m.at,
      deadline,
      running: () => {
        const status = world.layer.rds.status(id);
        return deleting ? status === 'deleting' : status === 'creating' || status === 'backing-up';
      },
    };
  }

  /**
   * A group EC2 has left short of its desired capacity for 20 minutes is owed a notice (once a shortfall): the
   * scaler tells it (`CapacityShortfall`) rather than waiting it out as warming.
   */
  private shortfall(world: ScalerWorld, now: number): void {
    // A busy group is the scaler's AsgBusy, rightly told nothing (its launches are someone else's to resume):
    // its shortfall is owed once it has been free for the grace (seed 27182: Launch suspended at 18:52, short from
    // 19:32; the scaler said AsgBusy throughout). An instance refresh is not busy: a shortfall during one is owed
    // its notice as any other (the scaler scales the group through the refresh). So is a group someone's scaling
    // policy holds: refused and told once (ScalingPolicyConflict), its capacity is that policy's (seed 14142:
    // short from 14:00 under a policy attached until 14:28, placed at 14:33, owed a notice at 14:50).
    const { asg } = world.layer;
    if (asg.busy(SOAK.group) || asg.scalingPolicyOn(SOAK.group)) this.busyAt = now;
    const short = world.layer.asg.shortSince(SOAK.group, now);
    if (short === undefined || this.shortfallsOwed.has(short)) return;
    const since = Math.max(short, this.busyAt);
    if (now - since < SHORTFALL_OWED_AFTER) return;
    this.shortfallsOwed.add(short);
    const target = this.policy.targets.find((t) => t.kind === 'asg' && t.autoScalingGroupName === SOAK.group);
    if (target)
      this.owed.push({
        target: target.name,
        what: `EC2 capacity shortfall of ${SOAK.group} since ${new Date(short).toISOString()}`,
        since: since + SHORTFALL_OWED_AFTER,
        toldBy: 'CapacityShortfall',
        // The scaler decides the shortfall when it starts: told within the hour before, it is the same news
        // (seed 6502: told at 02:04, placed at 02:40, short again at 02:52, then Launch suspended from 03:04).
        toldAfter: short - 60 * MINUTE,
      });
  }

  /** An operation still running past its deadline is stuck: it is owed a notice (once). */
  private stuck(now: number): void {
    for (const o of this.operations)
      if (o.deadline <= now && !o.ended && o.running(now) && !o.told) {
        o.told = true;
        this.owed.push({
          target: o.target,
          what: `${o.what} stuck past its deadline`,
          since: o.deadline,
          toldBy: 'OperationFailed',
        });
      }
  }

  private told(world: ScalerWorld, now: number): void {
    const notices = world.layer.notices;
    for (let i = this.owed.length - 1; i >= 0; i -= 1) {
      const owed = this.owed[i];
      if (!owed) continue;
      // Told after it, or the same kind of failure of the target told within the hour before: the scalers
      // tell the same failure at most once an hour (an operator told 20 minutes ago needs no second notice).
      const told = notices.some(
        (n) =>
          n.target === owed.target &&
          !CHANGES.has(n.reason) &&
          (n.at >= owed.since - MINUTE ||
            (n.reason === owed.toldBy && n.at > (owed.toldAfter ?? owed.since - 60 * MINUTE))),
      );
      if (told) this.owed.splice(i, 1);
      else if (now - owed.since > NOTICE_WITHIN) {
        this.fail(`${owed.what}: no notice within 30 minutes`);
        this.owed.splice(i, 1);
      }
    }
    for (const target of this.policy.targets) {
      const since = Math.max(now - 60 * MINUTE, this.stormReported.get(target.name) ?? -Infinity);
      const hour = notices.filter((n) => n.target === target.name && !CHANGES.has(n.reason) && n.at > since);
      if (hour.length > STORM) {
        this.fail(`notice storm on ${target.name}: ${hour.map((n) => n.reason).join(', ')} within an hour`);
        this.stormReported.set(target.name, now); // each storm reported once
      }
    }
  }

  /**
   * Serving capacity never beyond the policy's range: at most `max` replicas serve (available and
   * replicating). A failed one is replaced before it is deleted, so it may stand beside `max` that serve
   * for a run: CI's short soak (seed 21) counted 3 serving and one whose replication had stopped (still
   * `available`) as 4 over max 3 (tests/behaviour/soakChecks.test.ts).
   */
  private bounds(world: ScalerWorld): void {
    for (const target of this.policy.targets) {
      if (target.kind !== 'rds-replicas') continue;
      const source = target.sourceDbInstanceIdentifier;
      const kept = world.layer.rds
        .instances()
        .filter((i) => (i.source === source || i.cluster === source) && this.owned.has(i.id))
        .filter((i) => i.status !== 'deleting');
      const serving = kept.filter((i) => SERVES.has(i.status) && i.replication === 'replicating');
      const list = kept.map((i) => `${i.id} ${i.status}/${i.replication}`).join(', ');
      if (serving.length > target.capacity.max)
        this.fail(
          `${target.name}: ${serving.length} of Scalepilot's replicas serve, over max ${target.capacity.max} (${list})`,
        );
    }
    const group = world.layer.cache.group(SOAK.cache);
    const cache = this.policy.targets.find((t) => t.kind === 'cache-shards');
    if (group && cache && !group.operation && group.shards > cache.capacity.max + 1)
      this.fail(`${cache.name}: ${group.shards} shards, over max ${cache.capacity.max}`);
  }

  /** At the end, after a quiet hour: no operation left written ahead, and the last decision is the account's. */
  async atEnd(world: ScalerWorld): Promise<void> {
    const ledger = new DynamoLedger(world.layer.harnessAws, 'ledger', SCOPE);
    for (const target of this.policy.targets) {
      const record = await ledger.read(target.name);
      if (record.intent && !record.intent.recorded)
        this.fail(`${target.name}: the ledger still holds an unfinished intent ${record.intent.id}`);
      const { resource, model } = kindScaler(capacityPortByKind[target.kind](world.layer.harnessAws));
      const observation = await resource.observe(target);
      const now = world.clock.now();
      const described = model.capacity(target, observation, now).current;
      // A replica whose ReplicaLag is −1 (replication stopped, StatusInfos not showing it yet) is no replica
      // to the scaler, which reads the lag of its readers (available, not draining): the account as
      // CloudWatch and RDS show it together. Only the replicas the describe counted are taken off again
      // (one whose StatusInfos show it is off already, and was taken off twice).
      const silentlyStopped =
        target.kind === 'rds-replicas'
          ? countedReaders(target, observation as RdsReplicasObservation, now).filter(
              (id) => world.layer.rds.replicaLag(id) < 0,
            ).length
          : 0;
      const accounts = new Set([described, described - silentlyStopped]);
      const account = [...accounts].join(' or ');
      const last = world.evaluations.filter((e) => e.decision.target === target.name).at(-1)?.decision;
      if (last && !record.intent && !accounts.has(last.desired) && !accounts.has(last.current))
        this.fail(
          `${target.name}: the ledger's last decision (${last.current} → ${last.desired}, ${last.reason}) is not the account's ${account}`,
        );
    }
  }
}

/** The replicas a describe counts as capacity that the scaler also reads the lag of (its readers). */
function countedReaders(target: RdsReplicasTarget, observation: RdsReplicasObservation, now: Date): string[] {
  const live = new Set(liveReplicas(observation, brokenReplicas(target, observation, new Map(), now)));
  return readers(observation)
    .filter((r) => live.has(r))
    .map((r) => r.id);
}
