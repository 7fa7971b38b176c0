import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  DBClusterNotFoundFault,
  DBInstanceNotFoundFault,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import type { SourceKey } from '../decision/sourceKeyProblems';
import { AwsCallError, ResourceNotFoundError } from '../errors';
import type { RdsReplicasTarget } from '../policy/schema';
import { type AwsConfig, clientOptions } from './awsConfig';

/**
 * How an RDS target's source (or Aurora cluster) is encrypted, for `validate --check-account` (issue 21,
 * item 10): its key, and whether KMS says that key is customer managed (a replica of a source under such a
 * key needs kms:CreateGrant on it; the AWS managed aws/rds key needs nothing).
 */
export class RdsSourceKey {
  private readonly rds: RDSClient;
  private readonly kms: KMSClient;

  constructor(config: AwsConfig, clients: { rds?: RDSClient; kms?: KMSClient } = {}) {
    this.rds = clients.rds ?? new RDSClient(clientOptions(config));
    this.kms = clients.kms ?? new KMSClient(clientOptions(config));
  }

  async read(target: RdsReplicasTarget): Promise<SourceKey> {
    const id = target.sourceDbInstanceIdentifier;
    const found = target.aurora
      ? (
          await this.rds
            .send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))
            .catch((cause: unknown) => {
              if (cause instanceof DBClusterNotFoundFault)
                throw new ResourceNotFoundError('Aurora DB cluster', id, { cause });
              throw new AwsCallError('RDS DescribeDBClusters', cause);
            })
        ).DBClusters?.[0]
      : (
          await this.rds
            .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))
            .catch((cause: unknown) => {
              if (cause instanceof DBInstanceNotFoundFault)
                throw new ResourceNotFoundError('RDS DB instance', id, { cause });
              throw new AwsCallError('RDS DescribeDBInstances', cause);
            })
        ).DBInstances?.[0];
    if (!found) throw new ResourceNotFoundError(target.aurora ? 'Aurora DB cluster' : 'RDS DB instance', id);
    if (!found.StorageEncrypted || !found.KmsKeyId) return { encrypted: false };
    try {
      const key = await this.kms.send(new DescribeKeyCommand({ KeyId: found.KmsKeyId }));
      return {
        encrypted: true,
        keyArn: key.KeyMetadata?.Arn ?? found.KmsKeyId,
        customerManaged: key.KeyMetadata?.KeyManager === 'CUSTOMER',
      };
    } catch (cause) {
      // The operator may not be allowed to describe the key: the check says what it could not tell.
      const why = cause instanceof Error ? cause.message : String(cause);
      return { encrypted: true, keyArn: found.KmsKeyId, unknownManager: `KMS DescribeKey: ${why}` };
    }
  }
}
