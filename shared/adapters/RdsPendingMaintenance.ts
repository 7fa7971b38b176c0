import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribePendingMaintenanceActionsCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { awsCallError, ScalingError } from '../errors';
import type { RdsReplicasTarget, Target } from '../policy/schema';
import type { IamActions } from './iamActions';

/** The IAM actions RdsPendingMaintenance calls (read-only; `scalepilot plan` runs it with the operator's credentials). */
export const rdsPendingMaintenanceIam: IamActions = {
  read: ['rds:DescribeDBClusters', 'rds:DescribeDBInstances', 'rds:DescribePendingMaintenanceActions'],
  write: [],
};

// Read by `scalepilot plan` with the operator's credentials only: the functions never call it, so their
// roles are not granted rds:DescribePendingMaintenanceActions.

const wrap =
  (operation: string) =>
  (cause: unknown): never => {
    throw awsCallError(operation, cause);
  };

function rdsTarget(target: Target): RdsReplicasTarget {
  if (target.kind !== 'rds-replicas') throw new ScalingError(`target "${target.name}" is not rds-replicas`);
  return target;
}

/**
 * What waits to be applied to the source (`scalepilot plan`), one line each: the modifications waiting for
 * its maintenance window (PendingModifiedValues) and the pending maintenance actions with when they apply.
 */
export async function rdsPendingMaintenance(client: RDSClient, target: Target): Promise<string[]> {
  const t = rdsTarget(target);
  const id = t.sourceDbInstanceIdentifier;
  const lines: string[] = [];
  if (t.aurora) {
    const cluster = (
      await client
        .send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))
        .catch(wrap('RDS DescribeDBClusters'))
    ).DBClusters?.[0];
    for (const [field, value] of Object.entries(cluster?.PendingModifiedValues ?? {}))
      if (value !== undefined && value !== null)
        lines.push(
          `pending modification: ${field} ${JSON.stringify(value)} (applied in the maintenance window ${cluster?.PreferredMaintenanceWindow ?? 'of the cluster'})`,
        );
  } else {
    const source = (
      await client
        .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))
        .catch(wrap('RDS DescribeDBInstances'))
    ).DBInstances?.[0];
    for (const [field, value] of Object.entries(source?.PendingModifiedValues ?? {}))
      if (value !== undefined && value !== null)
        lines.push(
          `pending modification: ${field} ${typeof value === 'string' ? value : JSON.stringify(value)} (applied in the maintenance window ${source?.PreferredMaintenanceWindow ?? 'of the instance'})`,
        );
  }
  const actions = await client
    .send(
      new DescribePendingMaintenanceActionsCommand({
        Filters: [{ Name: t.aurora ? 'db-cluster-id' : 'db-instance-id', Values: [id] }],
      }),
    )
    .catch(wrap('RDS DescribePendingMaintenanceActions'));
  for (const resource of actions.PendingMaintenanceActions ?? [])
    for (const a of resource.PendingMaintenanceActionDetails ?? [])
      lines.push(
        `pending maintenance: ${a.Action ?? 'unknown action'}${a.Description && a.Description !== a.Action ? ` (${a.Description})` : ''}${a.CurrentApplyDate ? `, applies ${a.CurrentApplyDate.toISOString()}` : a.AutoAppliedAfterDate ? `, auto-applied after ${a.AutoAppliedAfterDate.toISOString()}` : ''}${a.ForcedApplyDate ? `, forced from ${a.ForcedApplyDate.toISOString()}` : ''}`,
      );
  return lines;
}
