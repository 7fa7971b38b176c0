import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAN_OUT_SERVICE_ACTIONS } from '../../../infra/fanOutResources';
import {
  activeGrants,
  type FunctionName,
  functionAdapters,
  grantedActions,
  POWERTOOLS_IDEMPOTENCY,
} from '../../../infra/functionAdapters';
import { LAMBDA_SERVICE_ACTIONS } from '../../../infra/functionPermissions';
import { stackResources } from '../../../infra/stackResources';
import type { IamActions } from '../../../shared/adapters/iamActions';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Policy } from '../../../shared/policy/schema';
import { actionsCalledIn, adapterFiles, iamName, ROOT, reachableFiles } from '../../harness/adapterCalls';
import { examplePolicy } from '../../harness/fixtures';

// Issue 20, item 2: AlertCostRole lacked dynamodb:GetItem/UpdateItem on the delivery table, so marking an
// alert sent was denied and the alert re-sent every run. A role is now built from the adapters its function
// constructs, each adapter declares the IAM actions it calls, and these tests hold the three together, so a
// role can never lag its code again.

const HANDLERS: Record<FunctionName, string> = {
  scaleAsg: 'functions/scale-asg/handler.ts',
  scaleRdsReplicas: 'functions/scale-rds-replicas/handler.ts',
  scaleCacheShards: 'functions/scale-cache-shards/handler.ts',
  predict: 'functions/predict/handler.ts',
  alertCost: 'functions/alert-cost/handler.ts',
};
const READ = /^[a-z0-9-]+:(Describe|Get|List|Query|BatchGet)[A-Za-z]*$/;

async function declared(adapter: string): Promise<IamActions> {
  const module = (await import(`../../../shared/adapters/${adapter}.ts`)) as Record<string, IamActions>;
  const iam = module[iamName(adapter)];
  if (!iam) throw new Error(`${adapter} declares no ${iamName(adapter)}`);
  return iam;
}

/** Every optional feature on, so every adapter grant is active. */
function fullPolicy(): Policy {
  const example = examplePolicy();
  const raw = JSON.parse(JSON.stringify(example));
  const db = raw.targets.find((t: { kind: string }) => t.kind === 'rds-replicas');
  db.readerDiscovery = {
    route53: { hostedZoneId: 'Z0123', recordName: 'reader.db.internal' },
    ssmParameterName: '/db/readers',
  };
  db.sourceKmsKeyArn = 'arn:aws:kms:us-east-1:123456789012:key/k1';
  raw.targets.push({
    ...db,
    name: 'orders-db',
    sourceDbInstanceIdentifier: 'orders-cluster',
    aurora: true,
    readerDiscovery: undefined,
    sourceKmsKeyArn: undefined,
  });
  // Two targets of each kind, one a run: every scaler fans out (its SqsFanOut grant is active).
  const group = raw.targets.find((t: { kind: string }) => t.kind === 'asg');
  raw.targets.push({ ...group, name: 'api-2', autoScalingGroupName: 'api-2' });
  raw.fleet = { targetsPerRun: { asg: 1, 'rds-replicas': 1, 'cache-shards': 1 } };
  const cache = raw.targets.find((t: { kind: string }) => t.kind === 'cache-shards');
  cache.replicaScaling = { min: 1, max: 2, rules: ['engine-cpu'] };
  delete cache.nodeType;
  raw.targets.push({ ...cache, name: 'sessions-2', replicationGroupId: 'sessions-2' });
  for (const t of raw.targets) if (t.kind === 'asg') t.predictive = true;
  raw.predictive = { ...raw.predictive, enabled: true };
  raw.notifications = { ...raw.notifications, webhookParameterName: '/scalepilot/webhook' };
  return validatePolicy(raw);
}

function roleActions(policy: Policy, fn: FunctionName): string[] {
  const role = stackResources(policy, 'prod').Resources[
    `${fn[0]?.toUpperCase()}${fn.slice(1)}Role`
  ] as unknown as {
    Properties: { Policies: { PolicyDocument: { Statement: { Action: string[] }[] } }[] };
  };
  return role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement.flatMap((s) => s.Action));
}

describe('each adapter declares the IAM actions it calls', () => {
  it.each(adapterFiles())(
    '%s: the declaration is the SDK commands in its source, reads apart from writes',
    async (adapter) => {
      const iam = await declared(adapter);
      const calls = actionsCalledIn(resolve(ROOT, 'shared/adapters', `${adapter}.ts`));
      expect([...iam.read, ...iam.write].sort()).toEqual(calls);
      for (const action of iam.read) expect(action, `${adapter} read`).toMatch(READ);
      for (const action of iam.write) expect(action, `${adapter} write`).not.toMatch(READ);
    },
  );
});

