import { CreateDBInstanceCommand, type RDSClient, type Tag } from '@aws-sdk/client-rds';
import type { IamActions } from './iamActions';

/** The IAM actions createAuroraReader calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const rdsAuroraReadersIam: IamActions = {
  read: [],
  write: ['rds:CreateDBInstance'],
};

/**
 * An Aurora reader: an instance of the cluster, promotion tier 15 so an autoscaled reader is the last
 * failover choice. Its own module because only roles with an Aurora target are granted
 * `rds:CreateDBInstance` (the IAM meta test reads each adapter's commands).
 */
export async function createAuroraReader(
  client: RDSClient,
  reader: {
    readonly id: string;
    readonly cluster: string;
    readonly engine: string;
    readonly instanceClass?: string;
    readonly availabilityZone?: string;
    readonly parameterGroup?: string;
    readonly tags: Tag[];
  },
): Promise<void> {
  await client.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: reader.id,
      DBClusterIdentifier: reader.cluster,
      Engine: reader.engine,
      DBInstanceClass: reader.instanceClass,
      PromotionTier: 15,
      ...(reader.availabilityZone ? { AvailabilityZone: reader.availabilityZone } : {}),
      ...(reader.parameterGroup ? { DBParameterGroupName: reader.parameterGroup } : {}),
      Tags: reader.tags,
    }),
  );
}
