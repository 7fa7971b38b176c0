import {
  AddTagsToResourceCommand,
  CreateDBInstanceReadReplicaCommand,
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  InsufficientDBInstanceCapacityFault,
  InvalidDBInstanceStateFault,
  type RDSClient,
  RemoveTagsFromResourceCommand,
} from '@aws-sdk/client-rds';
import type { KindAction } from '../decision/kindModel';
import {
  DRAINING_TAG,
  hasOwnReplicas,
  isGoing,
  isManaged,
  MANAGED_TAG,
  type Placement,
  type RdsReplicasObservation,
  REQUESTED_TAG,
  type ReplicaAction,
  type ReplicaInstance,
  STAGE_TAG,
  TARGET_TAG,
} from '../decision/rdsReplicas';
import { AwsCallError, awsCallError, RequestRefusedError, ScalingError } from '../errors';
import type { RdsReplicasTarget } from '../policy/schema';
import type { IamActions } from './iamActions';
import { createAuroraReader } from './RdsAuroraReaders';
import type { ReaderDiscovery } from './RdsReaderDiscovery';
import { replicaView } from './rdsReplicaView';

/** The IAM actions RdsReplicaActions calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const rdsReplicaActionsIam: IamActions = {
  read: ['rds:DescribeDBInstances'],
  write: [
    'rds:CreateDBInstanceReadReplica',
    'rds:DeleteDBInstance',
    'rds:AddTagsToResource',
    'rds:RemoveTagsFromResource',
  ],
  // A source under a customer managed key: RDS creates the encrypted replica in the caller's name.
  dependent: ['kms:CreateGrant', 'kms:DescribeKey'],
};

/** Every placement was refused for want of capacity (or every name taken): nothing was created. */
/** Tags an RDS resource may carry (RDS API reference, Tag; User Guide, Tagging Amazon RDS resources). */
const RDS_TAGS_PER_RESOURCE = 50;
/** The tags Scalepilot adds to a replica after its create: the draining tag. */
const TAGS_ADDED_LATER = 1;

export class ReplicaPlacementError extends RequestRefusedError {
  constructor(message: string) {
    super('RDS create replica', new Error(message));
  }
}

/** One create attempt, as logged. */
export interface CreateAttempt {
  readonly target: string;
  readonly replica: string;
  readonly placement: Placement;
  readonly outcome: 'created' | 'adopted' | 'insufficient-capacity' | 'name-taken';
}

const wrap =
  (operation: string) =>
  (cause: unknown): never => {
    throw awsCallError(operation, cause);
  };

/**
 * The changes of the RDS read-replica kind: the one action the gates chose (create or replace a replica,
 * delete one, drain one by its tag, cancel a drain), only ever on a replica Scalepilot created for the
 * target; then the reader discovery record the action carries.
 */
export class RdsReplicaActions {
  constructor(
    private readonly client: RDSClient,
    private readonly discovery: ReaderDiscovery,
    private readonly onAttempt: (attempt: CreateAttempt) => void,
    /** The stage acting: tagged on each replica it creates, and another stage's replica is never its own. */
    private readonly stage: string | undefined,
  ) {}

  async act(
    t: RdsReplicasTarget,
    kindAction: KindAction,
    observation: RdsReplicasObservation,
  ): Promise<{ readonly note: string } | undefined> {
    const action = kindAction as unknown as ReplicaAction;
    let note: string | undefined;
    // A replica leaves reader discovery before it is deleted: a publish that fails then deletes nothing (the
    // next run tries again), where after the delete it left clients sent to an instance that is going.
    const deletes = action.type === 'delete' || action.type === 'deleteFailed';
    if (deletes && action.discovery) await this.discovery.publish(t, action.discovery);
    switch (action.type) {
      case 'create':
      case 'replace':
        note = await this.create(t, action.candidates, action.placements, observation, action.requestedAt);
        break;
      case 'delete':
      case 'deleteFailed':
        await this.delete(t, action.replica, observation);
        break;
      case 'drain':
        await this.tagDraining(t, action.replica, action.at, observation);
        break;
      case 'cancelDrain':
        await this.untagDraining(t, action.replica, observation);
        break;
      case 'syncDiscovery':
        break;
    }
    if (!deletes && action.discovery) await this.publishAfter(t, action, action.discovery);
    return note ? { note } : undefined;
  }