describe('each function’s role is built from the adapters it constructs', () => {
  it.each(Object.keys(HANDLERS) as FunctionName[])(
    '%s: its adapters are the ones its handler reaches',
    (fn) => {
      const files = reachableFiles(HANDLERS[fn]);
      const adapters = new Set(adapterFiles());
      const reached = files
        .filter((f) => f.includes('/shared/adapters/'))
        .map((f) => f.slice(f.lastIndexOf('/') + 1, -3))
        .filter((name) => adapters.has(name));
      // A library that calls AWS itself: Powertools' idempotency store.
      if (files.some((f) => readFileSync(f, 'utf8').includes('new DynamoDBPersistenceLayer(')))
        reached.push(POWERTOOLS_IDEMPOTENCY);
      // Every adapter file the handler reaches calls AWS through declared actions; a file without a declaration
      // that sends commands would be a call no role allows.
      for (const file of files.filter((f) => f.includes('/shared/adapters/')))
        if (actionsCalledIn(file).length > 0)
          expect(
            adapters.has(file.slice(file.lastIndexOf('/') + 1, -3)),
            `${file} declares its IAM actions`,
          ).toBe(true);
      expect(functionAdapters[fn].map((g) => g.adapter).sort()).toEqual(reached.sort());
    },
  );

  it.each(Object.keys(HANDLERS) as FunctionName[])(
    '%s: the role allows exactly its adapters’ actions (and what the Lambda service does with it)',
    (fn) => {
      const policy = fullPolicy();
      const actions = new Set(roleActions(policy, fn));
      const grants = activeGrants(fn, policy);
      expect(grants).toHaveLength(functionAdapters[fn].length); // every grant active with every feature on
      const needed = grants.flatMap((g) => [...grantedActions(g).read, ...grantedActions(g).write]);
      for (const action of needed) expect(actions, `${fn} needs ${action}`).toContain(action);
      const allowed = new Set([
        ...LAMBDA_SERVICE_ACTIONS,
        ...FAN_OUT_SERVICE_ACTIONS,
        ...grants.flatMap((g) => [
          ...grantedActions(g).read,
          ...grantedActions(g).write,
          ...(g.iam.dependent ?? []),
        ]),
      ]);
      for (const action of actions)
        expect(allowed, `${fn} holds ${action}, which none of its adapters calls`).toContain(action);
    },
  );

  it('the cost role reads and updates its delivery records (defect: AlertCostRole lacked GetItem and UpdateItem)', () => {
    const actions = roleActions(examplePolicy(), 'alertCost');
    expect(actions).toEqual(
      expect.arrayContaining([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
      ]),
    );
  });

  // Security review s51: the cost role, the function that calls an outside webhook, held the ledger's writes on
  // the whole table: it could overwrite a target's floors (which the scalers act on) or delete its lease.
  it('the cost role writes the ledger only under its delivery records’ partition prefix', () => {
    const role = stackResources(fullPolicy(), 'prod').Resources.AlertCostRole as unknown as {
      Properties: {
        Policies: {
          PolicyDocument: { Statement: { Action: string[]; Resource: unknown; Condition?: unknown }[] };
        }[];
      };
    };
    const onLedger = role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement).filter((s) =>
      JSON.stringify(s.Resource).includes('LedgerTable'),
    );
    const writes = onLedger.filter((s) => s.Action.some((a) => !READ.test(a)));
    expect(writes.length).toBeGreaterThan(0);
    for (const statement of writes)
      expect(statement.Condition).toEqual({
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ALERT#*'] },
      });
    expect(writes.flatMap((s) => s.Action).sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
  });

  it('a policy without an optional feature grants none of its adapter’s actions', () => {
    const example = examplePolicy();
    const rds = roleActions(example, 'scaleRdsReplicas');
    for (const action of [
      'rds:CreateDBInstance',
      'route53:ChangeResourceRecordSets',
      'ssm:PutParameter',
      'kms:CreateGrant',
    ])
      expect(rds).not.toContain(action);
    expect(roleActions(example, 'scaleCacheShards')).not.toContain('elasticache:IncreaseReplicaCount');
    const cost = roleActions(example, 'alertCost');
    expect(cost).not.toContain('elasticache:ModifyReplicationGroupShardConfiguration');
  });
});
