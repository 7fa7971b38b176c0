import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stackResources } from '../../../infra/stackResources';
import { examplePolicy } from '../../harness/fixtures';

// Every AWS call an adapter makes must be allowed by the role of each function that uses the adapter:
// the commands are read from the adapters' source, so a new call without its IAM action fails here, not in
// production with AccessDenied. (Adapters used only with optional policy keys — Aurora readers, reader
// discovery, cache replica scaling — are checked against policies that set them in
// RdsReplicaPermissions.test.ts and ElastiCacheRole.test.ts.)
const adaptersOf = {
  ScaleAsgRole: [
    'AutoScalingCapacity',
    'CloudWatchMetricsReader',
    'DynamoLedger',
    'SnsNotifier',
    'SsmPauseSwitch',
  ],
  ScaleRdsReplicasRole: [
    'RdsReplicaCapacity',
    'CloudWatchMetricsReader',
    'DynamoLedger',
    'SnsNotifier',
    'SsmPauseSwitch',
  ],
  ScaleCacheShardsRole: [
    'ElastiCacheShardCapacity',
    'ElastiCacheScalableTargets',
    'ElastiCacheNodeQuota',
    'CloudWatchMetricsReader',
    'DynamoLedger',
    'SnsNotifier',
    'SsmPauseSwitch',
  ],
  AlertCostRole: ['CostExplorerReader', 'SnsNotifier'],
};
const prefixOf: Record<string, string> = {
  'client-auto-scaling': 'autoscaling',
  'client-rds': 'rds',
  'client-elasticache': 'elasticache',
  'client-cloudwatch': 'cloudwatch',
  'client-sns': 'sns',
  'client-cost-explorer': 'ce',
  'client-ssm': 'ssm',
  'client-application-auto-scaling': 'application-autoscaling',
  'client-service-quotas': 'servicequotas',
};
// The DynamoDB document client's commands and the item APIs they call.
const documentCommands: Record<string, string> = {
  GetCommand: 'dynamodb:GetItem',
  PutCommand: 'dynamodb:PutItem',
  UpdateCommand: 'dynamodb:UpdateItem',
  DeleteCommand: 'dynamodb:DeleteItem',
  QueryCommand: 'dynamodb:Query',
};

function actionsCalledBy(adapter: string): string[] {
  const source = readFileSync(new URL(`../../../shared/adapters/${adapter}.ts`, import.meta.url), 'utf8');
  const client = /from '@aws-sdk\/(client-[a-z-]+)'/.exec(source)?.[1] ?? '';
  return [...source.matchAll(/new (\w+)Command\(/g)].flatMap(([, name]) => {
    // A transaction is authorised as the item operations inside it (IAM has no TransactWriteItems action).
    if (name === 'TransactWrite')
      return [...source.matchAll(/\b(Put|Update|Delete|ConditionCheck): /g)].map(
        ([, op]) => `dynamodb:${op}Item`,
      );
    const documentAction = documentCommands[`${name}Command`];
    if (source.includes('@aws-sdk/lib-dynamodb') && documentAction) return documentAction;
    return `${prefixOf[client]}:${name}`;
  });
}

describe('function roles allow every call their adapters make', () => {
  const { Resources } = stackResources(examplePolicy(), 'prod');
  it.each(Object.entries(adaptersOf))('%s', (role, adapters) => {
    const allowed = new Set(
      (
        (Resources[role]?.Properties.Policies ?? []) as {
          PolicyDocument: { Statement: { Action: string[] }[] };
        }[]
      ).flatMap((p) => p.PolicyDocument.Statement.flatMap((s) => s.Action)),
    );
    const needed = adapters.flatMap(actionsCalledBy);
    expect(needed.length).toBeGreaterThan(2);
    for (const action of needed) expect(allowed, `${role} needs ${action}`).toContain(action);
  });
});
