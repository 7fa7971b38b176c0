import type { RdsReplicasTarget } from '../policy/schema';

/** How a source's storage is encrypted, as the account says (RdsSourceKey). */
export type SourceKey =
  | { readonly encrypted: false }
  | { readonly encrypted: true; readonly keyArn: string; readonly customerManaged: boolean }
  | { readonly encrypted: true; readonly keyArn: string; readonly unknownManager: string };

/**
 * What the policy's `sourceKmsKeyArn` gets wrong about the source's key (issue 21, item 10), one sentence
 * each: a customer managed key the policy does not name (RDS would refuse to create a replica: the role
 * cannot create a grant on it), a different key named, or a key named for a source that needs none.
 */
export function sourceKeyProblems(target: RdsReplicasTarget, key: SourceKey): string[] {
  const named = target.sourceKmsKeyArn;
  const fix = 'or the RDS scaler cannot create its replicas (kms:CreateGrant on the key)';
  if (!key.encrypted || ('customerManaged' in key && !key.customerManaged))
    return named
      ? [
          `sourceKmsKeyArn names ${named}, but ${target.sourceDbInstanceIdentifier} is not encrypted with a customer managed key: remove it (the role would hold grants it never needs)`,
        ]
      : [];
  if (named === key.keyArn) return [];
  if ('unknownManager' in key)
    return named
      ? [
          `sourceKmsKeyArn names ${named}, but the source is encrypted with ${key.keyArn}: name that key, ${fix}`,
        ]
      : [
          `is encrypted with ${key.keyArn} and KMS would not say whose key it is (${key.unknownManager}): if it is customer managed, set sourceKmsKeyArn: ${key.keyArn}, ${fix}`,
        ];
  return [
    named
      ? `sourceKmsKeyArn names ${named}, but the source is encrypted with the customer managed key ${key.keyArn}: name that key, ${fix}`
      : `is encrypted with the customer managed key ${key.keyArn}: set sourceKmsKeyArn: ${key.keyArn}, ${fix}`,
  ];
}
