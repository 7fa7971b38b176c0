import {
  CreateDBInstanceReadReplicaCommand,
  type DBInstance,
  DBInstanceAlreadyExistsFault,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import type { CapacityState } from '../decision/types';
import { AwsCallError, ResourceNotFoundError, ScalingError } from '../errors';
import type { Target } from '../policy/schema';
import type { CapacityPort } from '../ports';
import { type AwsConfig, clientOptions } from './awsConfig';

/** RDS allows at most 15 read replicas per source instance. */
const MAX_REPLICAS = 15;

/** The fixed name of Scalepilot's n-th replica of a source: creating it twice is refused by RDS, not duplicated. */
export function managedReplicaId(source: string, n: number): string {
  return `${source}-sp-${n}`.slice(0, 63);
}

/**
 * CapacityPort for RDS read replicas. Capacity counts every read replica of the source; only replicas
 * Scalepilot created (named `<source>-sp-<n>`) are ever deleted, newest first, booting ones before serving.
 */
export class RdsReplicaCapacity implements CapacityPort {
  private readonly client: RDSClient;

  constructor(config: AwsConfig, client?: RDSClient) {
    this.client = client ?? new RDSClient(clientOptions(config));
  }

  async describe(target: Target): Promise<CapacityState> {
    const { source, replicas } = await this.read(target);
    const serving = replicas.filter((r) => r.DBInstanceStatus === 'available').length;
    const current = replicas.filter((r) => r.DBInstanceStatus !== 'deleting').length;
    const busy =
      source.DBInstanceStatus !== 'available'
        ? `source instance is ${source.DBInstanceStatus}`
        : replicas.some((r) => r.DBInstanceStatus === 'deleting')
          ? 'a replica is being deleted'
          : undefined;
    return { current, serving, liveMin: 0, liveMax: MAX_REPLICAS, ...(busy ? { busy } : {}) };
  }

  async setCapacity(target: Target, desired: number): Promise<void> {
    const { source, replicas } = await this.read(target);
    const live = replicas.filter((r) => r.DBInstanceStatus !== 'deleting');
    const sourceId = source.DBInstanceIdentifier ?? '';
    if (desired > live.length) {
      const taken = new Set(live.map((r) => r.DBInstanceIdentifier));
      let n = 1;
      for (let added = 0; added < desired - live.length; n += 1) {
        const id = managedReplicaId(sourceId, n);
        if (taken.has(id)) continue;
        await this.createReplica(target, sourceId, id, source.DBInstanceClass);
        added += 1;
      }
      return;
    }
    const removable = live
      .filter((r) => r.DBInstanceIdentifier?.startsWith(`${sourceId}-sp-`))
      .sort(
        (a, b) =>
          Number(a.DBInstanceStatus === 'available') - Number(b.DBInstanceStatus === 'available') ||
          (b.InstanceCreateTime?.getTime() ?? 0) - (a.InstanceCreateTime?.getTime() ?? 0),
      );
    const toRemove = live.length - desired;
    if (removable.length < toRemove) {
      throw new ScalingError(
        `${target.name}: only ${removable.length} replica(s) were created by Scalepilot; will not delete others`,
      );
    }
    for (const replica of removable.slice(0, toRemove)) {
      await this.client
        .send(
          new DeleteDBInstanceCommand({
            DBInstanceIdentifier: replica.DBInstanceIdentifier,
            SkipFinalSnapshot: true,
          }),
        )
        .catch((cause: unknown) => {
          throw new AwsCallError('RDS DeleteDBInstance', cause);
        });
    }
  }

  /** Creates one replica; an existing replica of that name means an earlier attempt succeeded. */
  async createReplica(target: Target, sourceId: string, id: string, sourceClass?: string): Promise<void> {
    const instanceClass =
      target.kind === 'rds-replicas' ? (target.replicaInstanceClass ?? sourceClass) : sourceClass;
    try {
      await this.client.send(
        new CreateDBInstanceReadReplicaCommand({
          DBInstanceIdentifier: id,
          SourceDBInstanceIdentifier: sourceId,
          ...(instanceClass ? { DBInstanceClass: instanceClass } : {}),
          Tags: [
            { Key: 'scalepilot:target', Value: target.name },
            { Key: 'scalepilot:managed', Value: 'true' },
          ],
        }),
      );
    } catch (cause) {
      if (cause instanceof DBInstanceAlreadyExistsFault) return;
      throw new AwsCallError('RDS CreateDBInstanceReadReplica', cause);
    }
  }

  private async read(target: Target): Promise<{ source: DBInstance; replicas: DBInstance[] }> {
    if (target.kind !== 'rds-replicas') throw new ScalingError(`target "${target.name}" is not rds-replicas`);
    const sourceId = target.sourceDbInstanceIdentifier;
    const all: DBInstance[] = [];
    let marker: string | undefined;
    do {
      const page = await this.client
        .send(new DescribeDBInstancesCommand({ Marker: marker }))
        .catch((cause: unknown) => {
          throw new AwsCallError('RDS DescribeDBInstances', cause);
        });
      all.push(...(page.DBInstances ?? []));
      marker = page.Marker;
    } while (marker);
    const source = all.find((i) => i.DBInstanceIdentifier === sourceId);
    if (!source) throw new ResourceNotFoundError('RDS instance', sourceId);
    return { source, replicas: all.filter((i) => i.ReadReplicaSourceDBInstanceIdentifier === sourceId) };
  }
}
