import { CreateDBInstanceCommand, type RDSClient, type Tag } from '@aws-sdk/client-rds';
import type { IamActions } from './iamActions';

/** The IAM actions createAuroraReader calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const rdsAuroraReadersIam: IamActions = {
  read: [],
  write: ['rds:CreateDBInstance'],
};

/**
 * An Aurora reader: an instance of the cluster, promotion tier 15 so an autoscaled reader is the last
 * failover choice, as reachable as the writer. Left out, CreateDBInstance's PubliclyAccessible follows the
 * subnets' VPC (public when it has an internet gateway attached: RDS API Reference), not the writer, so a
 * reader of a private writer could come up public, or one of a public writer private: it gets the writer's.
 * Its own module because only roles with an Aurora target are granted `rds:CreateDBInstance` (the IAM meta
 * test reads each adapter's commands).
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
    /** The writer's PubliclyAccessible (undefined: AWS's default). */
    readonly publiclyAccessible?: boolean;
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
      ...(reader.publiclyAccessible !== undefined ? { PubliclyAccessible: reader.publiclyAccessible } : {}),
      Tags: reader.tags,
    }),
  );
}