  /**
   * Discovery written after the action. After a create it went through: a refusal of the discovery write
   * (a plain CNAME at the record's name) must not read as the create's (its intent cleared as never applied,
   * no pending operation, and a second create could follow while the first is still creating).
   */
  private async publishAfter(
    t: RdsReplicasTarget,
    action: ReplicaAction,
    discovery: NonNullable<ReplicaAction['discovery']>,
  ): Promise<void> {
    try {
      await this.discovery.publish(t, discovery);
    } catch (error) {
      const created = action.type === 'create' || action.type === 'replace';
      if (created && error instanceof RequestRefusedError)
        throw new AwsCallError(error.operation, error.cause);
      throw error;
    }
  }

  /**
   * Creates one replica: each name in order (the next only when the name belongs to an instance that is not
   * this target's replica; ours is adopted), each placement in order on InsufficientDBInstanceCapacity.
   * Returns what it had to do besides the first try, for the decision's record.
   */
  async create(
    t: RdsReplicasTarget,
    candidates: readonly string[],
    placements: readonly Placement[],
    observation: RdsReplicasObservation,
    requestedAt?: string,
  ): Promise<string | undefined> {
    const refused: string[] = [];
    for (const name of candidates) {
      let taken = false;
      for (const placement of placements.length > 0 ? placements : [{}]) {
        const attempt = (outcome: CreateAttempt['outcome']) =>
          this.onAttempt({ target: t.name, replica: name, placement, outcome });
        try {
          await this.sendCreate(t, name, placement, observation, requestedAt);
          attempt('created');
          return refused.length > 0 ? `created ${name} after: ${refused.join('; ')}` : undefined;
        } catch (cause) {
          if (cause instanceof InsufficientDBInstanceCapacityFault) {
            attempt('insufficient-capacity');
            refused.push(
              `${name} as ${placement.instanceClass ?? 'the source class'} in ${placement.availabilityZone ?? 'any AZ'}: ${cause.message}`,
            );
            continue;
          }
          if (cause instanceof DBInstanceAlreadyExistsFault) {
            if (await this.isOurs(t, name)) {
              attempt('adopted');
              return `adopted ${name}, already this target's replica${refused.length > 0 ? ` (after: ${refused.join('; ')})` : ''}`;
            }
            attempt('name-taken');
            refused.push(`${name}: taken by an instance that is not ${t.name}'s replica`);
            taken = true;
            break;
          }
          throw awsCallError(t.aurora ? 'RDS CreateDBInstance' : 'RDS CreateDBInstanceReadReplica', cause);
        }
      }
      if (!taken) break; // every placement of this name was refused for capacity: another name will not help
    }
    throw new ReplicaPlacementError(`${t.name}: no replica created; ${refused.join('; ')}`);
  }

