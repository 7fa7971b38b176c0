import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { accountChecks, accountProblems } from '../../bin/lib/accountChecks';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { validatePolicy } from '../../shared/policy/parsePolicy';
import { useEmulator } from '../harness/useEmulator';
import { rdsTarget } from '../unit/decision/rdsReplicasFixtures';

// Issue 21, item 10: a replica of a source encrypted with a customer managed key needs kms:CreateGrant on
// that key. `validate --check-account` reads the source's key from moto (RDS, then KMS DescribeKey) and says
// when the policy's sourceKmsKeyArn does not name it.
const emulator = useEmulator();

async function source(encryptedWith?: string) {
  await new RDSClient(clientOptions(emulator.aws)).send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'event-platform-db',
      DBInstanceClass: 'db.t4g.medium',
      Engine: 'postgres',
      AllocatedStorage: 20,
      MasterUsername: 'scalepilot',
      MasterUserPassword: 'demo-password-1',
      BackupRetentionPeriod: 7,
      ...(encryptedWith ? { StorageEncrypted: true, KmsKeyId: encryptedWith } : {}),
    }),
  );
}
const customerKey = async () =>
  (await new KMSClient(clientOptions(emulator.aws)).send(new CreateKeyCommand({}))).KeyMetadata?.Arn ?? '';
const problems = (target: Record<string, unknown>) =>
  accountProblems(validatePolicy({ version: 1, targets: [rdsTarget(target)] }), accountChecks(emulator.aws));

describe('validate --check-account: the source’s customer managed key (defect: encrypted sources needed a grant the role lacked)', () => {
  it('names the key when the policy does not, and a key that is not the source’s', async () => {
    const key = await customerKey();
    await source(key);
    expect(await problems({})).toEqual([
      `targets[0] "events-db".sourceDbInstanceIdentifier: is encrypted with the customer managed key ${key}: set sourceKmsKeyArn: ${key}, or the RDS scaler cannot create its replicas (kms:CreateGrant on the key)`,
    ]);
    const other = await customerKey();
    expect((await problems({ sourceKmsKeyArn: other })).join('\n')).toContain(
      `sourceKmsKeyArn names ${other}, but the source is encrypted with the customer managed key ${key}`,
    );
    expect(await problems({ sourceKmsKeyArn: key })).toEqual([]);
  });

  it('refuses a key named for a source that is not encrypted', async () => {
    const key = await customerKey();
    await source();
    expect(await problems({ sourceKmsKeyArn: key })).toEqual([
      `targets[0] "events-db".sourceDbInstanceIdentifier: sourceKmsKeyArn names ${key}, but event-platform-db is not encrypted with a customer managed key: remove it (the role would hold grants it never needs)`,
    ]);
    expect(await problems({})).toEqual([]);
  });
});