  private async sendCreate(
    t: RdsReplicasTarget,
    name: string,
    placement: Placement,
    observation: RdsReplicasObservation,
    requestedAt?: string,
  ) {
    // Scalepilot's tags, which say whose replica it is (which target, which stage: the role of another stage
    // deployed against the same source may not touch it) and when it was asked for (a create still coming up
    // past its deadline is then known for one), and as many of the source's (cost allocation, ownership) as
    // RDS's 50 a resource leave room for, the draining tag a scale-in adds later included: one more would have
    // every create refused, or every drain. Without a stage (a tool run without one) the replica is made as
    // before stages were tagged: any stage takes it for its own.
    const own = [
      { Key: MANAGED_TAG, Value: 'true' },
      { Key: TARGET_TAG, Value: t.name },
      ...(this.stage !== undefined ? [{ Key: STAGE_TAG, Value: this.stage }] : []),
      ...(requestedAt ? [{ Key: REQUESTED_TAG, Value: requestedAt }] : []),
    ];
    const copied = Object.entries(observation.source.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
    const tags = [...copied.slice(0, RDS_TAGS_PER_RESOURCE - own.length - TAGS_ADDED_LATER), ...own];
    const where = {
      ...(placement.instanceClass ? { DBInstanceClass: placement.instanceClass } : {}),
      ...(placement.availabilityZone ? { AvailabilityZone: placement.availabilityZone } : {}),
    };
    if (t.aurora) {
      const instanceClass = placement.instanceClass ?? observation.source.instanceClass;
      await createAuroraReader(this.client, {
        id: name,
        cluster: observation.source.id,
        engine: observation.source.engine,
        ...(instanceClass ? { instanceClass } : {}),
        ...(placement.availabilityZone ? { availabilityZone: placement.availabilityZone } : {}),
        ...(observation.source.parameterGroup ? { parameterGroup: observation.source.parameterGroup } : {}),
        ...(observation.source.publiclyAccessible !== undefined
          ? { publiclyAccessible: observation.source.publiclyAccessible }
          : {}),
        tags,
      });
      return;
    }
    // A same-Region replica takes the source's subnet group and parameter group by default (RDS refuses an
    // explicit parameter group for same-Region MySQL replicas). Its VPC security groups and public access are
    // named as the source's: the API reference gives the VPC's default security group as their default (the
    // app could not reach a replica Scalepilot counts as serving and publishes), where its summary says a
    // replica inherits them; named, both readings give the source's.
    const { source } = observation;
    await this.client.send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: name,
        SourceDBInstanceIdentifier: source.id,
        ...where,
        ...(source.vpcSecurityGroupIds?.length
          ? { VpcSecurityGroupIds: [...source.vpcSecurityGroupIds] }
          : {}),
        ...(source.publiclyAccessible !== undefined ? { PubliclyAccessible: source.publiclyAccessible } : {}),
        Tags: tags,
      }),
    );
  }

  /**
   * An existing instance of that name is adopted only when it is this source's replica with this target's tags
   * and no other stage's (isManaged).
   */
  private async isOurs(t: RdsReplicasTarget, name: string): Promise<boolean> {
    const existing = (
      await this.client
        .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: name }))
        .catch(wrap('RDS DescribeDBInstances'))
    ).DBInstances?.[0];
    if (!existing) return false;
    const ofSource = t.aurora
      ? existing.DBClusterIdentifier === t.sourceDbInstanceIdentifier
      : existing.ReadReplicaSourceDBInstanceIdentifier === t.sourceDbInstanceIdentifier;
    return ofSource && isManaged(t, replicaView(existing, this.stage));
  }

  /** Refuses anything but this target's managed replica, whatever the action says (the role refuses it too). */
  private owned(t: RdsReplicasTarget, id: string, observation: RdsReplicasObservation): ReplicaInstance {
    const replica = observation.replicas.find((r) => r.id === id);
    if (!replica || !isManaged(t, replica) || id === observation.writer || id === observation.source.id)
      throw new ScalingError(
        `${t.name}: ${id} is not a replica Scalepilot created for this target; not touching it`,
      );
    return replica;
  }

  async delete(t: RdsReplicasTarget, id: string, observation: RdsReplicasObservation): Promise<void> {
    const replica = this.owned(t, id, observation);
    // RDS promotes a deleted instance's own read replicas to standalone instances: someone else's, changed.
    if (hasOwnReplicas(replica))
      throw new ScalingError(
        `${t.name}: ${id} has read replicas of its own (${replica.replicas?.join(', ')}); deleting it would promote them, not touching it`,
      );
    await this.client
      .send(
        // A replica's data is the source's: no final snapshot (Aurora instances take none: the cluster keeps them).
        new DeleteDBInstanceCommand({
          DBInstanceIdentifier: id,
          ...(t.aurora ? {} : { SkipFinalSnapshot: true }),
        }),
      )
      .catch(async (cause: unknown) => {
        // Already gone: the delete has happened.
        if (cause instanceof DBInstanceNotFoundFault) return;
        // Already being deleted is done too, and so is gone by the time we look (a retried delete whose first
        // attempt RDS took); any other state (backing up, modifying, a busy source) is a refusal: nothing was
        // deleted, and the target tries again later.
        if (cause instanceof InvalidDBInstanceStateFault) {
          const status = await this.statusOf(id);
          if (status === undefined || isGoing({ status })) return;
          throw new RequestRefusedError('RDS DeleteDBInstance', cause);
        }
        throw awsCallError('RDS DeleteDBInstance', cause);
      });
  }

  private async statusOf(id: string): Promise<string | undefined> {
    const response = await this.client
      .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))
      .catch((cause: unknown) => {
        if (cause instanceof DBInstanceNotFoundFault) return undefined;
        throw awsCallError('RDS DescribeDBInstances', cause);
      });
    return response?.DBInstances?.[0]?.DBInstanceStatus;
  }

  private async tagDraining(
    t: RdsReplicasTarget,
    id: string,
    at: string,
    observation: RdsReplicasObservation,
  ) {
    const replica = this.owned(t, id, observation);
    await this.client
      .send(
        new AddTagsToResourceCommand({ ResourceName: replica.arn, Tags: [{ Key: DRAINING_TAG, Value: at }] }),
      )
      .catch(wrap('RDS AddTagsToResource'));
  }

  private async untagDraining(t: RdsReplicasTarget, id: string, observation: RdsReplicasObservation) {
    const replica = this.owned(t, id, observation);
    await this.client
      .send(new RemoveTagsFromResourceCommand({ ResourceName: replica.arn, TagKeys: [DRAINING_TAG] }))
      .catch(wrap('RDS RemoveTagsFromResource'));
  }
}
